/* fs_host_features: see fs_host_features.h. */
#include "fs_host_features.h"

#include <errno.h>
#include <ftw.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/parameters/parameters.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- paths ------------------------------------------------------------- */

char *fs_host_join_path(const char *dir, const char *name) {
  size_t size = strlen(dir) + strlen(name) + 2;
  char *path = malloc(size);
  if (path) snprintf(path, size, "%s/%s", dir, name);
  return path;
}

int fs_host_make_directories(const char *path) {
  char *copy = strdup(path);
  if (!copy) return ENOMEM;
  int status = 0;
  for (char *slash = copy + 1;; slash++) {
    bool end = *slash == '\0';
    if (*slash == '/' || end) {
      *slash = '\0';
      if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
        status = errno;
        break;
      }
      if (end) break;
      *slash = '/';
    }
  }
  free(copy);
  return status;
}

static int remove_entry(const char *path, const struct stat *info, int flag,
                        struct FTW *ftw) {
  (void)info;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

/* ---- log:log ----------------------------------------------------------- */

static const char *log_level(const fs_host_features *f, LV2_URID type) {
  if (type == f->log_Error) return "error";
  if (type == f->log_Warning) return "warning";
  if (type == f->log_Note) return "note";
  if (type == f->log_Trace) return "trace";
  return "message";
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                       va_list args) {
  fs_host_features *f = handle;
  if (f->config.quiet_log && (type == f->log_Note || type == f->log_Trace))
    return 0;
  char text[FS_LOG_LINE];
  int length = vsnprintf(text, sizeof text, fmt, args);
  size_t end = strlen(text);
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r'))
    text[--end] = '\0';
  if (f->capturing_log) {
    if (f->captured_count < sizeof f->captured / sizeof *f->captured) {
      f->captured[f->captured_count].level = log_level(f, type);
      memcpy(f->captured[f->captured_count].text, text, sizeof text);
      f->captured_count++;
    }
    return length;
  }
  /* One write per message, so worker and processing threads never
   * interleave halves of their lines. */
  flockfile(stderr);
  fprintf(stderr, "failsafe-host: plugin %s: %s\n", log_level(f, type), text);
  funlockfile(stderr);
  return length;
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                      ...) {
  va_list args;
  va_start(args, fmt);
  int length = log_vprintf(handle, type, fmt, args);
  va_end(args);
  return length;
}

void fs_host_features_capture_log(fs_host_features *features) {
  features->capturing_log = true;
}

const char *fs_host_features_release_log(fs_host_features *features,
                                         bool print) {
  features->capturing_log = false;
  if (print)
    for (uint32_t i = 0; i < features->captured_count; i++)
      fprintf(stderr, "failsafe-host: plugin %s: %s\n",
              features->captured[i].level, features->captured[i].text);
  return features->captured_count
             ? features->captured[features->captured_count - 1].text
             : NULL;
}

/* ---- state paths ------------------------------------------------------- */

static char *make_path(LV2_State_Make_Path_Handle handle, const char *path) {
  fs_host_features *f = handle;
  if (!f->scratch_dir && f->config.state_dir) {
    /* The session's own folder: what the plugin makes there stays. */
    f->scratch_dir = strdup(f->config.state_dir);
    f->keep_scratch = true;
    if (f->scratch_dir) fs_host_make_directories(f->scratch_dir);
  }
  if (!f->scratch_dir) {
    const char *tmp = getenv("TMPDIR");
    char *template = fs_host_join_path(tmp && *tmp ? tmp : "/tmp",
                                       "failsafe-host-scratch.XXXXXX");
    if (!template) return NULL;
    if (!mkdtemp(template)) {
      free(template);
      return NULL;
    }
    f->scratch_dir = template;
  }
  char *full = fs_host_join_path(f->scratch_dir, path);
  if (!full) return NULL;
  /* The plugin may ask for "sub/dir/file": make sure sub/dir exists. */
  char *slash = strrchr(full, '/');
  if (slash && slash > full + strlen(f->scratch_dir)) {
    *slash = '\0';
    fs_host_make_directories(full);
    *slash = '/';
  }
  return full;
}

static char *abstract_path(LV2_State_Map_Path_Handle handle,
                           const char *absolute) {
  fs_host_features *f = handle;
  size_t base_length = strlen(f->path_base);
  if (strncmp(absolute, f->path_base, base_length) == 0 &&
      absolute[base_length] == '/')
    return strdup(absolute + base_length + 1);
  return strdup(absolute);
}

static char *absolute_path(LV2_State_Map_Path_Handle handle,
                           const char *abstract) {
  fs_host_features *f = handle;
  if (abstract[0] == '/') return strdup(abstract);
  return fs_host_join_path(f->path_base, abstract);
}

static void free_path(LV2_State_Free_Path_Handle handle, char *path) {
  (void)handle;
  free(path);
}

/* ---- options and the lists --------------------------------------------- */

static void build_options(fs_host_features *f) {
  const fs_host_features_config *config = &f->config;
  f->option_min_block = 1; /* the file's last block may be short */
  f->option_max_block = (int32_t)config->max_block;
  f->option_nominal_block = (int32_t)config->nominal_block;
  f->option_sample_rate = (float)config->sample_rate;
  const struct {
    const char *key;
    LV2_URID type;
    const void *value;
  } entries[4] = {
    {LV2_BUF_SIZE__minBlockLength, f->atom_Int, &f->option_min_block},
    {LV2_BUF_SIZE__maxBlockLength, f->atom_Int, &f->option_max_block},
    {LV2_BUF_SIZE__nominalBlockLength, f->atom_Int, &f->option_nominal_block},
    {LV2_PARAMETERS__sampleRate, f->atom_Float, &f->option_sample_rate},
  };
  for (size_t i = 0; i < 4; i++)
    f->options[i] = (LV2_Options_Option){
      .context = LV2_OPTIONS_INSTANCE,
      .subject = 0,
      .key = fs_urid_map(f->urids, entries[i].key),
      .size = 4,
      .type = entries[i].type,
      .value = entries[i].value,
    };
  f->options[4] = (LV2_Options_Option){0};
}

/* Whether the configuration offers feature i at instantiation. */
static bool offered(const fs_host_features *f, size_t i) {
  if (f->config.live_basic)
    return i == FS_FEATURE_MAP || i == FS_FEATURE_UNMAP ||
           i == FS_FEATURE_OPTIONS || i == FS_FEATURE_BOUNDED;
  if (i == FS_FEATURE_SCHEDULE) return f->config.schedule != NULL;
  /* makePath promises files that last, like a DAW's session folder: only
   * a state directory (--state-in/--state-out) is such a place.  Without
   * one the plugin is not offered makePath and keeps its files where it
   * would in any host without it. */
  if (i == FS_FEATURE_MAKE_PATH) return f->config.state_dir != NULL;
  return true;
}

int fs_host_features_init(fs_host_features *f, fs_urid_table *urids,
                          const fs_host_features_config *config) {
  memset(f, 0, sizeof *f);
  f->config = *config;
  f->urids = urids;
  char cwd[4096];
  const char *base = config->state_dir;
  if (!base) base = getcwd(cwd, sizeof cwd) ? cwd : ".";
  f->path_base = strdup(base);
  if (!f->path_base) return -1;
  f->atom_Int = fs_urid_map(urids, LV2_ATOM__Int);
  f->atom_Float = fs_urid_map(urids, LV2_ATOM__Float);
  f->log_Error = fs_urid_map(urids, LV2_LOG__Error);
  f->log_Warning = fs_urid_map(urids, LV2_LOG__Warning);
  f->log_Note = fs_urid_map(urids, LV2_LOG__Note);
  f->log_Trace = fs_urid_map(urids, LV2_LOG__Trace);
  build_options(f);

  f->log = (LV2_Log_Log){f, log_printf, log_vprintf};
  f->make_path = (LV2_State_Make_Path){f, make_path};
  f->map_path = (LV2_State_Map_Path){f, abstract_path, absolute_path};
  f->free_path = (LV2_State_Free_Path){NULL, free_path};

  f->feature[FS_FEATURE_MAP] = (LV2_Feature){LV2_URID__map, &urids->map};
  f->feature[FS_FEATURE_UNMAP] = (LV2_Feature){LV2_URID__unmap, &urids->unmap};
  f->feature[FS_FEATURE_OPTIONS] = (LV2_Feature){LV2_OPTIONS__options,
                                                 f->options};
  f->feature[FS_FEATURE_BOUNDED] =
      (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
  f->feature[FS_FEATURE_LOG] = (LV2_Feature){LV2_LOG__log, &f->log};
  f->feature[FS_FEATURE_SCHEDULE] =
      (LV2_Feature){LV2_WORKER__schedule, config->schedule};
  f->feature[FS_FEATURE_MAKE_PATH] = (LV2_Feature){LV2_STATE__makePath,
                                                   &f->make_path};
  f->feature[FS_FEATURE_MAP_PATH] = (LV2_Feature){LV2_STATE__mapPath,
                                                  &f->map_path};
  f->feature[FS_FEATURE_FREE_PATH] = (LV2_Feature){LV2_STATE__freePath,
                                                   &f->free_path};

  size_t n_state = 0, n_instantiate = 0;
  for (size_t i = 0; i < FS_FEATURE_COUNT; i++) {
    if (offered(f, i)) f->instantiate_list[n_instantiate++] = &f->feature[i];
    /* lilv passes its own path features to save()/restore(), relative to
     * the state directory; ours would shadow them. */
    if (i != FS_FEATURE_MAKE_PATH && i != FS_FEATURE_MAP_PATH &&
        i != FS_FEATURE_FREE_PATH)
      f->state_list[n_state++] = &f->feature[i];
  }
  f->instantiate_list[n_instantiate] = NULL;
  f->state_list[n_state] = NULL;
  return 0;
}

void fs_host_features_destroy(fs_host_features *f) {
  if (f->scratch_dir) {
    if (!f->keep_scratch)
      nftw(f->scratch_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f->scratch_dir);
  }
  free(f->path_base);
  f->scratch_dir = f->path_base = NULL;
}

int fs_host_features_check(const fs_host_features *f, const LilvPlugin *plugin,
                           bool in_place, char *err, size_t err_size) {
  const char *plugin_uri = lilv_node_as_uri(lilv_plugin_get_uri(plugin));
  LilvNodes *required = lilv_plugin_get_required_features(plugin);
  int status = 0;
  LILV_FOREACH (nodes, it, required) {
    const char *uri = lilv_node_as_uri(lilv_nodes_get(required, it));
    bool is_offered = false;
    /* The offline host counts makePath as offered even without a state
     * directory (the plugin then keeps its files elsewhere); the live set
     * counts only what it hands over. */
    for (size_t i = 0; i < FS_FEATURE_COUNT; i++)
      if ((!f->config.live_basic || offered(f, i)) &&
          strcmp(uri, f->feature[i].URI) == 0)
        is_offered = true;
    if (is_offered || strcmp(uri, LV2_CORE__isLive) == 0 ||
        strcmp(uri, LV2_CORE__hardRTCapable) == 0)
      continue;
    if (strcmp(uri, LV2_CORE__inPlaceBroken) == 0) {
      if (!in_place) continue;
      snprintf(err, err_size, "plugin %s cannot process in place (--in-place)",
               plugin_uri);
    } else {
      snprintf(err, err_size, "plugin %s requires <%s>, which this host does "
               "not offer", plugin_uri, uri);
    }
    status = -1;
    break;
  }
  lilv_nodes_free(required);
  return status;
}

/* fs_host_lv2: see fs_host_lv2.h. */
#include "fs_host_lv2.h"

#include "fs_host_urid.h"
#include "fs_host_worker.h"

#include <errno.h>
#include <ftw.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/parameters/parameters.h>
#include <lv2/resize-port/resize-port.h>
#include <lv2/state/state.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Atom ports without rsz:minimumSize get this much room. */
enum { FS_ATOM_DEFAULT_CAPACITY = 65536 };

/* Longer plugin log messages are cut. */
enum { FS_LOG_LINE = 1024 };

/* Indices into the host's feature array; the instantiate list holds them
 * all, the state list only those lilv does not add itself. */
enum {
  FEATURE_MAP,
  FEATURE_UNMAP,
  FEATURE_OPTIONS,
  FEATURE_BOUNDED,
  FEATURE_LOG,
  FEATURE_SCHEDULE,
  FEATURE_MAKE_PATH,
  FEATURE_MAP_PATH,
  FEATURE_FREE_PATH,
  FEATURE_COUNT
};

typedef struct fs_host_urids {
  LV2_URID atom_Float, atom_Double, atom_Int, atom_Long, atom_Bool;
  LV2_URID atom_Sequence, atom_Chunk;
  LV2_URID log_Error, log_Warning, log_Note, log_Trace;
} fs_host_urids;

struct fs_host {
  LilvWorld *world;
  const LilvPlugin *plugin;
  LilvInstance *instance;
  bool active;
  fs_host_config config;

  fs_urid_table urid_table;
  fs_host_urids urids;
  fs_worker *worker;

  fs_port *ports;
  uint32_t port_count;
  uint32_t *audio_in; /* port indices, in port order */
  uint32_t audio_in_count;
  uint32_t *audio_out;
  uint32_t audio_out_count;
  int64_t latency_index; /* -1: none */

  /* Option values must outlive the instance: the plugin may keep pointers. */
  int32_t option_min_block, option_max_block, option_nominal_block;
  float option_sample_rate;
  LV2_Options_Option options[5];
  LV2_Log_Log log;
  LV2_State_Make_Path make_path;
  LV2_State_Map_Path map_path;
  LV2_State_Free_Path free_path;
  LV2_Feature feature[FEATURE_COUNT];
  const LV2_Feature *instantiate_features[FEATURE_COUNT + 1];
  const LV2_Feature *state_features[FEATURE_COUNT + 1];

  /* Messages logged during instantiate(): printed if it succeeds, folded
   * into the one error line if it fails. */
  bool capturing_log;
  uint32_t captured_count;
  struct {
    const char *level;
    char text[FS_LOG_LINE];
  } captured[8];

  char *path_base;   /* mapPath: abstract paths are relative to this */
  char *scratch_dir; /* makePath: created on first use, removed at close */
  bool keep_scratch;  /* it is the state directory: never removed */
};

/* ---- small helpers ---------------------------------------------------- */

static char *join_path(const char *dir, const char *name) {
  size_t size = strlen(dir) + strlen(name) + 2;
  char *path = malloc(size);
  if (path) snprintf(path, size, "%s/%s", dir, name);
  return path;
}

/* mkdir -p; returns 0 or an errno value. */
static int make_directories(const char *path) {
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

static float node_float_or_nan(const LilvNode *node) {
  if (node && (lilv_node_is_float(node) || lilv_node_is_int(node)))
    return lilv_node_as_float(node);
  return NAN;
}

/* ---- features: log ---------------------------------------------------- */

static const char *log_level(const fs_host *host, LV2_URID type) {
  if (type == host->urids.log_Error) return "error";
  if (type == host->urids.log_Warning) return "warning";
  if (type == host->urids.log_Note) return "note";
  if (type == host->urids.log_Trace) return "trace";
  return "message";
}

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt,
                       va_list args) {
  fs_host *host = handle;
  if (host->config.quiet_log &&
      (type == host->urids.log_Note || type == host->urids.log_Trace))
    return 0;
  char text[FS_LOG_LINE];
  int length = vsnprintf(text, sizeof text, fmt, args);
  size_t end = strlen(text);
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r'))
    text[--end] = '\0';
  if (host->capturing_log) {
    if (host->captured_count < sizeof host->captured / sizeof *host->captured) {
      host->captured[host->captured_count].level = log_level(host, type);
      memcpy(host->captured[host->captured_count].text, text, sizeof text);
      host->captured_count++;
    }
    return length;
  }
  /* One write per message, so worker and processing threads never
   * interleave halves of their lines. */
  flockfile(stderr);
  fprintf(stderr, "failsafe-host: plugin %s: %s\n", log_level(host, type),
          text);
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

/* ---- features: state paths -------------------------------------------- */

static char *make_path(LV2_State_Make_Path_Handle handle, const char *path) {
  fs_host *host = handle;
  if (!host->scratch_dir && host->config.state_dir) {
    /* The session's own folder: what the plugin makes there stays. */
    host->scratch_dir = strdup(host->config.state_dir);
    host->keep_scratch = true;
    if (host->scratch_dir) make_directories(host->scratch_dir);
  }
  if (!host->scratch_dir) {
    const char *tmp = getenv("TMPDIR");
    char *template = join_path(tmp && *tmp ? tmp : "/tmp",
                               "failsafe-host-scratch.XXXXXX");
    if (!template) return NULL;
    if (!mkdtemp(template)) {
      free(template);
      return NULL;
    }
    host->scratch_dir = template;
  }
  char *full = join_path(host->scratch_dir, path);
  if (!full) return NULL;
  /* The plugin may ask for "sub/dir/file": make sure sub/dir exists. */
  char *slash = strrchr(full, '/');
  if (slash && slash > full + strlen(host->scratch_dir)) {
    *slash = '\0';
    make_directories(full);
    *slash = '/';
  }
  return full;
}

static char *abstract_path(LV2_State_Map_Path_Handle handle,
                           const char *absolute) {
  fs_host *host = handle;
  size_t base_length = strlen(host->path_base);
  if (strncmp(absolute, host->path_base, base_length) == 0 &&
      absolute[base_length] == '/')
    return strdup(absolute + base_length + 1);
  return strdup(absolute);
}

static char *absolute_path(LV2_State_Map_Path_Handle handle,
                           const char *abstract) {
  fs_host *host = handle;
  if (abstract[0] == '/') return strdup(abstract);
  return join_path(host->path_base, abstract);
}

static void free_path(LV2_State_Free_Path_Handle handle, char *path) {
  (void)handle;
  free(path);
}

/* ---- opening: world, plugin, port table ------------------------------- */

static void map_host_urids(fs_host *host) {
  fs_urid_table *table = &host->urid_table;
  host->urids = (fs_host_urids){
    .atom_Float = fs_urid_map(table, LV2_ATOM__Float),
    .atom_Double = fs_urid_map(table, LV2_ATOM__Double),
    .atom_Int = fs_urid_map(table, LV2_ATOM__Int),
    .atom_Long = fs_urid_map(table, LV2_ATOM__Long),
    .atom_Bool = fs_urid_map(table, LV2_ATOM__Bool),
    .atom_Sequence = fs_urid_map(table, LV2_ATOM__Sequence),
    .atom_Chunk = fs_urid_map(table, LV2_ATOM__Chunk),
    .log_Error = fs_urid_map(table, LV2_LOG__Error),
    .log_Warning = fs_urid_map(table, LV2_LOG__Warning),
    .log_Note = fs_urid_map(table, LV2_LOG__Note),
    .log_Trace = fs_urid_map(table, LV2_LOG__Trace),
  };
}

static int build_port_table(fs_host *host, char *err, size_t err_size) {
  LilvWorld *world = host->world;
  const LilvPlugin *plugin = host->plugin;
  LilvNode *input_class = lilv_new_uri(world, LV2_CORE__InputPort);
  LilvNode *output_class = lilv_new_uri(world, LV2_CORE__OutputPort);
  LilvNode *control_class = lilv_new_uri(world, LV2_CORE__ControlPort);
  LilvNode *audio_class = lilv_new_uri(world, LV2_CORE__AudioPort);
  LilvNode *cv_class = lilv_new_uri(world, LV2_CORE__CVPort);
  LilvNode *atom_class = lilv_new_uri(world, LV2_ATOM__AtomPort);
  LilvNode *optional = lilv_new_uri(world, LV2_CORE__connectionOptional);
  LilvNode *minimum_size = lilv_new_uri(world, LV2_RESIZE_PORT__minimumSize);
  LilvNode *latency = lilv_new_uri(world, LV2_CORE__latency);
  int status = 0;

  host->port_count = lilv_plugin_get_num_ports(plugin);
  host->ports = calloc(host->port_count ? host->port_count : 1,
                       sizeof *host->ports);
  host->audio_in = calloc(host->port_count + 1, sizeof *host->audio_in);
  host->audio_out = calloc(host->port_count + 1, sizeof *host->audio_out);
  if (!host->ports || !host->audio_in || !host->audio_out) {
    snprintf(err, err_size, "out of memory");
    status = -1;
    goto done;
  }

  for (uint32_t i = 0; i < host->port_count; i++) {
    const LilvPort *lilv_port = lilv_plugin_get_port_by_index(plugin, i);
    fs_port *port = &host->ports[i];
    port->index = i;
    port->symbol = lilv_node_as_string(lilv_port_get_symbol(plugin, lilv_port));
    port->is_input = lilv_port_is_a(plugin, lilv_port, input_class);
    bool is_output = lilv_port_is_a(plugin, lilv_port, output_class);
    port->connection_optional =
        lilv_port_has_property(plugin, lilv_port, optional);

    if (!port->is_input && !is_output) port->kind = FS_PORT_UNSUPPORTED;
    else if (lilv_port_is_a(plugin, lilv_port, control_class))
      port->kind = FS_PORT_CONTROL;
    else if (lilv_port_is_a(plugin, lilv_port, audio_class))
      port->kind = FS_PORT_AUDIO;
    else if (lilv_port_is_a(plugin, lilv_port, cv_class))
      port->kind = FS_PORT_CV;
    else if (lilv_port_is_a(plugin, lilv_port, atom_class))
      port->kind = FS_PORT_ATOM;
    else
      port->kind = FS_PORT_UNSUPPORTED;

    if (port->kind == FS_PORT_UNSUPPORTED && !port->connection_optional) {
      snprintf(err, err_size, "plugin %s: port '%s' is of a kind this host "
               "cannot connect", lilv_node_as_uri(lilv_plugin_get_uri(plugin)),
               port->symbol);
      status = -1;
      goto done;
    }

    LilvNode *def = NULL, *min = NULL, *max = NULL;
    lilv_port_get_range(plugin, lilv_port, &def, &min, &max);
    port->default_value = node_float_or_nan(def);
    port->minimum = node_float_or_nan(min);
    port->maximum = node_float_or_nan(max);
    lilv_node_free(def);
    lilv_node_free(min);
    lilv_node_free(max);
    /* A control without a default starts at its minimum, else at 0. */
    port->value = isfinite(port->default_value) ? port->default_value
                  : isfinite(port->minimum)     ? port->minimum
                                                : 0.0f;

    if (port->kind == FS_PORT_ATOM) {
      LilvNodes *sizes = lilv_port_get_value(plugin, lilv_port, minimum_size);
      int requested = 0;
      if (sizes && lilv_nodes_size(sizes) > 0)
        requested = lilv_node_as_int(lilv_nodes_get_first(sizes));
      lilv_nodes_free(sizes);
      port->atom_capacity = requested > (int)FS_ATOM_DEFAULT_CAPACITY
                                ? (uint32_t)requested
                                : FS_ATOM_DEFAULT_CAPACITY;
    }
    if (port->kind == FS_PORT_AUDIO) {
      if (port->is_input) host->audio_in[host->audio_in_count++] = i;
      else host->audio_out[host->audio_out_count++] = i;
    }
  }

  /* The latency output: by designation first, as the spec now prefers,
   * then the older lv2:reportsLatency property. */
  host->latency_index = -1;
  const LilvPort *latency_port =
      lilv_plugin_get_port_by_designation(plugin, output_class, latency);
  if (latency_port)
    host->latency_index = lilv_port_get_index(plugin, latency_port);
  else if (lilv_plugin_has_latency(plugin))
    host->latency_index = lilv_plugin_get_latency_port_index(plugin);
  if (host->latency_index >= 0 &&
      host->ports[host->latency_index].kind != FS_PORT_CONTROL)
    host->latency_index = -1;

done:
  lilv_node_free(input_class);
  lilv_node_free(output_class);
  lilv_node_free(control_class);
  lilv_node_free(audio_class);
  lilv_node_free(cv_class);
  lilv_node_free(atom_class);
  lilv_node_free(optional);
  lilv_node_free(minimum_size);
  lilv_node_free(latency);
  return status;
}

fs_host *fs_host_open(const char *uri, char *err, size_t err_size) {
  fs_host *host = calloc(1, sizeof *host);
  if (!host || fs_urid_init(&host->urid_table) != 0) {
    free(host);
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  map_host_urids(host);
  host->world = lilv_world_new();
  if (!host->world) {
    snprintf(err, err_size, "cannot create the lilv world");
    fs_host_close(host);
    return NULL;
  }
  lilv_world_load_all(host->world);

  LilvNode *uri_node = lilv_new_uri(host->world, uri);
  const LilvPlugins *plugins = lilv_world_get_all_plugins(host->world);
  host->plugin = uri_node ? lilv_plugins_get_by_uri(plugins, uri_node) : NULL;
  lilv_node_free(uri_node);
  if (!host->plugin) {
    const char *path = getenv("LV2_PATH");
    snprintf(err, err_size, "no plugin <%s> in LV2_PATH=%s", uri,
             path ? path : "(unset: default search path)");
    fs_host_close(host);
    return NULL;
  }
  if (build_port_table(host, err, err_size) != 0) {
    fs_host_close(host);
    return NULL;
  }
  return host;
}

const char *fs_host_uri(const fs_host *host) {
  return lilv_node_as_uri(lilv_plugin_get_uri(host->plugin));
}

uint32_t fs_host_port_count(const fs_host *host) { return host->port_count; }

fs_port *fs_host_port(fs_host *host, uint32_t index) {
  return index < host->port_count ? &host->ports[index] : NULL;
}

fs_port *fs_host_find_port(fs_host *host, const char *symbol) {
  for (uint32_t i = 0; i < host->port_count; i++)
    if (strcmp(host->ports[i].symbol, symbol) == 0) return &host->ports[i];
  return NULL;
}

uint32_t fs_host_audio_inputs(const fs_host *host) {
  return host->audio_in_count;
}

uint32_t fs_host_audio_outputs(const fs_host *host) {
  return host->audio_out_count;
}

fs_port *fs_host_designated_port(fs_host *host, const char *designation_uri,
                                 bool input) {
  LilvNode *port_class = lilv_new_uri(
      host->world, input ? LV2_CORE__InputPort : LV2_CORE__OutputPort);
  LilvNode *designation = lilv_new_uri(host->world, designation_uri);
  const LilvPort *found =
      lilv_plugin_get_port_by_designation(host->plugin, port_class, designation);
  lilv_node_free(port_class);
  lilv_node_free(designation);
  if (!found) return NULL;
  fs_port *port = &host->ports[lilv_port_get_index(host->plugin, found)];
  return port->kind == FS_PORT_CONTROL ? port : NULL;
}

const fs_port *fs_host_latency_port(fs_host *host) {
  return host->latency_index >= 0 ? &host->ports[host->latency_index] : NULL;
}

/* ---- instantiation ---------------------------------------------------- */

static void build_features(fs_host *host) {
  const fs_host_config *config = &host->config;
  fs_urid_table *table = &host->urid_table;

  host->option_min_block = 1; /* the file's last block may be short */
  host->option_max_block = (int32_t)config->max_block;
  host->option_nominal_block = (int32_t)config->nominal_block;
  host->option_sample_rate = (float)config->sample_rate;
  LV2_URID atom_Int = host->urids.atom_Int;
  const struct {
    const char *key;
    LV2_URID type;
    const void *value;
  } entries[4] = {
    {LV2_BUF_SIZE__minBlockLength, atom_Int, &host->option_min_block},
    {LV2_BUF_SIZE__maxBlockLength, atom_Int, &host->option_max_block},
    {LV2_BUF_SIZE__nominalBlockLength, atom_Int, &host->option_nominal_block},
    {LV2_PARAMETERS__sampleRate, host->urids.atom_Float,
     &host->option_sample_rate},
  };
  for (size_t i = 0; i < 4; i++)
    host->options[i] = (LV2_Options_Option){
      .context = LV2_OPTIONS_INSTANCE,
      .subject = 0,
      .key = fs_urid_map(table, entries[i].key),
      .size = 4,
      .type = entries[i].type,
      .value = entries[i].value,
    };
  host->options[4] = (LV2_Options_Option){0};

  host->log = (LV2_Log_Log){host, log_printf, log_vprintf};
  host->make_path = (LV2_State_Make_Path){host, make_path};
  host->map_path = (LV2_State_Map_Path){host, abstract_path, absolute_path};
  host->free_path = (LV2_State_Free_Path){NULL, free_path};

  host->feature[FEATURE_MAP] = (LV2_Feature){LV2_URID__map, &table->map};
  host->feature[FEATURE_UNMAP] = (LV2_Feature){LV2_URID__unmap, &table->unmap};
  host->feature[FEATURE_OPTIONS] = (LV2_Feature){LV2_OPTIONS__options,
                                                 host->options};
  host->feature[FEATURE_BOUNDED] =
      (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
  host->feature[FEATURE_LOG] = (LV2_Feature){LV2_LOG__log, &host->log};
  host->feature[FEATURE_SCHEDULE] =
      (LV2_Feature){LV2_WORKER__schedule, fs_worker_schedule_feature(host->worker)};
  host->feature[FEATURE_MAKE_PATH] = (LV2_Feature){LV2_STATE__makePath,
                                                   &host->make_path};
  host->feature[FEATURE_MAP_PATH] = (LV2_Feature){LV2_STATE__mapPath,
                                                  &host->map_path};
  host->feature[FEATURE_FREE_PATH] = (LV2_Feature){LV2_STATE__freePath,
                                                   &host->free_path};

  size_t n_state = 0, n_instantiate = 0;
  for (size_t i = 0; i < FEATURE_COUNT; i++) {
    /* makePath promises files that last, like a DAW's session folder: only
     * a state directory (--state-in/--state-out) is such a place.  Without
     * one the plugin is not offered makePath and keeps its files where it
     * would in any host without it. */
    if (i != FEATURE_MAKE_PATH || host->config.state_dir)
      host->instantiate_features[n_instantiate++] = &host->feature[i];
    /* lilv passes its own path features to save()/restore(), relative to
     * the state directory; ours would shadow them. */
    if (i != FEATURE_MAKE_PATH && i != FEATURE_MAP_PATH &&
        i != FEATURE_FREE_PATH)
      host->state_features[n_state++] = &host->feature[i];
  }
  host->instantiate_features[n_instantiate] = NULL;
  host->state_features[n_state] = NULL;
}

/* Features the plugin cannot run without must all be offered here.
 * lv2:isLive, lv2:hardRTCapable and lv2:inPlaceBroken are promises or
 * demands about the host's behaviour rather than data. */
static int check_required_features(fs_host *host, char *err, size_t err_size) {
  LilvNodes *required = lilv_plugin_get_required_features(host->plugin);
  int status = 0;
  LILV_FOREACH (nodes, it, required) {
    const char *uri = lilv_node_as_uri(lilv_nodes_get(required, it));
    bool offered = false;
    for (size_t i = 0; i < FEATURE_COUNT; i++)
      if (strcmp(uri, host->feature[i].URI) == 0) offered = true;
    if (offered || strcmp(uri, LV2_CORE__isLive) == 0 ||
        strcmp(uri, LV2_CORE__hardRTCapable) == 0)
      continue;
    if (strcmp(uri, LV2_CORE__inPlaceBroken) == 0) {
      if (!host->config.in_place) continue;
      snprintf(err, err_size, "plugin %s cannot process in place (--in-place)",
               fs_host_uri(host));
    } else {
      snprintf(err, err_size, "plugin %s requires <%s>, which this host does "
               "not offer", fs_host_uri(host), uri);
    }
    status = -1;
    break;
  }
  lilv_nodes_free(required);
  return status;
}

static int allocate_buffers(fs_host *host) {
  uint32_t block = host->config.max_block;
  uint32_t audio_in_seen = 0, audio_out_seen = 0;
  for (uint32_t i = 0; i < host->port_count; i++) {
    fs_port *port = &host->ports[i];
    if (port->kind == FS_PORT_AUDIO && !port->is_input &&
        host->config.in_place && audio_out_seen < host->audio_in_count) {
      /* Output k reuses input k's memory: the plugin reads and writes the
       * same buffer, as in a host that processes in place. */
      port->buffer = NULL; /* filled after the inputs exist, below */
    } else if (port->kind == FS_PORT_AUDIO || port->kind == FS_PORT_CV) {
      port->buffer = calloc(block, sizeof *port->buffer);
      if (!port->buffer) return -1;
      port->owns_buffer = true;
    } else if (port->kind == FS_PORT_ATOM) {
      port->atom = calloc(1, port->atom_capacity);
      if (!port->atom) return -1;
    }
    if (port->kind == FS_PORT_AUDIO) {
      if (port->is_input) audio_in_seen++;
      else audio_out_seen++;
    }
  }
  for (uint32_t c = 0; c < host->audio_out_count; c++) {
    fs_port *out = &host->ports[host->audio_out[c]];
    if (!out->buffer) out->buffer = host->ports[host->audio_in[c]].buffer;
  }
  return 0;
}

static void connect_ports(fs_host *host) {
  for (uint32_t i = 0; i < host->port_count; i++) {
    fs_port *port = &host->ports[i];
    void *data = NULL;
    switch (port->kind) {
      case FS_PORT_CONTROL: data = &port->value; break;
      case FS_PORT_AUDIO:
      case FS_PORT_CV: data = port->buffer; break;
      case FS_PORT_ATOM: data = port->atom; break;
      case FS_PORT_UNSUPPORTED: data = NULL; break;
    }
    lilv_instance_connect_port(host->instance, i, data);
  }
}

int fs_host_instantiate(fs_host *host, const fs_host_config *config, char *err,
                        size_t err_size) {
  host->config = *config;
  char cwd[4096];
  const char *base = config->state_dir;
  if (!base) base = getcwd(cwd, sizeof cwd) ? cwd : ".";
  host->path_base = strdup(base);
  host->worker = fs_worker_new(config->sync_worker);
  if (!host->path_base || !host->worker) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  build_features(host);
  if (check_required_features(host, err, err_size) != 0) return -1;
  if (allocate_buffers(host) != 0) {
    snprintf(err, err_size, "out of memory for %u-frame buffers",
             config->max_block);
    return -1;
  }

  host->capturing_log = true;
  host->instance = lilv_plugin_instantiate(host->plugin, config->sample_rate,
                                           host->instantiate_features);
  host->capturing_log = false;
  if (!host->instance) {
    /* The plugin's last words usually say why. */
    const char *reason = host->captured_count
                             ? host->captured[host->captured_count - 1].text
                             : "no reason given";
    snprintf(err, err_size, "plugin %s refused to instantiate at %g Hz (%s)",
             fs_host_uri(host), config->sample_rate, reason);
    return -1;
  }
  for (uint32_t i = 0; i < host->captured_count; i++)
    fprintf(stderr, "failsafe-host: plugin %s: %s\n", host->captured[i].level,
            host->captured[i].text);
  const LV2_Worker_Interface *worker_iface =
      lilv_instance_get_extension_data(host->instance, LV2_WORKER__interface);
  if (fs_worker_start(host->worker, worker_iface,
                      lilv_instance_get_handle(host->instance)) != 0) {
    snprintf(err, err_size, "cannot start the worker thread");
    return -1;
  }
  connect_ports(host);
  return 0;
}

float *fs_host_input_buffer(fs_host *host, uint32_t channel) {
  return channel < host->audio_in_count
             ? host->ports[host->audio_in[channel]].buffer
             : NULL;
}

float *fs_host_output_buffer(fs_host *host, uint32_t channel) {
  return channel < host->audio_out_count
             ? host->ports[host->audio_out[channel]].buffer
             : NULL;
}

/* ---- state ------------------------------------------------------------ */

static void set_port_value(const char *symbol, void *user_data,
                           const void *value, uint32_t size, uint32_t type) {
  fs_host *host = user_data;
  fs_port *port = fs_host_find_port(host, symbol);
  if (!port || port->kind != FS_PORT_CONTROL || !port->is_input) return;
  const fs_host_urids *u = &host->urids;
  if (type == u->atom_Float && size == sizeof(float))
    port->value = *(const float *)value;
  else if (type == u->atom_Double && size == sizeof(double))
    port->value = (float)*(const double *)value;
  else if ((type == u->atom_Int || type == u->atom_Bool) &&
           size == sizeof(int32_t))
    port->value = (float)*(const int32_t *)value;
  else if (type == u->atom_Long && size == sizeof(int64_t))
    port->value = (float)*(const int64_t *)value;
}

static const void *get_port_value(const char *symbol, void *user_data,
                                  uint32_t *size, uint32_t *type) {
  fs_host *host = user_data;
  fs_port *port = fs_host_find_port(host, symbol);
  if (!port || port->kind != FS_PORT_CONTROL) {
    *size = 0;
    *type = 0;
    return NULL;
  }
  *size = sizeof(float);
  *type = host->urids.atom_Float;
  return &port->value;
}

int fs_host_restore_state(fs_host *host, const char *dir, char *err,
                          size_t err_size) {
  struct stat info;
  if (stat(dir, &info) != 0) {
    snprintf(err, err_size, "cannot read state '%s': %s", dir,
             strerror(errno));
    return -1;
  }
  /* A state directory, or the state file itself. */
  char *file = S_ISDIR(info.st_mode) ? join_path(dir, "state.ttl")
                                     : strdup(dir);
  if (!file) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  if (access(file, R_OK) != 0) {
    snprintf(err, err_size, "cannot read state '%s': %s", file,
             strerror(errno));
    free(file);
    return -1;
  }
  LilvState *state = lilv_state_new_from_file(
      host->world, &host->urid_table.map, NULL, file);
  if (!state) {
    snprintf(err, err_size, "cannot parse state '%s'", file);
    free(file);
    return -1;
  }
  const LilvNode *applies_to = lilv_state_get_plugin_uri(state);
  if (!applies_to ||
      !lilv_node_equals(applies_to, lilv_plugin_get_uri(host->plugin))) {
    snprintf(err, err_size, "state '%s' is for <%s>, not <%s>", file,
             applies_to ? lilv_node_as_uri(applies_to) : "?",
             fs_host_uri(host));
    lilv_state_free(state);
    free(file);
    return -1;
  }
  lilv_state_restore(state, host->instance, set_port_value, host, 0,
                     host->state_features);
  lilv_state_free(state);
  free(file);
  /* Deliver what restore() may have scheduled before audio starts. */
  fs_worker_finish(host->worker);
  return 0;
}

int fs_host_save_state(fs_host *host, const char *dir, char *err,
                       size_t err_size) {
  int status = make_directories(dir);
  if (status != 0) {
    snprintf(err, err_size, "cannot create state directory '%s': %s", dir,
             strerror(status));
    return -1;
  }
  /* One directory serves as copy, link and save dir: a simple host saving
   * one plugin once needs no sharing between snapshots. */
  LilvState *state = lilv_state_new_from_instance(
      host->plugin, host->instance, &host->urid_table.map, host->scratch_dir,
      dir, dir, dir, get_port_value, host,
      LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, host->state_features);
  if (!state) {
    snprintf(err, err_size, "plugin state could not be captured");
    return -1;
  }
  status = lilv_state_save(host->world, &host->urid_table.map,
                           &host->urid_table.unmap, state, NULL, dir,
                           "state.ttl");
  lilv_state_free(state);
  if (status != 0) {
    snprintf(err, err_size, "cannot save state to '%s'", dir);
    return -1;
  }
  return 0;
}

/* ---- processing ------------------------------------------------------- */

void fs_host_activate(fs_host *host) {
  lilv_instance_activate(host->instance);
  host->active = true;
}

/* Atom inputs carry an empty sequence; atom outputs offer their whole
 * capacity, as the atom extension asks before every run(). */
static void prepare_atom_ports(fs_host *host) {
  for (uint32_t i = 0; i < host->port_count; i++) {
    fs_port *port = &host->ports[i];
    if (port->kind != FS_PORT_ATOM) continue;
    LV2_Atom_Sequence *sequence = port->atom;
    if (port->is_input) {
      sequence->atom.size = sizeof(LV2_Atom_Sequence_Body);
      sequence->atom.type = host->urids.atom_Sequence;
      sequence->body.unit = 0;
      sequence->body.pad = 0;
    } else {
      sequence->atom.size = port->atom_capacity - sizeof(LV2_Atom);
      sequence->atom.type = host->urids.atom_Chunk;
    }
  }
}

uint64_t fs_host_run(fs_host *host, uint32_t frames) {
  prepare_atom_ports(host);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  lilv_instance_run(host->instance, frames);
  clock_gettime(CLOCK_MONOTONIC, &end);
  fs_worker_end_cycle(host->worker);
  int64_t ns = (int64_t)(end.tv_sec - start.tv_sec) * 1000000000 +
               (end.tv_nsec - start.tv_nsec);
  return ns > 0 ? (uint64_t)ns : 0;
}

void fs_host_finish(fs_host *host) {
  if (host->worker) fs_worker_finish(host->worker);
}

uint64_t fs_host_worker_scheduled(const fs_host *host) {
  return host->worker ? fs_worker_scheduled(host->worker) : 0;
}

uint64_t fs_host_worker_responses(const fs_host *host) {
  return host->worker ? fs_worker_responses(host->worker) : 0;
}

/* ---- teardown --------------------------------------------------------- */

void fs_host_close(fs_host *host) {
  if (!host) return;
  if (host->instance && host->active) lilv_instance_deactivate(host->instance);
  /* The worker thread calls into the instance: stop it first. */
  fs_worker_free(host->worker);
  if (host->instance) lilv_instance_free(host->instance);
  for (uint32_t i = 0; i < host->port_count; i++) {
    if (host->ports[i].owns_buffer) free(host->ports[i].buffer);
    free(host->ports[i].atom);
  }
  free(host->ports);
  free(host->audio_in);
  free(host->audio_out);
  if (host->scratch_dir) {
    if (!host->keep_scratch)
      nftw(host->scratch_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(host->scratch_dir);
  }
  free(host->path_base);
  if (host->world) lilv_world_free(host->world);
  fs_urid_destroy(&host->urid_table);
  free(host);
}

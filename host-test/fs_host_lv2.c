/* fs_host_lv2: see fs_host_lv2.h. */
#include "fs_host_lv2.h"

#include "fs_host_features.h"
#include "fs_host_ports.h"
#include "fs_host_state.h"
#include "fs_host_urid.h"
#include "fs_host_worker.h"

#include <lv2/atom/atom.h>
#include <lv2/worker/worker.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct fs_host_urids {
  LV2_URID atom_Float, atom_Double, atom_Int, atom_Long, atom_Bool;
  LV2_URID atom_Sequence, atom_Chunk;
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

  fs_host_port_table ports;

  /* What the plugin is offered; filled at instantiation. */
  fs_host_features features;
  bool features_ready;
};

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
  };
}

/* LV2_PATH with every relative entry made absolute.  lilv (0.24 as
   Debian 12 ships it) crashes while loading a bundle found through a
   relative entry ("attempt to map invalid URI"), so the world is given
   the resolved list instead.  Absolute entries and those lilv expands
   itself (~/...) pass as they are; a relative one that does not resolve
   names no bundle and is dropped.  NULL: LV2_PATH unset, or no memory. */
static char *absolute_search_path(void) {
  const char *path = getenv("LV2_PATH");
  if (!path) {
    return NULL;
  }
  /* Each entry grows to at most PATH_MAX, plus its separator. */
  size_t entries = 1;
  for (const char *p = path; *p; ++p) {
    entries += *p == ':';
  }
  const size_t size = strlen(path) + entries * (PATH_MAX + 1) + 1;
  char *out = calloc(1, size), *entry = strdup(path);
  if (!out || !entry) {
    free(out);
    free(entry);
    return NULL;
  }
  size_t used = 0;
  char *rest = entry;
  for (char *dir = strsep(&rest, ":"); dir; dir = strsep(&rest, ":")) {
    char resolved[PATH_MAX];
    const char *use = dir;
    if (dir[0] == '\0') {
      continue;
    }
    if (dir[0] != '/' && dir[0] != '~') {
      if (!realpath(dir, resolved)) {
        continue;
      }
      use = resolved;
    }
    used += (size_t)snprintf(out + used, size - used, "%s%s", used ? ":" : "", use);
  }
  free(entry);
  return out;
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
  char *search_path = absolute_search_path();
  if (search_path) {
    LilvNode *node = lilv_new_string(host->world, search_path);
    lilv_world_set_option(host->world, LILV_OPTION_LV2_PATH, node);
    lilv_node_free(node);
    free(search_path);
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
  if (fs_host_ports_build(&host->ports, host->world, host->plugin, err,
                          err_size) != 0) {
    fs_host_close(host);
    return NULL;
  }
  return host;
}

const char *fs_host_uri(const fs_host *host) {
  return lilv_node_as_uri(lilv_plugin_get_uri(host->plugin));
}

uint32_t fs_host_port_count(const fs_host *host) {
  return host->ports.port_count;
}

fs_port *fs_host_port(fs_host *host, uint32_t index) {
  return index < host->ports.port_count ? &host->ports.port[index] : NULL;
}

fs_port *fs_host_find_port(fs_host *host, const char *symbol) {
  for (uint32_t i = 0; i < host->ports.port_count; i++)
    if (strcmp(host->ports.port[i].symbol, symbol) == 0)
      return &host->ports.port[i];
  return NULL;
}

fs_port *fs_host_control_input(fs_host *host, const char *symbol) {
  fs_port *port = fs_host_find_port(host, symbol);
  return port && port->kind == FS_PORT_CONTROL && port->is_input ? port : NULL;
}

uint32_t fs_host_audio_inputs(const fs_host *host) {
  return host->ports.audio_in_count;
}

uint32_t fs_host_audio_outputs(const fs_host *host) {
  return host->ports.audio_out_count;
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
  fs_port *port = &host->ports.port[lilv_port_get_index(host->plugin, found)];
  return port->kind == FS_PORT_CONTROL ? port : NULL;
}

const fs_port *fs_host_latency_port(fs_host *host) {
  const int64_t index = host->ports.latency_index;
  return index >= 0 ? &host->ports.port[index] : NULL;
}

/* ---- instantiation ---------------------------------------------------- */

int fs_host_instantiate(fs_host *host, const fs_host_config *config, char *err,
                        size_t err_size) {
  host->config = *config;
  /* A plain live host has no worker: the plugin runs without one. */
  if (!config->live_basic) {
    host->worker = fs_worker_new(config->sync_worker);
    if (!host->worker) {
      snprintf(err, err_size, "out of memory");
      return -1;
    }
  }
  const fs_host_features_config offer = {
    .sample_rate = config->sample_rate,
    .max_block = config->max_block,
    .nominal_block = config->nominal_block,
    .quiet_log = config->quiet_log,
    .live_basic = config->live_basic,
    .state_dir = config->state_dir,
    .schedule =
        host->worker ? fs_worker_schedule_feature(host->worker) : NULL,
  };
  if (fs_host_features_init(&host->features, &host->urid_table, &offer) != 0) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  host->features_ready = true;
  if (fs_host_features_check(&host->features, host->plugin, config->in_place,
                             err, err_size) != 0)
    return -1;
  if (fs_host_ports_allocate(&host->ports, config->max_block,
                             config->in_place) != 0) {
    snprintf(err, err_size, "out of memory for %u-frame buffers",
             config->max_block);
    return -1;
  }

  fs_host_features_capture_log(&host->features);
  host->instance = lilv_plugin_instantiate(host->plugin, config->sample_rate,
                                           host->features.instantiate_list);
  const char *last_words =
      fs_host_features_release_log(&host->features, host->instance != NULL);
  if (!host->instance) {
    /* The plugin's last words usually say why. */
    snprintf(err, err_size, "plugin %s refused to instantiate at %g Hz (%s)",
             fs_host_uri(host), config->sample_rate,
             last_words ? last_words : "no reason given");
    return -1;
  }
  if (host->worker) {
    const LV2_Worker_Interface *worker_iface =
        lilv_instance_get_extension_data(host->instance,
                                         LV2_WORKER__interface);
    if (fs_worker_start(host->worker, worker_iface,
                        lilv_instance_get_handle(host->instance)) != 0) {
      snprintf(err, err_size, "cannot start the worker thread");
      return -1;
    }
  }
  fs_host_ports_connect(&host->ports, host->instance);
  return 0;
}

float *fs_host_input_buffer(fs_host *host, uint32_t channel) {
  return channel < host->ports.audio_in_count
             ? host->ports.port[host->ports.audio_in[channel]].buffer
             : NULL;
}

float *fs_host_output_buffer(fs_host *host, uint32_t channel) {
  return channel < host->ports.audio_out_count
             ? host->ports.port[host->ports.audio_out[channel]].buffer
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

static fs_host_state_io state_io(fs_host *host) {
  return (fs_host_state_io){
    .world = host->world,
    .plugin = host->plugin,
    .instance = host->instance,
    .urids = &host->urid_table,
    .features = host->features.state_list,
    .scratch_dir = host->features.scratch_dir,
    .set_port = set_port_value,
    .get_port = get_port_value,
    .port_data = host,
  };
}

int fs_host_restore_state(fs_host *host, const char *dir, char *err,
                          size_t err_size) {
  const fs_host_state_io io = state_io(host);
  if (fs_host_state_restore(&io, dir, err, err_size) != 0) return -1;
  /* Deliver what restore() may have scheduled before audio starts. */
  if (host->worker) fs_worker_finish(host->worker);
  return 0;
}

int fs_host_save_state(fs_host *host, const char *dir, char *err,
                       size_t err_size) {
  const fs_host_state_io io = state_io(host);
  return fs_host_state_save(&io, dir, err, err_size);
}

/* ---- processing ------------------------------------------------------- */

void fs_host_activate(fs_host *host) {
  lilv_instance_activate(host->instance);
  host->active = true;
}

void fs_host_deactivate(fs_host *host) {
  if (host->instance && host->active) lilv_instance_deactivate(host->instance);
  host->active = false;
}

void fs_host_connect_audio(fs_host *host, bool input, uint32_t channel,
                           float *data) {
  const uint32_t count =
      input ? host->ports.audio_in_count : host->ports.audio_out_count;
  const uint32_t *index = input ? host->ports.audio_in : host->ports.audio_out;
  if (channel < count)
    lilv_instance_connect_port(host->instance, index[channel], data);
}

uint64_t fs_host_run(fs_host *host, uint32_t frames) {
  fs_host_ports_prepare_atoms(&host->ports, host->urids.atom_Sequence,
                              host->urids.atom_Chunk);
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  lilv_instance_run(host->instance, frames);
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (host->worker) fs_worker_end_cycle(host->worker);
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
  fs_host_deactivate(host);
  /* The worker thread calls into the instance: stop it first. */
  fs_worker_free(host->worker);
  if (host->instance) lilv_instance_free(host->instance);
  fs_host_ports_free(&host->ports);
  if (host->features_ready) fs_host_features_destroy(&host->features);
  if (host->world) lilv_world_free(host->world);
  fs_urid_destroy(&host->urid_table);
  free(host);
}

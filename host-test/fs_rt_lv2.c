/* fs_rt_lv2: see fs_rt_lv2.h. */
#include "fs_rt_lv2.h"

#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static LV2_URID urid_map(LV2_URID_Map_Handle handle, const char *uri) {
  fs_rt_urid_table *t = handle;
  for (uint32_t i = 0; i < t->count; ++i) {
    if (!strcmp(t->uris[i], uri)) return i + 1;
  }
  if (t->count == FS_RT_MAX_URIDS) return 0; /* 0 means "cannot map" */
  char *copy = strdup(uri);
  if (!copy) return 0;
  t->uris[t->count++] = copy;
  return t->count;
}

static const char *urid_unmap(LV2_URID_Unmap_Handle handle, LV2_URID urid) {
  const fs_rt_urid_table *t = handle;
  return urid >= 1 && urid <= t->count ? t->uris[urid - 1] : NULL;
}

static void offer_features(fs_rt_plugin *p, uint32_t block_frames) {
  p->map = (LV2_URID_Map){&p->urids, urid_map};
  p->unmap = (LV2_URID_Unmap){&p->urids, urid_unmap};
  p->max_block = (int32_t)block_frames;
  p->nominal_block = (int32_t)block_frames;
  const LV2_URID int_type = urid_map(&p->urids, LV2_ATOM__Int);
  p->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, urid_map(&p->urids, LV2_BUF_SIZE__maxBlockLength),
                                       sizeof(int32_t), int_type, &p->max_block};
  p->options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,
                                       urid_map(&p->urids, LV2_BUF_SIZE__nominalBlockLength), sizeof(int32_t),
                                       int_type, &p->nominal_block};
  p->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
  p->feature_map = (LV2_Feature){LV2_URID__map, &p->map};
  p->feature_unmap = (LV2_Feature){LV2_URID__unmap, &p->unmap};
  p->feature_options = (LV2_Feature){LV2_OPTIONS__options, p->options};
  p->feature_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
  p->features[0] = &p->feature_map;
  p->features[1] = &p->feature_unmap;
  p->features[2] = &p->feature_options;
  p->features[3] = &p->feature_bounded;
  p->features[4] = NULL;
}

static int32_t port_by_symbol(const fs_rt_plugin *p, const char *symbol) {
  LilvNode *sym = lilv_new_string(p->world, symbol);
  const LilvPort *port = lilv_plugin_get_port_by_symbol(p->plugin, sym);
  lilv_node_free(sym);
  return port ? (int32_t)lilv_port_get_index(p->plugin, port) : -1;
}

/* Sorts the ports into audio inputs/outputs and gives every control port
 * its slot, at its default value. */
static int classify_ports(fs_rt_plugin *p) {
  LilvNode *audio = lilv_new_uri(p->world, LV2_CORE__AudioPort);
  LilvNode *control = lilv_new_uri(p->world, LV2_CORE__ControlPort);
  LilvNode *input = lilv_new_uri(p->world, LV2_CORE__InputPort);
  LilvNode *optional = lilv_new_uri(p->world, LV2_CORE__connectionOptional);
  int status = 0;
  for (uint32_t i = 0; i < p->n_ports && status == 0; ++i) {
    const LilvPort *port = lilv_plugin_get_port_by_index(p->plugin, i);
    const int is_input = lilv_port_is_a(p->plugin, port, input);
    if (lilv_port_is_a(p->plugin, port, control)) {
      LilvNode *def = NULL;
      lilv_port_get_range(p->plugin, port, &def, NULL, NULL);
      p->controls[i] = def ? lilv_node_as_float(def) : 0.0f;
      lilv_node_free(def);
      lilv_instance_connect_port(p->instance, i, &p->controls[i]);
    } else if (lilv_port_is_a(p->plugin, port, audio)) {
      uint32_t *count = is_input ? &p->n_audio_in : &p->n_audio_out;
      uint32_t *list = is_input ? p->audio_in : p->audio_out;
      if (*count == FS_RT_MAX_AUDIO) {
        fprintf(stderr, "failsafe-rt: more than %u audio %s ports are not supported\n", FS_RT_MAX_AUDIO,
                is_input ? "input" : "output");
        status = -1;
      } else {
        list[(*count)++] = i;
      }
    } else if (!lilv_port_has_property(p->plugin, port, optional)) {
      fprintf(stderr, "failsafe-rt: port %u is neither audio nor control and not connectionOptional\n", i);
      status = -1;
    }
  }
  if (status == 0 && (p->n_audio_in == 0 || p->n_audio_out == 0)) {
    fprintf(stderr, "failsafe-rt: the plugin needs at least one audio input and one audio output\n");
    status = -1;
  }
  lilv_node_free(audio);
  lilv_node_free(control);
  lilv_node_free(input);
  lilv_node_free(optional);
  return status;
}

int fs_rt_plugin_load(fs_rt_plugin *p, const char *uri, double rate, uint32_t block_frames) {
  memset(p, 0, sizeof *p);
  p->world = lilv_world_new();
  if (!p->world) return -1;
  lilv_world_load_all(p->world);
  LilvNode *uri_node = lilv_new_uri(p->world, uri);
  p->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(p->world), uri_node);
  lilv_node_free(uri_node);
  if (!p->plugin) {
    fprintf(stderr, "failsafe-rt: plugin <%s> not found in LV2_PATH=%s\n", uri,
            getenv("LV2_PATH") ? getenv("LV2_PATH") : "(unset)");
    fs_rt_plugin_unload(p);
    return -1;
  }
  offer_features(p, block_frames);
  p->instance = lilv_plugin_instantiate(p->plugin, rate, p->features);
  if (!p->instance) {
    fprintf(stderr, "failsafe-rt: <%s> refused to instantiate at %.0f Hz\n", uri, rate);
    fs_rt_plugin_unload(p);
    return -1;
  }
  p->n_ports = lilv_plugin_get_num_ports(p->plugin);
  p->controls = calloc(p->n_ports ? p->n_ports : 1, sizeof *p->controls);
  if (!p->controls || classify_ports(p) != 0) {
    fs_rt_plugin_unload(p);
    return -1;
  }
  p->port_chaos = port_by_symbol(p, "chaos");
  p->port_tier = port_by_symbol(p, "tier");
  p->port_incidents = port_by_symbol(p, "incidents");
  p->port_cause = port_by_symbol(p, "cause");
  p->port_latency = port_by_symbol(p, "latency");
  return 0;
}

int fs_rt_plugin_set(fs_rt_plugin *p, const char *symbol, float value) {
  const int32_t index = port_by_symbol(p, symbol);
  if (index < 0) return -1;
  LilvNode *input = lilv_new_uri(p->world, LV2_CORE__InputPort);
  LilvNode *control = lilv_new_uri(p->world, LV2_CORE__ControlPort);
  const LilvPort *port = lilv_plugin_get_port_by_index(p->plugin, (uint32_t)index);
  const int ok = lilv_port_is_a(p->plugin, port, input) && lilv_port_is_a(p->plugin, port, control);
  lilv_node_free(input);
  lilv_node_free(control);
  if (!ok) return -1;
  p->controls[index] = value;
  return 0;
}

float fs_rt_plugin_output(const fs_rt_plugin *p, int32_t port) {
  return port >= 0 && (uint32_t)port < p->n_ports ? p->controls[port] : NAN;
}

void fs_rt_plugin_unload(fs_rt_plugin *p) {
  if (p->instance) lilv_instance_free(p->instance);
  free(p->controls);
  for (uint32_t i = 0; i < p->urids.count; ++i) free(p->urids.uris[i]);
  if (p->world) lilv_world_free(p->world);
  memset(p, 0, sizeof *p);
}

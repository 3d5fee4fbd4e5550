/* fs_rt_plugin: see fs_rt_plugin.h. */
#include "fs_rt_plugin.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *control_cell(fs_host *host, const char *symbol) {
  fs_port *port = fs_host_find_port(host, symbol);
  return port && port->kind == FS_PORT_CONTROL ? &port->value : NULL;
}

/* The harness's buffers hold FS_RT_MAX_AUDIO channels each way. */
static int check_audio(const fs_rt_plugin *p) {
  if (p->n_audio_in > FS_RT_MAX_AUDIO || p->n_audio_out > FS_RT_MAX_AUDIO) {
    fprintf(stderr, "failsafe-rt: more than %u audio %s ports are not supported\n", FS_RT_MAX_AUDIO,
            p->n_audio_in > FS_RT_MAX_AUDIO ? "input" : "output");
    return -1;
  }
  if (p->n_audio_in == 0 || p->n_audio_out == 0) {
    fprintf(stderr, "failsafe-rt: the plugin needs at least one audio input and one audio output\n");
    return -1;
  }
  return 0;
}

int fs_rt_plugin_load(fs_rt_plugin *p, const char *uri, double rate, uint32_t block_frames) {
  memset(p, 0, sizeof *p);
  char err[512];
  p->host = fs_host_open(uri, err, sizeof err);
  if (!p->host) {
    fprintf(stderr, "failsafe-rt: %s\n", err);
    return -1;
  }
  p->n_audio_in = fs_host_audio_inputs(p->host);
  p->n_audio_out = fs_host_audio_outputs(p->host);
  if (check_audio(p) != 0) {
    fs_rt_plugin_unload(p);
    return -1;
  }
  const fs_host_config config = {
      .sample_rate = rate,
      .max_block = block_frames,
      .nominal_block = block_frames,
      .live_basic = true,
  };
  if (fs_host_instantiate(p->host, &config, err, sizeof err) != 0) {
    fprintf(stderr, "failsafe-rt: %s\n", err);
    fs_rt_plugin_unload(p);
    return -1;
  }
  fs_port *chaos = fs_host_control_input(p->host, "chaos");
  p->chaos = chaos ? &chaos->value : NULL;
  p->tier = control_cell(p->host, "tier");
  p->incidents = control_cell(p->host, "incidents");
  p->cause = control_cell(p->host, "cause");
  return 0;
}

int fs_rt_plugin_set(fs_rt_plugin *p, const char *symbol, float value) {
  fs_port *port = fs_host_control_input(p->host, symbol);
  if (!port) return -1;
  port->value = value;
  return 0;
}

int fs_rt_plugin_set_all(fs_rt_plugin *p, const char *const *sets, int count) {
  for (int i = 0; i < count; ++i) {
    const char *eq = strchr(sets[i], '=');
    char symbol[64];
    snprintf(symbol, sizeof symbol, "%.*s", (int)(eq - sets[i]), sets[i]);
    char *end = NULL;
    const float value = strtof(eq + 1, &end);
    if (end == eq + 1 || *end || fs_rt_plugin_set(p, symbol, value) != 0) {
      fprintf(stderr, "failsafe-rt: --set %s: no such control input or bad value\n", sets[i]);
      return -1;
    }
  }
  return 0;
}

uint64_t fs_rt_plugin_run(fs_rt_plugin *p, float *const in[], float *const out[], uint32_t offset, uint32_t frames) {
  for (uint32_t c = 0; c < p->n_audio_in; ++c) fs_host_connect_audio(p->host, true, c, in[c] + offset);
  for (uint32_t c = 0; c < p->n_audio_out; ++c) fs_host_connect_audio(p->host, false, c, out[c] + offset);
  return fs_host_run(p->host, frames);
}

float fs_rt_plugin_output(const float *cell) { return cell ? *cell : NAN; }

void fs_rt_plugin_unload(fs_rt_plugin *p) {
  fs_host_close(p->host);
  memset(p, 0, sizeof *p);
}

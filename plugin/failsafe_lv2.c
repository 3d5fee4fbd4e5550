/*
  failsafe_lv2: the LV2 wrapper, and nothing more.

  It maps ports to the supervisor (recovery/fs_supervisor.h), reads the
  host's features and options, and shows the supervisor's status on the
  output ports.  All audio work, all detection and all recovery live in
  dsp/ and recovery/, which know nothing of LV2.

  Both plugins, mono and stereo, share this file: they differ only in the
  number of audio channels.

  Features: none required.  urid:map, options (bufsz:maxBlockLength,
  bufsz:nominalBlockLength) and log:log are used when the host offers them;
  a host that passes no features at all (lv2apply) gets the same audio.
*/
#include "fs_controls.h"
#include "fs_supervisor.h"

#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FS_URI_MONO "urn:failsafe:enhancer"
#define FS_URI_STEREO "urn:failsafe:enhancer:stereo"

/* Block length assumed when the host does not announce one. */
#define FS_DEFAULT_MAX_BLOCK 8192u

/* Port indices, as in ttl/controls.ttl.in and ttl/failsafe.ttl.in.  The
   control inputs come first, in the order of fs_control_id. */
typedef enum {
  FS_PORT_ENABLED = 0,
  FS_PORT_REDUCTION = 1,
  FS_PORT_CEILING = 2,
  FS_PORT_XFADE = 3,
  FS_PORT_BUDGET = 4,
  FS_PORT_CHAOS = 5,
  FS_PORT_FREEWHEEL = 6,
  FS_PORT_LATENCY = 7,
  FS_PORT_TIER = 8,
  FS_PORT_HEALTH = 9,
  FS_PORT_INCIDENTS = 10,
  FS_PORT_CAUSE = 11,
  FS_PORT_DSP_LOAD = 12,
  FS_PORT_IN_0 = 13,
  FS_PORT_OUT_0 = 14,
  FS_PORT_IN_1 = 15,
  FS_PORT_OUT_1 = 16,
} fs_port_index;

_Static_assert(FS_PORT_FREEWHEEL + 1 == FS_CONTROL_COUNT, "control inputs come first, in fs_control_id order");

typedef struct {
  /* Port buffers, as connected by the host (may be NULL until connected). */
  const float *control_in[FS_CONTROL_COUNT];
  float *latency;
  float *tier;
  float *health;
  float *incidents;
  float *cause;
  float *dsp_load;
  const float *audio_in[FS_MAX_CHANNELS];
  float *audio_out[FS_MAX_CHANNELS];

  uint32_t channels;
  uint32_t max_block;     /* announced by the host, else FS_DEFAULT_MAX_BLOCK */
  uint32_t nominal_block; /* announced by the host, else 0 */

  LV2_URID_Map *map; /* NULL without urid:map */
  LV2_Log_Logger logger;

  fs_supervisor *supervisor;
} fs_plugin;

/* Reads the block-length options, when the host offers them and they are
   ints as the spec says.  Instantiation class. */
static void read_options(fs_plugin *self, const LV2_Options_Option *options) {
  if (!options || !self->map) {
    return; /* without urid:map we cannot recognise any option */
  }
  const LV2_URID max_key = self->map->map(self->map->handle, LV2_BUF_SIZE__maxBlockLength);
  const LV2_URID nominal_key = self->map->map(self->map->handle, LV2_BUF_SIZE__nominalBlockLength);
  const LV2_URID int_type = self->map->map(self->map->handle, "http://lv2plug.in/ns/ext/atom#Int");
  for (const LV2_Options_Option *o = options; o->key || o->value; ++o) {
    if (o->type != int_type || o->size != sizeof(int32_t) || !o->value) {
      continue;
    }
    const int32_t value = *(const int32_t *)o->value;
    if (value <= 0) {
      continue;
    }
    if (o->key == max_key) {
      self->max_block = (uint32_t)value;
    } else if (o->key == nominal_key) {
      self->nominal_block = (uint32_t)value;
    }
  }
}

/* Instantiation class. */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
                              const LV2_Feature *const *features) {
  (void)bundle_path;
  fs_plugin *self = calloc(1, sizeof(*self));
  if (!self) {
    return NULL;
  }
  self->channels = strcmp(descriptor->URI, FS_URI_STEREO) == 0 ? 2 : 1;
  self->max_block = FS_DEFAULT_MAX_BLOCK;

  const LV2_Options_Option *options = NULL;
  LV2_Log_Log *log = NULL;
  for (int i = 0; features && features[i]; ++i) {
    const LV2_Feature *f = features[i];
    if (!strcmp(f->URI, LV2_URID__map)) {
      self->map = f->data;
    } else if (!strcmp(f->URI, LV2_OPTIONS__options)) {
      options = f->data;
    } else if (!strcmp(f->URI, LV2_LOG__log)) {
      log = f->data;
    }
  }
  read_options(self, options);
  lv2_log_logger_init(&self->logger, self->map, self->map ? log : NULL);

  if (!(rate >= 22050.0 && rate <= 192000.0)) {
    lv2_log_error(&self->logger, "failsafe: sample rate %.0f Hz is outside 22050..192000\n", rate);
    free(self);
    return NULL;
  }
  self->supervisor = fs_supervisor_create(rate, self->channels);
  if (!self->supervisor) {
    lv2_log_error(&self->logger, "failsafe: out of memory at instantiation\n");
    free(self);
    return NULL;
  }
  return self;
}

/* Audio class: only stores the pointer. */
static void connect_port(LV2_Handle instance, uint32_t port, void *data) {
  fs_plugin *self = instance;
  if (port < FS_CONTROL_COUNT) {
    self->control_in[port] = data;
    return;
  }
  switch ((fs_port_index)port) {
  case FS_PORT_LATENCY: self->latency = data; break;
  case FS_PORT_TIER: self->tier = data; break;
  case FS_PORT_HEALTH: self->health = data; break;
  case FS_PORT_INCIDENTS: self->incidents = data; break;
  case FS_PORT_CAUSE: self->cause = data; break;
  case FS_PORT_DSP_LOAD: self->dsp_load = data; break;
  case FS_PORT_IN_0: self->audio_in[0] = data; break;
  case FS_PORT_OUT_0: self->audio_out[0] = data; break;
  case FS_PORT_IN_1:
    if (self->channels > 1) {
      self->audio_in[1] = data;
    }
    break;
  case FS_PORT_OUT_1:
    if (self->channels > 1) {
      self->audio_out[1] = data;
    }
    break;
  default: break;
  }
}

/* Instantiation class. */
static void activate(LV2_Handle instance) {
  fs_plugin *self = instance;
  fs_supervisor_reset(self->supervisor);
}

static void write_port(float *port, float value) {
  if (port) {
    *port = value;
  }
}

static bool audio_connected(const fs_plugin *self) {
  for (uint32_t c = 0; c < self->channels; ++c) {
    if (!self->audio_in[c] || !self->audio_out[c]) {
      return false;
    }
  }
  return true;
}

/* Audio class.  Any n_samples, 0 included (then only the outputs update). */
static void run(LV2_Handle instance, uint32_t n_samples) {
  fs_plugin *self = instance;

  fs_controls controls;
  fs_controls_clamp(self->control_in, &controls);
  fs_supervisor_set_controls(self->supervisor, &controls);

  if (n_samples > 0 && audio_connected(self)) {
    fs_supervisor_process(self->supervisor, self->audio_in, self->audio_out, n_samples);
  }

  fs_status status;
  fs_supervisor_status(self->supervisor, &status);
  write_port(self->latency, (float)status.latency);
  write_port(self->tier, (float)status.tier);
  write_port(self->health, status.health);
  write_port(self->incidents, (float)status.incidents);
  write_port(self->cause, (float)status.cause);
  write_port(self->dsp_load, status.dsp_load);
}

/* Instantiation class. */
static void deactivate(LV2_Handle instance) { (void)instance; }

/* Instantiation class. */
static void cleanup(LV2_Handle instance) {
  fs_plugin *self = instance;
  fs_supervisor_destroy(self->supervisor);
  free(self);
}

/* Any thread. */
static const void *extension_data(const char *uri) {
  (void)uri;
  return NULL;
}

static const LV2_Descriptor descriptors[] = {
    {FS_URI_MONO, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
    {FS_URI_STEREO, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) {
  return index < sizeof(descriptors) / sizeof(descriptors[0]) ? &descriptors[index] : NULL;
}

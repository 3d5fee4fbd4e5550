/*
  failsafe_lv2: the LV2 wrapper, and nothing more.

  It maps ports to the supervisor (recovery/net/fs_supervisor.h), reads the
  host's features and options, shows the supervisor's status on the output
  ports, and connects the supervisor's incident ring to the worker side
  (recovery/worker/fs_worker.h): through the host's worker when it has one.
  All audio work, all detection and all recovery live in dsp/ and
  recovery/, which know nothing of LV2.

  Without a host worker the plugin starts no thread: a thread of its own
  would outlive the callback that started it, and a host that runs each
  callback in a child task and waits for it to end (lv2lint) would wait
  for ever.  Instead run() moves the incident records into a long spool
  (lock-free, bounded, allocated here), and the non-audio callbacks work
  on it: save() learns from it (no file I/O), deactivate() and cleanup()
  drain it into the journal and the learner, and the table learned reaches
  the net at the next activation.  Records beyond the spool's room are
  counted and reported in the journal's model line and in the log.

  Both plugins, mono and stereo, share this file: they differ only in the
  number of audio channels.

  The instance struct is in fs_plugin.h; the worker and state interfaces
  (work, work_response, save, restore) are in fs_plugin_state.c.

  Features: none required.  urid:map, options (bufsz:maxBlockLength,
  bufsz:nominalBlockLength), log:log, worker:schedule and state:makePath
  are used when the host offers them; a host that passes no features at
  all (lv2apply) gets the same audio.

  Environment (read at instantiation):
  - FAILSAFE_JOURNAL: where the incident journal goes (see fs_journal.h).
  - FAILSAFE_NO_JOURNAL=1: learn, but write no journal.
  - FAILSAFE_FREEZE_LEARNING=1: keep the strategy table as loaded, so runs
    are bit-identical whatever the worker does.
*/
#include "fs_fpu.h"
#include "fs_plugin.h"
#include "fs_plugin_state.h"

#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/log/logger.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FS_URI_MONO "urn:failsafe:enhancer"
#define FS_URI_STEREO "urn:failsafe:enhancer:stereo"
#define FS_URI_MODEL "urn:failsafe:model" /* state key of the learned model */

/* The spool of incident records kept between two drains when the host
   has no worker, i.e. for a whole run between activate() and deactivate()
   (lv2apply processes a file so): 16384 records, 1.4 MB (and as much
   again for the worker's backlog, which save() learns into), over an hour
   of a fault that comes and goes every second (about 4 records a second).
   Allocated only without a host worker. */
#define FS_SPOOL_RECORDS 16384u

_Static_assert(FS_PORT_FREEWHEEL + 1 == FS_PORT_CONTROL_INPUTS && FS_CONTROL_FREEWHEEL + 1 == FS_PORT_CONTROL_INPUTS &&
                   FS_CONTROL_LEARNED + 1 == FS_CONTROL_COUNT,
               "control inputs come first, in fs_control_id order; use_learned is the control appended last");

/* Reads the nominal block length, when the host offers it as an int as
   the spec says: the real-time period the budget applies to.  (The
   maximum block length is a supported option too, but nothing needs it:
   the supervisor takes calls of any length.)  Instantiation class. */
static void read_options(fs_plugin *self, const LV2_Options_Option *options) {
  if (!options || !self->map) {
    return; /* without urid:map we cannot recognise any option */
  }
  const LV2_URID nominal_key = self->map->map(self->map->handle, LV2_BUF_SIZE__nominalBlockLength);
  const LV2_URID int_type = self->map->map(self->map->handle, LV2_ATOM__Int);
  for (const LV2_Options_Option *o = options; o->key || o->value; ++o) {
    if (o->type != int_type || o->size != sizeof(int32_t) || !o->value) {
      continue;
    }
    const int32_t value = *(const int32_t *)o->value;
    if (value <= 0) {
      continue;
    }
    if (o->key == nominal_key) {
      self->nominal_block = (uint32_t)value;
    }
  }
}

/* Worker class: the worker side's messages go to the host's log. */
static void log_from_worker(void *context, fs_worker_log_level level, const char *message) {
  fs_plugin *self = context;
  if (level == FS_WORKER_WARNING) {
    lv2_log_warning(&self->logger, "%s\n", message);
  } else {
    lv2_log_note(&self->logger, "%s\n", message);
  }
}

static bool env_is_set(const char *name) {
  const char *value = getenv(name);
  return value && value[0] && strcmp(value, "0") != 0;
}

/* The directory the host gives this instance for files, if it does. */
static void state_directory(const LV2_State_Make_Path *make_path, const LV2_State_Free_Path *free_path, char *dir,
                            size_t cap) {
  dir[0] = '\0';
  if (!make_path) {
    return;
  }
  char *path = make_path->path(make_path->handle, "journal.jsonl");
  if (!path) {
    return;
  }
  char *slash = strrchr(path, '/');
  if (slash && (size_t)(slash - path) < cap) {
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
  }
  if (free_path) {
    free_path->free_path(free_path->handle, path);
  } else {
    free(path);
  }
}

/* Worker class: the journal's directory, asked for when it is first
   needed (never during instantiate(): some hosts cannot answer yet). */
static void journal_directory(void *context, char *dir, size_t cap) {
  fs_plugin *self = context;
  state_directory(self->make_path, self->free_path, dir, cap);
}

/* Instantiation class.  Without a host worker: a spool as long as a run,
   its pages touched now so that run() never faults one in. */
static fs_event_ring *create_spool(void) {
  fs_event_ring *spool = fs_event_ring_create(FS_SPOOL_RECORDS);
  if (spool) {
    const fs_event blank = {0};
    fs_event scratch;
    for (uint32_t i = 0; i < fs_event_ring_capacity(spool); ++i) {
      fs_event_ring_push(spool, &blank); /* exactly full: nothing dropped */
    }
    while (fs_event_ring_pop(spool, &scratch)) {
    }
  }
  return spool;
}

static void cleanup(LV2_Handle instance);

/* Instantiation class. */
static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate, const char *bundle_path,
                              const LV2_Feature *const *features) {
  (void)bundle_path;
  fs_plugin *self = calloc(1, sizeof(*self));
  if (!self) {
    return NULL;
  }
  self->channels = strcmp(descriptor->URI, FS_URI_STEREO) == 0 ? 2 : 1;

  const LV2_Options_Option *options = NULL;
  LV2_Log_Log *log = NULL;
  const fs_inline_display_queue *queue_draw = NULL;
  for (int i = 0; features && features[i]; ++i) {
    const LV2_Feature *f = features[i];
    if (!strcmp(f->URI, LV2_URID__map)) {
      self->map = f->data;
    } else if (!strcmp(f->URI, LV2_OPTIONS__options)) {
      options = f->data;
    } else if (!strcmp(f->URI, LV2_LOG__log)) {
      log = f->data;
    } else if (!strcmp(f->URI, LV2_WORKER__schedule)) {
      self->schedule = f->data;
    } else if (!strcmp(f->URI, LV2_STATE__makePath)) {
      self->make_path = f->data;
    } else if (!strcmp(f->URI, LV2_STATE__freePath)) {
      self->free_path = f->data;
    } else if (!strcmp(f->URI, FS_INLINE_DISPLAY__queue_draw)) {
      queue_draw = f->data;
    }
  }
  read_options(self, options);
  lv2_log_logger_init(&self->logger, self->map, self->map ? log : NULL);
  if (self->map) {
    self->model_key = self->map->map(self->map->handle, FS_URI_MODEL);
    self->chunk_type = self->map->map(self->map->handle, LV2_ATOM__Chunk);
  }

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
  fs_supervisor_set_host_period(self->supervisor, self->nominal_block);

  fs_event_ring *events = fs_supervisor_events(self->supervisor);
  if (!self->schedule) {
    self->spool = create_spool();
    if (!self->spool) {
      lv2_log_error(&self->logger, "failsafe: out of memory at instantiation\n");
      cleanup(self);
      return NULL;
    }
  }
  const fs_worker_config config = {
      .seed = 0x5eedu + self->channels,
      .frozen = env_is_set("FAILSAFE_FREEZE_LEARNING"),
      .journal = !env_is_set("FAILSAFE_NO_JOURNAL"),
      .ask_dir = self->make_path ? journal_directory : NULL,
      .log = log_from_worker,
      .log_context = self,
      /* save() learns the whole spool ahead of the journal. */
      .backlog = self->spool ? fs_event_ring_capacity(self->spool) : 0u,
      .upstream = self->spool ? events : NULL,
  };
  self->worker = fs_worker_create(self->spool ? self->spool : events, &config);
  if (!self->worker) {
    lv2_log_error(&self->logger, "failsafe: cannot start the worker\n");
    cleanup(self);
    return NULL;
  }
  if (queue_draw) {
    self->display = fs_inline_display_create(rate, queue_draw);
  }
  return self;
}

/* Audio class: only stores the pointer. */
static void connect_port(LV2_Handle instance, uint32_t port, void *data) {
  fs_plugin *self = instance;
  if (port < FS_PORT_CONTROL_INPUTS) {
    self->control_in[port] = data;
    return;
  }
  /* Mono: these indices are those a stereo plugin's in_r and out_r have. */
  if (port == fs_port_learned(self->channels)) {
    self->learned = data;
    return;
  }
  if (port == fs_port_use_learned(self->channels)) {
    self->control_in[FS_CONTROL_LEARNED] = data;
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
  self->drain_pending = false;
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

  if (self->table_waiting && fs_supervisor_offer_table(self->supervisor, &self->waiting_table)) {
    self->table_waiting = false;
  }
  fs_controls controls;
  /* Values out of range travel in controls.out_of_range: the supervisor
     reports each control newly out of range once, as a `configuration`
     incident through the event ring (never from here: no I/O in run()). */
  fs_controls_clamp(self->control_in, &controls);
  fs_supervisor_set_controls(self->supervisor, &controls);

  if (n_samples > 0 && audio_connected(self)) {
    /* Denormals flushed for the whole call, the host's flags back after
       (the supervisor then finds them set and leaves them be). */
    const fs_fpu_state fpu = fs_fpu_flush_denormals();
    fs_supervisor_process(self->supervisor, self->audio_in, self->audio_out, n_samples);
    fs_fpu_restore(fpu);
  }

  /* No host worker: the records move to the spool, lock-free; the loop
     is bounded by the ring's capacity, and the ring never fills. */
  if (self->spool) {
    fs_event_ring *events = fs_supervisor_events(self->supervisor);
    fs_event record;
    while (fs_event_ring_pop(events, &record)) {
      fs_event_ring_push(self->spool, &record); /* a full spool counts the drop */
    }
  }

  /* Records waiting: wake the host's worker (never more than one request
     in flight, so a fault storm cannot flood the host's queue). */
  if (self->schedule && !self->drain_pending && fs_event_ring_size(fs_supervisor_events(self->supervisor)) > 0) {
    const fs_message request = {FS_MESSAGE_DRAIN};
    self->drain_pending =
        self->schedule->schedule_work(self->schedule->handle, sizeof(request), &request) == LV2_WORKER_SUCCESS;
  }

  fs_status status;
  fs_supervisor_status(self->supervisor, &status);
  write_port(self->latency, (float)status.latency);
  write_port(self->tier, (float)status.tier);
  write_port(self->health, status.health);
  write_port(self->incidents, (float)status.incidents);
  write_port(self->cause, (float)status.cause);
  write_port(self->dsp_load, status.dsp_load);
  write_port(self->learned, status.learned);
  if (self->display) {
    fs_inline_display_note(self->display, &status);
  }
}

/* Instantiation class.  Without a host worker the run's records are
   journaled and learned here, on the host's thread, and the table reaches
   the net at the next activation.  With one, nothing to do. */
static void deactivate(LV2_Handle instance) {
  fs_plugin *self = instance;
  fs_strategy_table table;
  if (self->spool && fs_worker_drain(self->worker, &table)) {
    fs_plugin_deliver_table(self, &table);
  }
}

/* Instantiation class.  Without a host worker, what a host that never
   deactivated left in the spool is journaled first. */
static void cleanup(LV2_Handle instance) {
  fs_plugin *self = instance;
  fs_inline_display_destroy(self->display);
  if (self->worker && self->spool) {
    fs_strategy_table unused;
    fs_worker_drain(self->worker, &unused);
  }
  fs_worker_destroy(self->worker);
  fs_event_ring_destroy(self->spool);
  fs_supervisor_destroy(self->supervisor);
  free(self);
}

/* ---- Inline display (hosts that draw plugins in their mixer strips) ---- */

/* The host's GUI thread. */
static fs_inline_display_surface *render_inline(LV2_Handle instance, uint32_t width, uint32_t max_height) {
  fs_plugin *self = instance;
  return fs_inline_display_render(self->display, width, max_height);
}

static const fs_inline_display_interface inline_display_interface = {render_inline};

/* Any thread. */
static const void *extension_data(const char *uri) {
  if (!strcmp(uri, LV2_WORKER__interface)) {
    return &fs_plugin_worker_interface;
  }
  if (!strcmp(uri, LV2_STATE__interface)) {
    return &fs_plugin_state_interface;
  }
  if (!strcmp(uri, FS_INLINE_DISPLAY__interface)) {
    return &inline_display_interface;
  }
  return NULL;
}

static const LV2_Descriptor descriptors[] = {
    {FS_URI_MONO, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
    {FS_URI_STEREO, instantiate, connect_port, activate, run, deactivate, cleanup, extension_data},
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) {
  return index < sizeof(descriptors) / sizeof(descriptors[0]) ? &descriptors[index] : NULL;
}

/* A test plugin for failsafe-host's generic paths that the failsafe
 * plugins do not use: worker, state and block-length options.
 *
 * urn:failsafe:test:fixture delays its input by FIXTURE_LATENCY frames
 * (and reports it), scales it by `gain`, schedules one work request per
 * run() and counts the responses, counts its run() calls in a state
 * property, and reports the maxBlockLength option it was given and how
 * many run() calls exceeded it. */
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURE_URI "urn:failsafe:test:fixture"
#define FIXTURE_RUNS FIXTURE_URI "#runs"

enum { FIXTURE_LATENCY = 37 };

enum {
  PORT_GAIN,
  PORT_LATENCY,
  PORT_RESPONSES,
  PORT_RUNS,
  PORT_MAX_BLOCK,
  PORT_VIOLATIONS,
  PORT_IN,
  PORT_OUT,
  PORT_COUNT
};

typedef struct fixture {
  float *port[PORT_COUNT];
  LV2_Worker_Schedule *schedule;
  LV2_URID atom_Int, runs_key;
  int32_t max_block; /* 0: not announced */
  int32_t runs;
  uint32_t responses;
  uint32_t violations;
  float delay[FIXTURE_LATENCY];
  uint32_t delay_position;
} fixture;

static LV2_Handle instantiate(const LV2_Descriptor *descriptor, double rate,
                              const char *bundle,
                              const LV2_Feature *const *features) {
  (void)descriptor;
  (void)rate;
  (void)bundle;
  LV2_URID_Map *map = NULL;
  LV2_Worker_Schedule *schedule = NULL;
  const LV2_Options_Option *options = NULL;
  for (int i = 0; features[i]; i++) {
    if (!strcmp(features[i]->URI, LV2_URID__map)) map = features[i]->data;
    if (!strcmp(features[i]->URI, LV2_WORKER__schedule))
      schedule = features[i]->data;
    if (!strcmp(features[i]->URI, LV2_OPTIONS__options))
      options = features[i]->data;
  }
  if (!map || !schedule) return NULL;
  fixture *self = calloc(1, sizeof *self);
  if (!self) return NULL;
  self->schedule = schedule;
  self->atom_Int = map->map(map->handle, LV2_ATOM__Int);
  self->runs_key = map->map(map->handle, FIXTURE_RUNS);
  LV2_URID max_key = map->map(map->handle, LV2_BUF_SIZE__maxBlockLength);
  for (int i = 0; options && options[i].key; i++)
    if (options[i].key == max_key && options[i].type == self->atom_Int)
      self->max_block = *(const int32_t *)options[i].value;
  return self;
}

static void connect_port(LV2_Handle handle, uint32_t port, void *data) {
  fixture *self = handle;
  if (port < PORT_COUNT) self->port[port] = data;
}

static void activate(LV2_Handle handle) {
  fixture *self = handle;
  memset(self->delay, 0, sizeof self->delay);
  self->delay_position = 0;
}

static void run(LV2_Handle handle, uint32_t frames) {
  fixture *self = handle;
  const float *in = self->port[PORT_IN];
  float *out = self->port[PORT_OUT];
  float gain = *self->port[PORT_GAIN];
  /* Works in place too: each input sample is read before its slot is
   * overwritten. */
  for (uint32_t i = 0; i < frames; i++) {
    float delayed = self->delay[self->delay_position];
    self->delay[self->delay_position] = in[i];
    self->delay_position = (self->delay_position + 1) % FIXTURE_LATENCY;
    out[i] = delayed * gain;
  }
  if (frames > 0) {
    self->runs++;
    if (self->max_block && frames > (uint32_t)self->max_block)
      self->violations++;
    self->schedule->schedule_work(self->schedule->handle, sizeof frames,
                                  &frames);
  }
  *self->port[PORT_LATENCY] = FIXTURE_LATENCY;
  *self->port[PORT_RUNS] = (float)self->runs;
  *self->port[PORT_MAX_BLOCK] = (float)self->max_block;
  *self->port[PORT_VIOLATIONS] = (float)self->violations;
  *self->port[PORT_RESPONSES] = (float)self->responses;
}

static void cleanup(LV2_Handle handle) { free(handle); }

static LV2_Worker_Status work(LV2_Handle handle,
                              LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle respond_handle,
                              uint32_t size, const void *data) {
  (void)handle;
  return respond(respond_handle, size, data);
}

static LV2_Worker_Status work_response(LV2_Handle handle, uint32_t size,
                                       const void *data) {
  fixture *self = handle;
  (void)data;
  if (size == sizeof(uint32_t)) self->responses++;
  if (self->port[PORT_RESPONSES])
    *self->port[PORT_RESPONSES] = (float)self->responses;
  return LV2_WORKER_SUCCESS;
}

static LV2_State_Status save(LV2_Handle handle, LV2_State_Store_Function store,
                             LV2_State_Handle state, uint32_t flags,
                             const LV2_Feature *const *features) {
  fixture *self = handle;
  (void)flags;
  (void)features;
  return store(state, self->runs_key, &self->runs, sizeof self->runs,
               self->atom_Int, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

static LV2_State_Status restore(LV2_Handle handle,
                                LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle state, uint32_t flags,
                                const LV2_Feature *const *features) {
  fixture *self = handle;
  (void)flags;
  (void)features;
  size_t size;
  uint32_t type, value_flags;
  const void *value =
      retrieve(state, self->runs_key, &size, &type, &value_flags);
  if (!value || size != sizeof(int32_t) || type != self->atom_Int)
    return LV2_STATE_ERR_NO_PROPERTY;
  self->runs = *(const int32_t *)value;
  return LV2_STATE_SUCCESS;
}

static const void *extension_data(const char *uri) {
  static const LV2_Worker_Interface worker = {work, work_response, NULL};
  static const LV2_State_Interface state = {save, restore};
  if (!strcmp(uri, LV2_WORKER__interface)) return &worker;
  if (!strcmp(uri, LV2_STATE__interface)) return &state;
  return NULL;
}

static const LV2_Descriptor descriptor = {
  FIXTURE_URI, instantiate, connect_port, activate, run, NULL, cleanup,
  extension_data,
};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index) {
  return index == 0 ? &descriptor : NULL;
}

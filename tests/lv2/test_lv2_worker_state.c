/*
  Integration: the worker and state sides of the plugin, through lilv on
  the built bundle.

  - The learned model survives save and restore into a fresh instance
    (lilv state round trip).
  - Corrupt, truncated, future-version and random model blobs never crash
    restore, and the plugin keeps running safely afterwards.
  - With learning frozen, the audio is bit-identical whether the host's
    worker runs synchronously, there is no host worker (the plugin then
    spools the records until deactivate()), or the worker is stalled for
    the whole run; with learning live it stays safe in all three.
  - A host without a worker still gets learning and a journal by the end
    of the run: state saved after the run holds what it taught, and the
    journal holds its incidents once the plugin is deactivated.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/log/log.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_random.h"
#include "test_journal_lines.h"

#define MONO "urn:failsafe:enhancer"
#define RATE 48000.0
#define BLOCK 256u
#define SECONDS 6u
#define TOTAL (48000u * SECONDS)

/* ---- A small host ------------------------------------------------------ */

static char *uris[256];
static uint32_t n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri) {
  (void)handle;
  for (uint32_t i = 0; i < n_uris; ++i) {
    if (!strcmp(uris[i], uri)) {
      return i + 1;
    }
  }
  uris[n_uris] = strdup(uri);
  return ++n_uris;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid) {
  (void)handle;
  return (urid >= 1 && urid <= n_uris) ? uris[urid - 1] : NULL;
}

/* The plugin's warnings about the corrupt blobs fed to it on purpose are
   counted, not printed. */
static uint32_t warnings;
static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...) {
  (void)handle;
  (void)type;
  (void)fmt;
  warnings++;
  return 0;
}
static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap) {
  (void)handle;
  (void)type;
  (void)fmt;
  (void)ap;
  warnings++;
  return 0;
}
static LV2_Log_Log quiet_log = {NULL, log_printf, log_vprintf};

static LV2_URID_Map map = {NULL, map_uri};
static LV2_URID_Unmap unmap = {NULL, unmap_uri};

typedef enum { WORKER_SYNC, WORKER_NONE, WORKER_STALLED } worker_mode;

typedef struct {
  LilvInstance *instance;
  const LV2_Worker_Interface *worker;
  worker_mode mode;
  /* Responses wait here until the end of run(), as the spec asks. */
  uint8_t response[4096];
  uint32_t response_size;
  bool has_response;
  uint32_t scheduled;
  float controls[13];
} host;

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data) {
  host *h = handle;
  if (size > sizeof(h->response)) {
    return LV2_WORKER_ERR_NO_SPACE;
  }
  memcpy(h->response, data, size);
  h->response_size = size;
  h->has_response = true;
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle handle, uint32_t size, const void *data) {
  host *h = handle;
  h->scheduled++;
  if (h->mode == WORKER_SYNC) {
    /* Offline rendering: the work is done right away, inside run(). */
    return h->worker->work(lilv_instance_get_handle(h->instance), respond, h, size, data);
  }
  return LV2_WORKER_SUCCESS; /* stalled: accepted, never done */
}

static LilvWorld *world;
static const LilvPlugin *plugin;

static int setup(void **state) {
  (void)state;
  world = lilv_world_new();
  lilv_world_load_all(world);
  LilvNode *uri = lilv_new_uri(world, MONO);
  plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
  lilv_node_free(uri);
  return plugin ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  lilv_world_free(world);
  for (uint32_t i = 0; i < n_uris; ++i) {
    free(uris[i]);
  }
  return 0;
}

static float in_buf[BLOCK], out_buf[BLOCK];

static void open_host(host *h, worker_mode mode) {
  memset(h, 0, sizeof(*h));
  h->mode = mode;
  static LV2_Worker_Schedule sched;
  sched.handle = h;
  sched.schedule_work = schedule;
  LV2_Feature map_f = {LV2_URID__map, &map}, unmap_f = {LV2_URID__unmap, &unmap};
  LV2_Feature sched_f = {LV2_WORKER__schedule, &sched};
  LV2_Feature log_f = {LV2_LOG__log, &quiet_log};
  const LV2_Feature *with_worker[] = {&map_f, &unmap_f, &sched_f, &log_f, NULL};
  const LV2_Feature *without_worker[] = {&map_f, &unmap_f, &log_f, NULL};
  h->instance = lilv_plugin_instantiate(plugin, RATE, mode == WORKER_NONE ? without_worker : with_worker);
  assert_non_null(h->instance);
  h->worker = lilv_instance_get_extension_data(h->instance, LV2_WORKER__interface);
  assert_non_null(h->worker);
  float defaults[13];
  lilv_plugin_get_port_ranges_float(plugin, NULL, NULL, defaults);
  for (uint32_t i = 0; i < 13; ++i) {
    h->controls[i] = isnan(defaults[i]) ? 0.0f : defaults[i];
    lilv_instance_connect_port(h->instance, i, &h->controls[i]);
  }
  h->controls[6] = 1.0f; /* freewheel: no deadline detection, exact results */
  lilv_instance_connect_port(h->instance, 13, in_buf);
  lilv_instance_connect_port(h->instance, 14, out_buf);
  lilv_instance_activate(h->instance);
}

static void close_host(host *h) {
  lilv_instance_deactivate(h->instance);
  lilv_instance_free(h->instance);
}

static float input_sample(uint32_t i) {
  const float t = (float)i / 48000.0f;
  const float voiced = fmaxf(0.0f, sinf(2.0f * 3.14159265f * 2.0f * t));
  uint32_t x = i * 2654435761u;
  x ^= x >> 15;
  const float noise = ((float)(x & 0xffff) / 65536.0f - 0.5f) * 0.06f;
  return voiced * 0.5f * sinf(2.0f * 3.14159265f * 190.0f * t) + noise;
}

/* Runs the whole signal with a chaos schedule (runaway gain on for 100 ms
   every second, NaN state on for 100 ms every 1.5 s), into `out`. */
static void run_signal(host *h, float *out) {
  for (uint32_t done = 0; done < TOTAL; done += BLOCK) {
    const uint32_t ms = done / 48;
    h->controls[5] = (ms % 1000 >= 500 && ms % 1000 < 600) ? 2.0f : ((ms % 1500 < 100) ? 1.0f : 0.0f);
    for (uint32_t i = 0; i < BLOCK; ++i) {
      in_buf[i] = input_sample(done + i);
    }
    lilv_instance_run(h->instance, BLOCK);
    if (h->has_response) {
      h->has_response = false;
      h->worker->work_response(lilv_instance_get_handle(h->instance), h->response_size, h->response);
    }
    memcpy(out + done, out_buf, sizeof(out_buf));
  }
}

static void assert_safe(const float *y) {
  const float ceiling = powf(10.0f, -1.0f / 20.0f);
  for (uint32_t i = 0; i < TOTAL; ++i) {
    assert_true(isfinite(y[i]));
    assert_true(fabsf(y[i]) <= ceiling);
  }
}

/* ---- Tests ------------------------------------------------------------- */

static void frozen_learning_gives_identical_audio_in_every_worker_mode(void **state) {
  (void)state;
  static float sync_out[TOTAL], thread_out[TOTAL], stalled_out[TOTAL];
  setenv("FAILSAFE_FREEZE_LEARNING", "1", 1);
  host h;
  open_host(&h, WORKER_SYNC);
  run_signal(&h, sync_out);
  assert_true(h.scheduled > 0);
  close_host(&h);
  open_host(&h, WORKER_NONE);
  run_signal(&h, thread_out);
  close_host(&h);
  open_host(&h, WORKER_STALLED);
  run_signal(&h, stalled_out);
  close_host(&h);
  unsetenv("FAILSAFE_FREEZE_LEARNING");
  assert_safe(sync_out);
  assert_memory_equal(sync_out, thread_out, sizeof(sync_out));
  assert_memory_equal(sync_out, stalled_out, sizeof(sync_out));
}

static void live_learning_stays_safe_in_every_worker_mode(void **state) {
  (void)state;
  static float out[TOTAL];
  const worker_mode modes[] = {WORKER_SYNC, WORKER_NONE, WORKER_STALLED};
  for (int m = 0; m < 3; ++m) {
    host h;
    open_host(&h, modes[m]);
    run_signal(&h, out);
    assert_safe(out);
    assert_true(h.controls[10] >= 1.0f); /* incidents were seen */
    close_host(&h);
  }
}

/* Where store_model() puts a saved model. */
typedef struct {
  uint8_t *data;
  size_t *size;
} model_sink;

static LV2_State_Status store_model(LV2_State_Handle handle, uint32_t key, const void *value, size_t size,
                                    uint32_t type, uint32_t flags);

/* The model a host without a worker saves after a run with incidents (no
   drain has happened yet: save() learns from the spool), and the journal
   written when it deactivates. */
static void a_host_without_worker_learns_and_journals_by_the_end(void **state) {
  (void)state;
  char dir[] = "/tmp/fs-no-worker-XXXXXX";
  assert_non_null(mkdtemp(dir));
  char value[64], path[96];
  snprintf(value, sizeof(value), "%s/", dir);
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  const char *before = getenv("FAILSAFE_JOURNAL");
  char *saved_env = before ? strdup(before) : NULL;
  setenv("FAILSAFE_JOURNAL", value, 1);

  static float out[TOTAL];
  host blank, taught;
  open_host(&blank, WORKER_NONE);
  open_host(&taught, WORKER_NONE);
  run_signal(&taught, out);
  assert_safe(out);
  assert_int_equal(taught.scheduled, 0);
  assert_int_equal(access(path, F_OK), -1); /* nothing written while it runs */

  const LV2_State_Interface *iface = lilv_instance_get_extension_data(taught.instance, LV2_STATE__interface);
  uint8_t model[2][8192];
  size_t sizes[2] = {0, 0};
  host *hosts[2] = {&blank, &taught};
  for (int i = 0; i < 2; ++i) {
    model_sink sink = {model[i], &sizes[i]};
    assert_int_equal(iface->save(lilv_instance_get_handle(hosts[i]->instance), store_model, &sink, 0, NULL),
                     LV2_STATE_SUCCESS);
  }
  assert_int_equal(sizes[0], sizes[1]);
  assert_memory_not_equal(model[0], model[1], sizes[0]);

  lilv_instance_deactivate(taught.instance);
  const uint32_t incidents = test_journal_lines(path, "\"type\":\"incident\"");
  assert_true(incidents >= 4);
  lilv_instance_free(taught.instance);
  close_host(&blank);
  assert_true(test_journal_lines(path, "\"type\":\"model\"") >= 1);
  assert_int_equal(test_journal_lines(path, "\"dropped_events\":0,"), test_journal_lines(path, "\"type\":\"model\""));

  if (saved_env) {
    setenv("FAILSAFE_JOURNAL", saved_env, 1);
    free(saved_env);
  } else {
    unsetenv("FAILSAFE_JOURNAL");
  }
  unlink(path);
  rmdir(dir);
}

static const void *get_port_value(const char *symbol, void *user_data, uint32_t *size, uint32_t *type) {
  (void)symbol;
  (void)user_data;
  *size = 0;
  *type = 0;
  return NULL; /* the model is what is under test, not the port values */
}

/* The model property of a state, as Turtle text. */
static char *model_text(LilvState *st) {
  char *text = lilv_state_to_string(world, &map, &unmap, st, "urn:failsafe:test:state", NULL);
  assert_non_null(text);
  char *at = strstr(text, "urn:failsafe:model");
  assert_non_null(at);
  char *copy = strdup(at);
  lilv_free(text);
  return copy;
}

static void learned_model_survives_save_and_restore(void **state) {
  (void)state;
  static float out[TOTAL];
  host a;
  open_host(&a, WORKER_SYNC);
  run_signal(&a, out);
  LilvState *saved = lilv_state_new_from_instance(plugin, a.instance, &map, NULL, NULL, NULL, NULL,
                                                  get_port_value, NULL, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE,
                                                  NULL);
  assert_non_null(saved);
  char *first = model_text(saved);
  close_host(&a);

  /* A fresh instance, as in a new session: restore, then save again. */
  host b;
  open_host(&b, WORKER_SYNC);
  lilv_state_restore(saved, b.instance, NULL, NULL, 0, NULL);
  LilvState *again = lilv_state_new_from_instance(plugin, b.instance, &map, NULL, NULL, NULL, NULL, get_port_value,
                                                  NULL, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, NULL);
  char *second = model_text(again);
  assert_string_equal(first, second);

  /* And it differs from a model that learned nothing. */
  host c;
  open_host(&c, WORKER_SYNC);
  LilvState *blank = lilv_state_new_from_instance(plugin, c.instance, &map, NULL, NULL, NULL, NULL, get_port_value,
                                                  NULL, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, NULL);
  char *third = model_text(blank);
  assert_string_not_equal(first, third);

  free(first);
  free(second);
  free(third);
  lilv_state_free(saved);
  lilv_state_free(again);
  lilv_state_free(blank);
  close_host(&b);
  close_host(&c);
}

/* A retrieve function that hands the plugin whatever blob the test wants. */
typedef struct {
  const uint8_t *data;
  size_t size;
  uint32_t type;
} fake_store;

static const void *retrieve(LV2_State_Handle handle, uint32_t key, size_t *size, uint32_t *type, uint32_t *flags) {
  (void)key;
  fake_store *s = handle;
  *size = s->size;
  *type = s->type;
  *flags = LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE;
  return s->data;
}

static LV2_State_Status store_blob(LV2_State_Handle handle, uint32_t key, const void *value, size_t size,
                                   uint32_t type, uint32_t flags) {
  (void)key;
  (void)flags;
  fake_store *s = handle;
  uint8_t *copy = malloc(size);
  memcpy(copy, value, size);
  s->data = copy;
  s->size = size;
  s->type = type;
  return LV2_STATE_SUCCESS;
}

static LV2_State_Status store_model(LV2_State_Handle handle, uint32_t key, const void *value, size_t size,
                                    uint32_t type, uint32_t flags) {
  (void)key;
  (void)type;
  (void)flags;
  model_sink *sink = handle;
  if (size > 8192) {
    return LV2_STATE_ERR_NO_SPACE;
  }
  memcpy(sink->data, value, size);
  *sink->size = size;
  return LV2_STATE_SUCCESS;
}

static void corrupt_models_never_crash_restore(void **state) {
  (void)state;
  host h;
  open_host(&h, WORKER_SYNC);
  const LV2_State_Interface *iface = lilv_instance_get_extension_data(h.instance, LV2_STATE__interface);
  assert_non_null(iface);
  LV2_Handle handle = lilv_instance_get_handle(h.instance);
  fake_store good = {0};
  assert_int_equal(iface->save(handle, store_blob, &good, LV2_STATE_IS_POD, NULL), LV2_STATE_SUCCESS);
  assert_true(good.size > 16);
  uint8_t *blob = malloc(good.size + 64);
  uint32_t rng = 12345;
  for (uint32_t round = 0; round < 6000; ++round) {
    memcpy(blob, good.data, good.size);
    size_t size = good.size;
    uint32_t type = good.type;
    switch (round % 6) {
    case 0: size = round % good.size; break;              /* truncated */
    case 1: blob[(round * 7) % size] ^= (uint8_t)(1u << (round % 8)); break; /* one bit flipped */
    case 2:                                                /* random bytes */
      for (size_t i = 0; i < size; ++i) {
        blob[i] = (uint8_t)(test_random(&rng) >> 24);
      }
      break;
    case 3: blob[4] = 0xff; blob[5] = 0xff; break;         /* version field scribbled */
    case 4: type = map_uri(NULL, LV2_ATOM__String); break; /* wrong type */
    default: size = 0; break;                              /* empty */
    }
    fake_store bad = {blob, size, type};
    assert_int_equal(iface->restore(handle, retrieve, &bad, 0, NULL), LV2_STATE_SUCCESS);
  }
  assert_true(warnings >= 5000); /* every refused blob was reported */
  /* And it still runs clean. */
  static float out[TOTAL];
  run_signal(&h, out);
  assert_safe(out);
  free(blob);
  free((void *)good.data);
  close_host(&h);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(frozen_learning_gives_identical_audio_in_every_worker_mode),
      cmocka_unit_test(live_learning_stays_safe_in_every_worker_mode),
      cmocka_unit_test(learned_model_survives_save_and_restore),
      cmocka_unit_test(a_host_without_worker_learns_and_journals_by_the_end),
      cmocka_unit_test(corrupt_models_never_crash_restore),
  };
  return cmocka_run_group_tests_name("lv2_worker_state", tests, setup, teardown);
}

/*
  Integration: every callback in a child task, as lv2lint runs them.

  lv2lint calls each of instantiate, connect_port, activate, work,
  work_response, run, deactivate and cleanup inside a child made with
  clone(CLONE_VM | SIGCHLD) (same memory, its own process) and waits for
  that child with waitpid().  A thread the plugin starts in a callback
  belongs to the child, keeps it alive after the callback returns, and the
  wait never ends.  This test does the same, each wait bounded by an alarm
  so a plugin that leaves a thread behind fails instead of hanging, for
  both plugins, with no feature at all, with each optional feature on its
  own (urid:map with what needs it) and with all of them.

  Each run has incidents (the chaos control injects NaN state), so it also
  checks that the journal is written by the end of the run with and
  without a host worker, into the folder the environment named at
  instantiation (the environment changes after it, and must not count),
  or into the host's state:makePath folder when it offers one; and that
  state save works in a child.
*/
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs_ports.h"
#include "test_journal_lines.h"

#define RATE 48000.0
#define BLOCK 256u
#define BLOCKS 375u /* 2 s: several incidents under NaN chaos */
/* A child that has not ended by then has left a thread behind (each
   callback takes well under a second, even sanitized). */
#ifndef HANG_SECONDS
#define HANG_SECONDS 60u
#endif
#define STACK_BYTES (8u << 20)

static const char *const uris[] = {"urn:failsafe:enhancer", "urn:failsafe:enhancer:stereo"};

/* ---- The host's features ------------------------------------------------ */

static char *mapped[256];
static uint32_t n_mapped;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri) {
  (void)handle;
  for (uint32_t i = 0; i < n_mapped; ++i) {
    if (!strcmp(mapped[i], uri)) {
      return i + 1;
    }
  }
  if (n_mapped == sizeof(mapped) / sizeof(mapped[0])) {
    return 0;
  }
  mapped[n_mapped] = strdup(uri);
  return ++n_mapped;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle handle, LV2_URID urid) {
  (void)handle;
  return (urid >= 1 && urid <= n_mapped) ? mapped[urid - 1] : NULL;
}

static LV2_URID_Map map = {NULL, map_uri};
static LV2_URID_Unmap unmap = {NULL, unmap_uri};

static uint32_t log_lines; /* counted, not printed */
static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap) {
  (void)handle;
  (void)type;
  (void)fmt;
  (void)ap;
  __atomic_fetch_add(&log_lines, 1u, __ATOMIC_RELAXED);
  return 0;
}
static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int n = log_vprintf(handle, type, fmt, ap);
  va_end(ap);
  return n;
}
static LV2_Log_Log log_feature = {NULL, log_printf, log_vprintf};

static char make_path_dir[512];
static char *make_path(LV2_State_Make_Path_Handle handle, const char *path) {
  (void)handle;
  char *full = malloc(strlen(make_path_dir) + strlen(path) + 2);
  sprintf(full, "%s/%s", make_path_dir, path);
  return full;
}
static void free_path(LV2_State_Free_Path_Handle handle, char *path) {
  (void)handle;
  free(path);
}
static LV2_State_Make_Path make_path_feature = {NULL, make_path};
static LV2_State_Free_Path free_path_feature = {NULL, free_path};

static void queue_draw(void *handle) { (void)handle; }
static struct {
  void *handle;
  void (*queue_draw)(void *handle);
} queue_draw_feature = {NULL, queue_draw};

/* The worker as lv2lint has it: schedule_work queues, work() runs later in
   a child of its own, responses wait for work_response() in another. */
typedef struct {
  uint8_t data[16][512];
  uint32_t size[16];
  uint32_t count;
} queue;

static queue requests, responses;

static LV2_Worker_Status enqueue(queue *q, uint32_t size, const void *data) {
  if (q->count == 16 || size > sizeof(q->data[0])) {
    return LV2_WORKER_ERR_NO_SPACE;
  }
  memcpy(q->data[q->count], data, size);
  q->size[q->count++] = size;
  return LV2_WORKER_SUCCESS;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle, uint32_t size, const void *data) {
  (void)handle;
  return enqueue(&requests, size, data);
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle, uint32_t size, const void *data) {
  (void)handle;
  return enqueue(&responses, size, data);
}

static LV2_Worker_Schedule schedule_feature = {NULL, schedule_work};

static int32_t nominal_block = BLOCK;
static LV2_Options_Option options[3];

enum {
  F_MAP = 1 << 0,
  F_OPTIONS = 1 << 1,
  F_LOG = 1 << 2,
  F_WORKER = 1 << 3,
  F_MAKE_PATH = 1 << 4,
  F_INLINE_DISPLAY = 1 << 5,
  F_ALL = (1 << 6) - 1
};

/* ---- The instance under test -------------------------------------------- */

typedef struct {
  const LilvPlugin *plugin;
  const LV2_Feature *features[16];
  LilvInstance *instance;
  const LV2_Worker_Interface *worker;
  const LV2_State_Interface *state;
  uint32_t channels;
  float controls[FS_PORT_IN_0];
  float learned;
  float in[2][BLOCK], out[2][BLOCK];
  uint8_t saved[8192];
  size_t saved_size;
  int save_status;
} host;

static host h; /* the children see it: they share the memory */

static LilvWorld *world;

static int child_instantiate(void *arg) {
  (void)arg;
  h.instance = lilv_plugin_instantiate(h.plugin, RATE, h.features);
  return h.instance ? 0 : 1;
}

static int child_connect(void *arg) {
  (void)arg;
  for (uint32_t i = 0; i < FS_PORT_IN_0; ++i) {
    lilv_instance_connect_port(h.instance, i, &h.controls[i]);
  }
  for (uint32_t c = 0; c < h.channels; ++c) {
    lilv_instance_connect_port(h.instance, FS_PORT_IN_0 + 2 * c, h.in[c]);
    lilv_instance_connect_port(h.instance, FS_PORT_OUT_0 + 2 * c, h.out[c]);
  }
  lilv_instance_connect_port(h.instance, fs_port_learned(h.channels), &h.learned);
  return 0;
}

static int child_activate(void *arg) {
  (void)arg;
  lilv_instance_activate(h.instance);
  return 0;
}

static int child_work(void *arg) {
  (void)arg;
  LV2_Handle handle = lilv_instance_get_handle(h.instance);
  for (uint32_t i = 0; h.worker && i < requests.count; ++i) {
    h.worker->work(handle, respond, NULL, requests.size[i], requests.data[i]);
  }
  requests.count = 0;
  return 0;
}

static int child_work_response(void *arg) {
  (void)arg;
  LV2_Handle handle = lilv_instance_get_handle(h.instance);
  for (uint32_t i = 0; h.worker && i < responses.count; ++i) {
    h.worker->work_response(handle, responses.size[i], responses.data[i]);
  }
  responses.count = 0;
  return 0;
}

/* One block; the host's worker, when there is one, gets its turn after
   every block in the parent's sequence below. */
static int child_run(void *arg) {
  const uint32_t block = *(const uint32_t *)arg;
  for (uint32_t c = 0; c < h.channels; ++c) {
    for (uint32_t i = 0; i < BLOCK; ++i) {
      const uint32_t n = block * BLOCK + i;
      h.in[c][i] = 0.3f * sinf(2.0f * 3.14159265f * 220.0f * (float)n / (float)RATE);
    }
  }
  lilv_instance_run(h.instance, BLOCK);
  return 0;
}

static LV2_State_Status store(LV2_State_Handle handle, uint32_t key, const void *value, size_t size, uint32_t type,
                              uint32_t flags) {
  (void)handle;
  (void)key;
  (void)type;
  (void)flags;
  if (size > sizeof(h.saved)) {
    return LV2_STATE_ERR_NO_SPACE;
  }
  memcpy(h.saved, value, size);
  h.saved_size = size;
  return LV2_STATE_SUCCESS;
}

static int child_save(void *arg) {
  (void)arg;
  h.save_status = h.state->save(lilv_instance_get_handle(h.instance), store, NULL, LV2_STATE_IS_POD, h.features);
  return 0;
}

static int child_deactivate(void *arg) {
  (void)arg;
  lilv_instance_deactivate(h.instance);
  return 0;
}

static int child_cleanup(void *arg) {
  (void)arg;
  lilv_instance_free(h.instance);
  h.instance = NULL;
  return 0;
}

/* ---- The child tasks ------------------------------------------------------ */

static void on_alarm(int signal) { (void)signal; }

/* Runs fn(arg) in a clone(CLONE_VM | SIGCHLD) child and waits for it as
   lv2lint does, blocked in waitpid() (so parent and child never run at
   once: they share the C library's thread state).  0 when the child
   ended with status 0; the alarm turns a wait that never ends into a
   failure. */
static int in_child(const char *what, int (*fn)(void *), void *arg) {
  char *stack = mmap(NULL, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  assert_true(stack != MAP_FAILED);
  const pid_t kid = clone(fn, stack + STACK_BYTES, CLONE_VM | SIGCHLD, arg);
  assert_true(kid > 0);
  alarm(HANG_SECONDS);
  int status = 0;
  pid_t got = waitpid(kid, &status, 0);
  const bool hung = got < 0 && errno == EINTR;
  alarm(0);
  if (hung) {
    print_error("%s: the child task has not ended after %u s (a thread outlives the callback)\n", what,
                HANG_SECONDS);
    kill(kid, SIGKILL);
    got = waitpid(kid, &status, 0);
  }
  munmap(stack, STACK_BYTES);
  assert_int_equal(got, kid);
  assert_false(hung);
  assert_true(WIFEXITED(status));
  return WEXITSTATUS(status);
}

/* ---- Journal checks ------------------------------------------------------- */

static void make_dir(char *path, size_t cap, const char *tag) {
  const char *base = getenv("TMPDIR");
  snprintf(path, cap, "%s/fs-clone-%s-XXXXXX", base && *base ? base : "/tmp", tag);
  assert_non_null(mkdtemp(path));
}

static void remove_dir(const char *dir) {
  char path[1024];
  const char *names[] = {"journal.jsonl", "journal.1.jsonl"};
  for (size_t i = 0; i < 2; ++i) {
    snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}

/* ---- The sequence ---------------------------------------------------------- */

static void build_features(int set) {
  static LV2_Feature f_map = {LV2_URID__map, &map}, f_unmap = {LV2_URID__unmap, &unmap};
  static LV2_Feature f_options = {LV2_OPTIONS__options, options};
  static LV2_Feature f_log = {LV2_LOG__log, &log_feature};
  static LV2_Feature f_schedule = {LV2_WORKER__schedule, &schedule_feature};
  static LV2_Feature f_make_path = {LV2_STATE__makePath, &make_path_feature};
  static LV2_Feature f_free_path = {LV2_STATE__freePath, &free_path_feature};
  static LV2_Feature f_queue_draw = {"http://harrisonconsoles.com/lv2/inlinedisplay#queue_draw",
                                     &queue_draw_feature};
  options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_BUF_SIZE__nominalBlockLength),
                                    sizeof(int32_t), map_uri(NULL, LV2_ATOM__Int), &nominal_block};
  options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_BUF_SIZE__maxBlockLength),
                                    sizeof(int32_t), map_uri(NULL, LV2_ATOM__Int), &nominal_block};
  options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
  uint32_t n = 0;
  if (set & F_MAP) {
    h.features[n++] = &f_map;
    h.features[n++] = &f_unmap;
  }
  if (set & F_OPTIONS) {
    h.features[n++] = &f_options;
  }
  if (set & F_LOG) {
    h.features[n++] = &f_log;
  }
  if (set & F_WORKER) {
    h.features[n++] = &f_schedule;
  }
  if (set & F_MAKE_PATH) {
    h.features[n++] = &f_make_path;
    h.features[n++] = &f_free_path;
  }
  if (set & F_INLINE_DISPLAY) {
    h.features[n++] = &f_queue_draw;
  }
  h.features[n] = NULL;
}

/* lv2lint's order, with enough runs for incidents, and a state save
   between run and deactivate. */
static void lint_like_run(const char *uri, int set) {
  LilvNode *node = lilv_new_uri(world, uri);
  const LilvPlugin *plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), node);
  lilv_node_free(node);
  assert_non_null(plugin);
  memset(&h, 0, sizeof(h));
  requests.count = responses.count = 0;
  h.plugin = plugin;
  h.channels = strstr(uri, "stereo") ? 2u : 1u;
  build_features(set);
  float defaults[FS_PORT_IN_0];
  lilv_plugin_get_port_ranges_float(plugin, NULL, NULL, defaults);
  for (uint32_t i = 0; i < FS_PORT_IN_0; ++i) {
    h.controls[i] = isnan(defaults[i]) ? 0.0f : defaults[i];
  }
  h.controls[FS_PORT_CHAOS] = 1.0f;     /* NaN state: incidents to journal */
  h.controls[FS_PORT_FREEWHEEL] = 1.0f; /* no deadline findings on a busy machine */

  char env_dir[512], other_dir[512];
  make_dir(env_dir, sizeof(env_dir), "env");
  make_dir(other_dir, sizeof(other_dir), "later");
  make_dir(make_path_dir, sizeof(make_path_dir), "state");
  char env_value[600];
  snprintf(env_value, sizeof(env_value), "%s/", env_dir);
  setenv("FAILSAFE_JOURNAL", env_value, 1);
  unsetenv("FAILSAFE_NO_JOURNAL");

  assert_int_equal(in_child("instantiate", child_instantiate, NULL), 0);
  /* Read at instantiation, so this must not move the journal. */
  snprintf(env_value, sizeof(env_value), "%s/", other_dir);
  setenv("FAILSAFE_JOURNAL", env_value, 1);
  h.worker = lilv_instance_get_extension_data(h.instance, LV2_WORKER__interface);
  h.state = lilv_instance_get_extension_data(h.instance, LV2_STATE__interface);
  assert_non_null(h.worker);
  assert_non_null(h.state);

  assert_int_equal(in_child("connect_port", child_connect, NULL), 0);
  assert_int_equal(in_child("activate", child_activate, NULL), 0);
  assert_int_equal(in_child("work", child_work, NULL), 0);
  assert_int_equal(in_child("work_response", child_work_response, NULL), 0);
  for (uint32_t b = 0; b < BLOCKS; ++b) {
    assert_int_equal(in_child("run", child_run, &b), 0);
    if (requests.count) {
      assert_int_equal(in_child("work", child_work, NULL), 0);
      assert_int_equal(in_child("work_response", child_work_response, NULL), 0);
    }
  }
  for (uint32_t c = 0; c < h.channels; ++c) {
    for (uint32_t i = 0; i < BLOCK; ++i) {
      assert_true(isfinite(h.out[c][i]));
    }
  }
  assert_true(h.controls[FS_PORT_INCIDENTS] >= 1.0f);

  assert_int_equal(in_child("save", child_save, NULL), 0);
  if (set & F_MAP) {
    assert_int_equal(h.save_status, LV2_STATE_SUCCESS);
    assert_true(h.saved_size > 16);
  } else {
    assert_int_equal(h.save_status, LV2_STATE_ERR_NO_FEATURE); /* no URID for the model's key */
  }
  assert_int_equal(in_child("deactivate", child_deactivate, NULL), 0);
  assert_int_equal(in_child("cleanup", child_cleanup, NULL), 0);

  /* The run's incidents are in the journal once the plugin is gone:
     in the host's folder when it offers one, else where the environment
     said at instantiation; never where it said later. */
  char path[1024];
  snprintf(path, sizeof(path), "%s/journal.jsonl", (set & F_MAKE_PATH) ? make_path_dir : env_dir);
  const uint32_t incidents = test_journal_lines(path, "\"type\":\"incident\"");
  const uint32_t models = test_journal_lines(path, "\"type\":\"model\"");
  print_message("# %s, features 0x%02x: %u incident lines, %u model lines, dropped %s\n", uri, (unsigned)set,
                incidents, models, test_journal_lines(path, "\"dropped_events\":0,") == models ? "none" : "SOME");
  assert_true(incidents >= 1);
  /* One from the run's drain, one from cleanup(), which is a child of its
     own: a file kept open since another child's call would lose it. */
  assert_true(models >= 2);
  assert_int_equal(test_journal_lines(path, "\"dropped_events\":0,"), models);
  snprintf(path, sizeof(path), "%s/journal.jsonl", other_dir);
  assert_int_equal(access(path, F_OK), -1);

  remove_dir(env_dir);
  remove_dir(other_dir);
  remove_dir(make_path_dir);
}

/* cmocka's state is the feature set. */
static void run_both(void **state) {
  const int set = *(const int *)*state;
  for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); ++i) {
    lint_like_run(uris[i], set);
  }
}

static int setup(void **state) {
  (void)state;
  struct sigaction action;
  memset(&action, 0, sizeof(action));
  action.sa_handler = on_alarm; /* no SA_RESTART: the alarm ends waitpid() */
  sigemptyset(&action.sa_mask);
  sigaction(SIGALRM, &action, NULL);
  world = lilv_world_new();
  lilv_world_load_all(world);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lilv_world_free(world);
  for (uint32_t i = 0; i < n_mapped; ++i) {
    free(mapped[i]);
  }
  return 0;
}

#define FEATURE_SET(name, set) {name, run_both, NULL, NULL, &(int){set}}

int main(void) {
  const struct CMUnitTest tests[] = {
      FEATURE_SET("no_features", 0),
      FEATURE_SET("urid_map_only", F_MAP),
      FEATURE_SET("options_with_map", F_MAP | F_OPTIONS),
      FEATURE_SET("log_with_map", F_MAP | F_LOG),
      FEATURE_SET("worker_only", F_WORKER),
      FEATURE_SET("worker_with_map", F_MAP | F_WORKER),
      FEATURE_SET("make_path_only", F_MAKE_PATH),
      FEATURE_SET("inline_display_only", F_INLINE_DISPLAY),
      FEATURE_SET("every_feature", F_ALL),
  };
  return cmocka_run_group_tests_name("lv2_clone_pattern", tests, setup, teardown);
}

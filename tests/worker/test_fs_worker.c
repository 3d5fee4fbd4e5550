/* fs_worker: the locks, the backlog, the environment and the drop count.

   - State save and restore return while a drain is stuck in the journal's
     I/O (a host's makePath call that does not return stands in for a hung
     open); learn() gives up instead of waiting.  A call that waited would
     hang the test: the alarm then ends it as a failure.
   - The journal goes where the environment said at creation, not where it
     says when the first record comes.
   - learn() puts what is waiting into the model without writing a line;
     the next drain writes those records first, in order, and returns the
     table learn() built.
   - Records lost to a full ring, and to a full ring upstream of it, are in
     the model line, in the log and in the figures.
   - No file stays open after a drain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_cause.h"
#include "fs_event_ring.h"
#include "fs_learner.h"
#include "fs_strategy.h"
#include "fs_worker.h"
#include "worker_test.h"
#include "test_journal_lines.h"

#define GUARD_SECONDS 30u /* far beyond any call here; only a wait for ever reaches it */

/* An incident that teaches the learner something: onset and outcome. */
static void push_incident(fs_event_ring *ring, uint32_t id) {
  fs_event e = test_event(FS_EVENT_ONSET, id, FS_CAUSE_MUSICAL_NOISE, FS_STRATEGY_ADJUST);
  assert_true(fs_event_ring_push(ring, &e));
  e = test_outcome(id, FS_CAUSE_MUSICAL_NOISE, FS_STRATEGY_ADJUST, 0);
  assert_true(fs_event_ring_push(ring, &e));
}

static fs_worker *make_worker(fs_event_ring *ring, const char *dir, fs_worker_dir_fn ask_dir, void *context,
                              uint32_t backlog) {
  const fs_worker_config config = {
      .seed = 7,
      .journal = true,
      .journal_dir = dir,
      .ask_dir = ask_dir,
      .log_context = context,
      .backlog = backlog,
  };
  fs_worker *w = fs_worker_create(ring, &config);
  assert_non_null(w);
  return w;
}

/* ---- A journal that hangs -------------------------------------------------- */

typedef struct {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  bool entered, released;
  char dir[256];
} gate;

/* Stands in for the host's makePath, asked on the drain's thread when the
   journal is first opened: it does not return until the test says so. */
static void stuck_dir(void *context, char *dir, size_t cap) {
  gate *g = context;
  pthread_mutex_lock(&g->lock);
  g->entered = true;
  pthread_cond_broadcast(&g->changed);
  while (!g->released) {
    pthread_cond_wait(&g->changed, &g->lock);
  }
  pthread_mutex_unlock(&g->lock);
  snprintf(dir, cap, "%s", g->dir);
}

typedef struct {
  fs_worker *worker;
  fs_strategy_table table;
} drain_job;

static void *drain_thread(void *arg) {
  drain_job *job = arg;
  fs_worker_drain(job->worker, &job->table);
  return NULL;
}

static void save_and_restore_never_wait_for_the_journal(void **state) {
  (void)state;
  gate g = {.lock = PTHREAD_MUTEX_INITIALIZER, .changed = PTHREAD_COND_INITIALIZER};
  test_make_dir(g.dir, sizeof(g.dir), "stuck");
  fs_event_ring *ring = fs_event_ring_create(64);
  fs_worker *w = make_worker(ring, NULL, stuck_dir, &g, 0);
  push_incident(ring, 1);

  drain_job job = {.worker = w};
  pthread_t thread;
  assert_int_equal(pthread_create(&thread, NULL, drain_thread, &job), 0);
  pthread_mutex_lock(&g.lock);
  while (!g.entered) {
    pthread_cond_wait(&g.changed, &g.lock);
  }
  pthread_mutex_unlock(&g.lock);

  /* The drain now sits in the journal's I/O, the records already learned. */
  alarm(GUARD_SECONDS);
  uint8_t blob[FS_LEARNER_BLOB_MAX];
  const size_t size = fs_worker_save(w, blob, sizeof(blob));
  assert_true(size > 0);
  fs_strategy_table table;
  assert_int_equal(fs_worker_restore(w, blob, size, &table), 0);
  assert_false(fs_worker_learn(w)); /* a drain is under way: it does not wait */
  alarm(0);

  pthread_mutex_lock(&g.lock);
  g.released = true;
  pthread_cond_broadcast(&g.changed);
  pthread_mutex_unlock(&g.lock);
  assert_int_equal(pthread_join(thread, NULL), 0);

  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/journal.jsonl", g.dir);
  assert_int_equal(test_journal_lines(path, "\"type\":\"incident\""), 2);
  fs_worker_destroy(w);
  fs_event_ring_destroy(ring);
  test_remove_tree(g.dir);
}

/* ---- The environment ------------------------------------------------------- */

static void environment_is_read_at_creation(void **state) {
  (void)state;
  char then[256], later[256], value[300];
  test_make_dir(then, sizeof(then), "env-then");
  test_make_dir(later, sizeof(later), "env-later");
  snprintf(value, sizeof(value), "%s/", then);
  setenv("FAILSAFE_JOURNAL", value, 1);
  fs_event_ring *ring = fs_event_ring_create(64);
  fs_worker *w = make_worker(ring, NULL, NULL, NULL, 0);
  snprintf(value, sizeof(value), "%s/", later);
  setenv("FAILSAFE_JOURNAL", value, 1);

  push_incident(ring, 1);
  fs_strategy_table table;
  fs_worker_drain(w, &table);
  fs_worker_destroy(w);
  fs_event_ring_destroy(ring);

  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/journal.jsonl", then);
  assert_int_equal(test_journal_lines(path, "\"type\":\"incident\""), 2);
  snprintf(path, sizeof(path), "%s/journal.jsonl", later);
  assert_int_equal(access(path, F_OK), -1);
  unsetenv("FAILSAFE_JOURNAL");
  test_remove_tree(then);
  test_remove_tree(later);
}

/* ---- Learning ahead of the journal ------------------------------------------ */

static void learn_goes_ahead_of_the_journal(void **state) {
  (void)state;
  char dir[256], path[PATH_MAX];
  test_make_dir(dir, sizeof(dir), "ahead");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  fs_event_ring *ring = fs_event_ring_create(64);
  fs_worker *w = make_worker(ring, dir, NULL, NULL, 64);
  fs_event_ring *quiet = fs_event_ring_create(2);
  fs_worker *untaught = make_worker(quiet, NULL, NULL, NULL, 0);
  for (uint32_t id = 1; id <= 10; ++id) {
    push_incident(ring, id);
  }

  assert_true(fs_worker_learn(w));
  assert_int_equal(fs_event_ring_size(ring), 0);
  assert_int_equal(access(path, F_OK), -1); /* learned, nothing written */
  uint8_t taught[FS_LEARNER_BLOB_MAX], blank[FS_LEARNER_BLOB_MAX];
  const size_t size = fs_worker_save(w, taught, sizeof(taught));
  assert_int_equal(fs_worker_save(untaught, blank, sizeof(blank)), size);
  assert_memory_not_equal(taught, blank, size);

  push_incident(ring, 11);
  fs_strategy_table table;
  assert_true(fs_worker_drain(w, &table)); /* the table learn() built */
  assert_int_equal(test_journal_lines(path, "\"type\":\"incident\""), 22);
  assert_int_equal(test_journal_lines(path, "\"type\":\"model\""), 1);
  /* In the ring's order: the backlog first, then the rest. */
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char line[16384];
  uint32_t last = 0;
  while (fgets(line, sizeof(line), f)) {
    const char *at = strstr(line, "\"id\":");
    if (at) {
      const uint32_t id = (uint32_t)strtoul(at + 5, NULL, 10);
      assert_true(id >= last);
      last = id;
    }
  }
  fclose(f);
  assert_int_equal(last, 11);

  fs_worker_stats stats;
  fs_worker_stats_get(w, &stats);
  assert_int_equal(stats.records, 22);
  assert_int_equal(stats.journal_lines, 23);
  fs_worker_destroy(w);
  fs_worker_destroy(untaught);
  fs_event_ring_destroy(quiet);
  fs_event_ring_destroy(ring);
  test_remove_tree(dir);
}

/* ---- Drops ------------------------------------------------------------------ */

static char logged[1024];
static void keep_log(void *context, fs_worker_log_level level, const char *message) {
  (void)context;
  if (level == FS_WORKER_WARNING) {
    snprintf(logged, sizeof(logged), "%s", message);
  }
}

static void drops_are_reported(void **state) {
  (void)state;
  char dir[256], path[PATH_MAX];
  test_make_dir(dir, sizeof(dir), "drops");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  fs_event_ring *spool = fs_event_ring_create(4);
  fs_event_ring *upstream = fs_event_ring_create(2);
  const fs_worker_config config = {.seed = 1, .journal = true, .journal_dir = dir, .log = keep_log,
                                   .upstream = upstream};
  fs_worker *w = fs_worker_create(spool, &config);
  assert_non_null(w);
  const fs_event e = test_event(FS_EVENT_ONSET, 1, FS_CAUSE_DEADLINE, FS_STRATEGY_LIGHT);
  for (int i = 0; i < 6; ++i) {
    fs_event_ring_push(spool, &e); /* 4 fit, 2 lost */
  }
  for (int i = 0; i < 3; ++i) {
    fs_event_ring_push(upstream, &e); /* 2 fit, 1 lost */
  }
  fs_strategy_table table;
  fs_worker_drain(w, &table);
  assert_int_equal(test_journal_lines(path, "\"dropped_events\":3,"), 1);
  assert_non_null(strstr(logged, "3 incident records lost"));
  fs_worker_stats stats;
  fs_worker_stats_get(w, &stats);
  assert_int_equal(stats.dropped, 3);
  assert_int_equal(stats.records, 4);

  /* No file of the journal is left open after the drain. */
  DIR *fds = opendir("/proc/self/fd");
  if (fds) {
    struct dirent *entry;
    char link[PATH_MAX + 64], target[PATH_MAX];
    while ((entry = readdir(fds))) {
      snprintf(link, sizeof(link), "/proc/self/fd/%s", entry->d_name);
      const ssize_t n = readlink(link, target, sizeof(target) - 1);
      if (n > 0) {
        target[n] = '\0';
        assert_null(strstr(target, "journal.jsonl"));
      }
    }
    closedir(fds);
  }
  fs_worker_destroy(w);
  fs_event_ring_destroy(spool);
  fs_event_ring_destroy(upstream);
  test_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(save_and_restore_never_wait_for_the_journal),
      cmocka_unit_test(environment_is_read_at_creation),
      cmocka_unit_test(learn_goes_ahead_of_the_journal),
      cmocka_unit_test(drops_are_reported),
  };
  return cmocka_run_group_tests_name("fs_worker", tests, NULL, NULL);
}

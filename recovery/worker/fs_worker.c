#include "fs_worker.h"

#include "fs_cause.h"
#include "fs_event_ring.h"
#include "fs_journal.h"
#include "fs_learner.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A model line in the journal at most this often, and a repeated warning
   at most this often, so a fault storm cannot flood disk or log. */
#define MODEL_LINE_SECONDS 5.0
#define WARNING_SECONDS 10.0
#define MAX_RECOMMENDATIONS 8u

struct fs_worker {
  fs_event_ring *events;
  fs_worker_config config;
  pthread_mutex_t lock; /* never taken by the audio thread */

  fs_learner *learner;
  fs_learner *scratch; /* a copy to build tables from without touching the model */
  fs_journal *journal;
  bool journal_tried;
  char journal_dir[PATH_MAX];

  fs_strategy_table last_table; /* the last one handed out */
  bool table_waiting;           /* built but not yet taken (internal thread) */
  fs_strategy_table waiting;

  double last_model_line;
  double last_warning;
  char said[MAX_RECOMMENDATIONS][32]; /* recommendations already logged */
  uint32_t said_count;

  fs_worker_stats stats;

  pthread_t thread;
  bool thread_running;
  atomic_bool stop;
  uint32_t period_ms;
};

static double seconds_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void say(fs_worker *w, fs_worker_log_level level, const char *message) {
  if (w->config.log) {
    w->config.log(w->config.log_context, level, message);
  }
}

fs_worker *fs_worker_create(fs_event_ring *events, const fs_worker_config *config) {
  fs_worker *w = calloc(1, sizeof(*w));
  if (!w) {
    return NULL;
  }
  w->events = events;
  w->config = *config;
  w->config.journal_dir = NULL; /* copied below; the caller's string may go */
  if (config->journal_dir) {
    snprintf(w->journal_dir, sizeof(w->journal_dir), "%s", config->journal_dir);
  }
  w->learner = fs_learner_create(config->seed);
  w->scratch = fs_learner_create(config->seed);
  if (!w->learner || !w->scratch || pthread_mutex_init(&w->lock, NULL) != 0) {
    fs_learner_destroy(w->learner);
    fs_learner_destroy(w->scratch);
    free(w);
    return NULL;
  }
  fs_strategy_table_default(&w->last_table);
  w->last_model_line = -MODEL_LINE_SECONDS;
  w->last_warning = -WARNING_SECONDS;
  atomic_init(&w->stop, false);
  return w;
}

void fs_worker_destroy(fs_worker *w) {
  if (!w) {
    return;
  }
  fs_worker_stop_thread(w);
  if (w->journal) {
    fs_journal_write_model(w->journal, w->learner, &w->last_table, fs_event_ring_dropped(w->events));
    fs_journal_close(w->journal);
  }
  fs_learner_destroy(w->learner);
  fs_learner_destroy(w->scratch);
  pthread_mutex_destroy(&w->lock);
  free(w);
}

/* Opens the journal the first time there is something to write. */
static void ensure_journal(fs_worker *w) {
  if (!w->config.journal || w->journal || w->journal_tried) {
    return;
  }
  w->journal_tried = true;
  if (!w->journal_dir[0] && w->config.ask_dir) {
    w->config.ask_dir(w->config.log_context, w->journal_dir, sizeof(w->journal_dir));
  }
  char path[PATH_MAX];
  if (fs_journal_resolve_path(w->journal_dir[0] ? w->journal_dir : NULL, path, sizeof(path)) != 0) {
    say(w, FS_WORKER_WARNING, "failsafe: no place for the incident journal; incidents are learned, not written");
    return;
  }
  w->journal = fs_journal_open(path, 0, 0);
}

static void warn_limited(fs_worker *w, const char *message) {
  const double now = seconds_now();
  if (now - w->last_warning >= WARNING_SECONDS) {
    w->last_warning = now;
    say(w, FS_WORKER_WARNING, message);
  }
}

/* Tells a person once about each new piece of advice. */
static void log_new_recommendations(fs_worker *w) {
  fs_recommendation advice[MAX_RECOMMENDATIONS];
  const size_t n = fs_learner_recommendations(w->learner, advice, MAX_RECOMMENDATIONS);
  for (size_t i = 0; i < n; ++i) {
    bool known = false;
    for (uint32_t j = 0; j < w->said_count && !known; ++j) {
      known = strcmp(w->said[j], advice[i].action) == 0;
    }
    if (!known && w->said_count < MAX_RECOMMENDATIONS) {
      char *slot = w->said[w->said_count++];
      _Static_assert(sizeof(w->said[0]) == sizeof(advice[0].action), "same key size");
      memcpy(slot, advice[i].action, sizeof(w->said[0]));
      slot[sizeof(w->said[0]) - 1] = '\0';
      char message[200];
      snprintf(message, sizeof(message), "failsafe: %s", advice[i].description);
      say(w, FS_WORKER_INFO, message);
    }
  }
}

/* Tables differ in what the audio thread would do, not in their number. */
static bool same_behaviour(const fs_strategy_table *a, const fs_strategy_table *b) {
  fs_strategy_table x = *a, y = *b;
  x.version = y.version = 0;
  return memcmp(&x, &y, sizeof(x)) == 0;
}

bool fs_worker_drain(fs_worker *w, fs_strategy_table *table) {
  pthread_mutex_lock(&w->lock);
  fs_event_ring *ring = w->events;
  fs_event e;
  bool learned = false, any = false;
  while (fs_event_ring_pop(ring, &e)) {
    any = true;
    w->stats.records++;
    ensure_journal(w);
    if (w->journal) {
      fs_journal_write_event(w->journal, &e);
    }
    fs_learner_observe(w->learner, &e);
    learned |= e.kind == FS_EVENT_OUTCOME || e.kind == FS_EVENT_ONSET;
    if (e.kind == FS_EVENT_QUARANTINED) {
      char message[160];
      snprintf(message, sizeof(message),
               "failsafe: the %s tier failed too many probes (%s) and is off until the plugin is reactivated",
               e.tier == 0 ? "full" : "light", fs_cause_name(e.cause));
      warn_limited(w, message);
    }
  }
  bool fresh = false;
  if (learned) {
    fs_strategy_table next;
    fs_learner_build_table(w->learner, &next);
    if (!w->config.frozen && !same_behaviour(&next, &w->last_table)) {
      w->last_table = next;
      w->stats.tables++;
      fresh = true;
    }
    log_new_recommendations(w);
  }
  if (any && w->journal && seconds_now() - w->last_model_line >= MODEL_LINE_SECONDS) {
    w->last_model_line = seconds_now();
    fs_journal_write_model(w->journal, w->learner, &w->last_table, fs_event_ring_dropped(ring));
  }
  if (fresh) {
    *table = w->last_table;
  }
  pthread_mutex_unlock(&w->lock);
  return fresh;
}

size_t fs_worker_save(fs_worker *w, uint8_t *blob, size_t cap) {
  pthread_mutex_lock(&w->lock);
  const size_t size = fs_learner_serialize(w->learner, blob, cap);
  pthread_mutex_unlock(&w->lock);
  return size <= cap ? size : 0;
}

int fs_worker_restore(fs_worker *w, const uint8_t *blob, size_t size, fs_strategy_table *table) {
  pthread_mutex_lock(&w->lock);
  const int error = fs_learner_deserialize(w->learner, blob, size);
  if (error != 0) {
    char message[160];
    snprintf(message, sizeof(message), "failsafe: saved model not loaded (%s); starting from the defaults",
             fs_learner_error_name(error));
    say(w, FS_WORKER_WARNING, message);
  }
  /* The table comes from a copy: building one advances the learner's own
     counters, and a restored model must stay exactly as it was saved. */
  uint8_t copy[FS_LEARNER_BLOB_MAX];
  const size_t size_copy = fs_learner_serialize(w->learner, copy, sizeof(copy));
  if (size_copy <= sizeof(copy) && fs_learner_deserialize(w->scratch, copy, size_copy) == 0) {
    fs_learner_build_table(w->scratch, &w->last_table);
  } else {
    fs_strategy_table_default(&w->last_table);
  }
  *table = w->last_table;
  if (w->thread_running) {
    /* The internal thread is the one producer of offers: it delivers this. */
    w->waiting = w->last_table;
    w->table_waiting = true;
  }
  pthread_mutex_unlock(&w->lock);
  return error;
}

bool fs_worker_delivers_tables(const fs_worker *w) { return w->thread_running; }

void fs_worker_stats_get(fs_worker *w, fs_worker_stats *stats) {
  pthread_mutex_lock(&w->lock);
  *stats = w->stats;
  if (w->journal) {
    stats->journal_errors = fs_journal_errors(w->journal);
    stats->journal_lines = fs_journal_lines(w->journal);
  }
  pthread_mutex_unlock(&w->lock);
}

/* The internal worker: drain, offer, sleep; at the lowest priority the
   system has, so it never competes with audio. */
static void *thread_main(void *arg) {
  fs_worker *w = arg;
#ifdef SCHED_IDLE
  const struct sched_param idle = {0};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle);
#endif
  const struct timespec pause = {.tv_sec = w->period_ms / 1000, .tv_nsec = (long)(w->period_ms % 1000) * 1000000L};
  while (!atomic_load(&w->stop)) {
    fs_strategy_table table;
    const bool fresh = fs_worker_drain(w, &table);
    /* The audio thread takes at most one table per hop; keep the newest
       until it has room.  Under the lock: restore() may hand over a table
       too, and the supervisor takes offers from one producer at a time. */
    pthread_mutex_lock(&w->lock);
    if (fresh) {
      w->waiting = table;
      w->table_waiting = true;
    }
    if (w->table_waiting && w->config.offer(w->config.offer_context, &w->waiting)) {
      w->table_waiting = false;
    }
    pthread_mutex_unlock(&w->lock);
    nanosleep(&pause, NULL);
  }
  return NULL;
}

bool fs_worker_start_thread(fs_worker *w, uint32_t period_ms) {
  if (w->thread_running) {
    return true;
  }
  w->period_ms = period_ms ? period_ms : 1;
  atomic_store(&w->stop, false);
  w->thread_running = pthread_create(&w->thread, NULL, thread_main, w) == 0;
  return w->thread_running;
}

void fs_worker_stop_thread(fs_worker *w) {
  if (!w->thread_running) {
    return;
  }
  atomic_store(&w->stop, true);
  pthread_join(w->thread, NULL);
  w->thread_running = false;
}

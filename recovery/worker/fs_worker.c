#include "fs_worker.h"

#include "fs_cause.h"
#include "fs_event_ring.h"
#include "fs_journal.h"
#include "fs_learner.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A model line in the journal at most this often, and a repeated warning
   at most this often, so a fault storm cannot flood disk or log. */
#define MODEL_LINE_SECONDS 5.0
#define WARNING_SECONDS 10.0
#define MAX_RECOMMENDATIONS 8u
/* Messages made while learning wait here until no lock that save or
   restore need is held: the recommendations, a quarantine and a drop
   warning at most. */
#define OUTBOX (MAX_RECOMMENDATIONS + 4u)
#define MESSAGE_MAX 200u

struct fs_worker {
  fs_event_ring *events;
  fs_worker_config config;
  /* The environment at creation (NULL: unset). */
  char *env_journal;
  char *env_xdg_state_home;
  char *env_home;

  /* The model lock: learner, tables, counters.  Held for memory work only. */
  pthread_mutex_t model_lock;
  fs_learner *learner;
  fs_learner *scratch; /* a copy to build tables from without touching the model */
  fs_strategy_table last_table; /* the newest table built or restored */
  bool table_unsent;            /* built, not yet returned by a drain */
  double last_warning;
  char said[MAX_RECOMMENDATIONS][32]; /* recommendations already logged */
  uint32_t said_count;
  uint64_t records, tables;

  /* The journal lock: the ring's consuming side and everything below.
     Held across file I/O; save and restore never take it. */
  pthread_mutex_t journal_lock;
  fs_event *backlog; /* learned, not yet written, in ring order */
  uint32_t backlog_count, backlog_cap;
  fs_journal *journal;
  bool journal_tried;
  char journal_dir[PATH_MAX];
  fs_learner *model_copy; /* what a model line is written from */
  uint8_t model_blob[FS_LEARNER_BLOB_MAX];
  double last_model_line;
  uint64_t dropped_said;
  char outbox[OUTBOX][MESSAGE_MAX];
  fs_worker_log_level outbox_level[OUTBOX];
  uint32_t outbox_count;
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

/* Journal lock held: a message for after the model lock is let go. */
static void queue_message(fs_worker *w, fs_worker_log_level level, const char *message) {
  if (w->outbox_count < OUTBOX) {
    snprintf(w->outbox[w->outbox_count], MESSAGE_MAX, "%s", message);
    w->outbox_level[w->outbox_count++] = level;
  }
}

/* Journal lock held, model lock not. */
static void send_messages(fs_worker *w) {
  for (uint32_t i = 0; i < w->outbox_count; ++i) {
    say(w, w->outbox_level[i], w->outbox[i]);
  }
  w->outbox_count = 0;
}

static char *copy_env(const char *name) {
  const char *value = getenv(name);
  return value ? strdup(value) : NULL;
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
  w->env_journal = copy_env("FAILSAFE_JOURNAL");
  w->env_xdg_state_home = copy_env("XDG_STATE_HOME");
  w->env_home = copy_env("HOME");
  w->backlog_cap = config->backlog > FS_WORKER_BATCH ? config->backlog : FS_WORKER_BATCH;
  w->backlog = calloc(w->backlog_cap, sizeof(fs_event));
  w->learner = fs_learner_create(config->seed);
  w->scratch = fs_learner_create(config->seed);
  w->model_copy = fs_learner_create(config->seed);
  bool ok = w->backlog && w->learner && w->scratch && w->model_copy;
  ok = ok && pthread_mutex_init(&w->model_lock, NULL) == 0;
  if (ok && pthread_mutex_init(&w->journal_lock, NULL) != 0) {
    pthread_mutex_destroy(&w->model_lock);
    ok = false;
  }
  if (!ok) {
    fs_learner_destroy(w->learner);
    fs_learner_destroy(w->scratch);
    fs_learner_destroy(w->model_copy);
    free(w->backlog);
    free(w->env_journal);
    free(w->env_xdg_state_home);
    free(w->env_home);
    free(w);
    return NULL;
  }
  fs_strategy_table_default(&w->last_table);
  w->last_model_line = -MODEL_LINE_SECONDS;
  w->last_warning = -WARNING_SECONDS;
  return w;
}

static uint64_t dropped_now(const fs_worker *w) {
  return fs_event_ring_dropped(w->events) + (w->config.upstream ? fs_event_ring_dropped(w->config.upstream) : 0u);
}

/* Journal lock held.  Opens the journal the first time there is something
   to write. */
static void ensure_journal(fs_worker *w) {
  if (!w->config.journal || w->journal || w->journal_tried) {
    return;
  }
  w->journal_tried = true;
  if (!w->journal_dir[0] && w->config.ask_dir) {
    w->config.ask_dir(w->config.log_context, w->journal_dir, sizeof(w->journal_dir));
  }
  char path[PATH_MAX];
  if (fs_journal_resolve_path_from(w->journal_dir[0] ? w->journal_dir : NULL, w->env_journal,
                                   w->env_xdg_state_home, w->env_home, path, sizeof(path)) != 0) {
    say(w, FS_WORKER_WARNING, "failsafe: no place for the incident journal; incidents are learned, not written");
    return;
  }
  w->journal = fs_journal_open(path, 0, 0);
}

/* Journal lock held.  The backlog to the journal, in order; outside the
   model lock, so a slow disk holds up drains only. */
static bool flush_backlog(fs_worker *w) {
  if (w->backlog_count == 0) {
    return false;
  }
  ensure_journal(w);
  for (uint32_t i = 0; w->journal && i < w->backlog_count; ++i) {
    fs_journal_write_event(w->journal, &w->backlog[i]);
  }
  w->backlog_count = 0;
  return true;
}

/* Journal lock held.  A model line from a copy of the learner taken under
   the model lock, written outside it. */
static void write_model_line(fs_worker *w) {
  fs_strategy_table table;
  pthread_mutex_lock(&w->model_lock);
  const size_t size = fs_learner_serialize(w->learner, w->model_blob, sizeof(w->model_blob));
  table = w->last_table;
  pthread_mutex_unlock(&w->model_lock);
  if (size <= sizeof(w->model_blob) && fs_learner_deserialize(w->model_copy, w->model_blob, size) == 0) {
    fs_journal_write_model(w->journal, w->model_copy, &table, dropped_now(w));
  }
}

void fs_worker_destroy(fs_worker *w) {
  if (!w) {
    return;
  }
  /* Records learned ahead of the journal are written before the last
     model line, so it accounts for them. */
  if (w->backlog_count > 0) {
    flush_backlog(w);
  }
  if (w->journal) {
    write_model_line(w);
    fs_journal_close(w->journal);
  }
  fs_learner_destroy(w->learner);
  fs_learner_destroy(w->scratch);
  fs_learner_destroy(w->model_copy);
  pthread_mutex_destroy(&w->model_lock);
  pthread_mutex_destroy(&w->journal_lock);
  free(w->backlog);
  free(w->env_journal);
  free(w->env_xdg_state_home);
  free(w->env_home);
  free(w);
}

/* Model lock held. */
static void warn_limited(fs_worker *w, const char *message) {
  const double now = seconds_now();
  if (now - w->last_warning >= WARNING_SECONDS) {
    w->last_warning = now;
    queue_message(w, FS_WORKER_WARNING, message);
  }
}

/* Model lock held.  Tells a person once about each new piece of advice. */
static void note_new_recommendations(fs_worker *w) {
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
      char message[MESSAGE_MAX];
      snprintf(message, sizeof(message), "failsafe: %s", advice[i].description);
      queue_message(w, FS_WORKER_INFO, message);
    }
  }
}

/* Tables differ in what the audio thread would do, not in their number. */
static bool same_behaviour(const fs_strategy_table *a, const fs_strategy_table *b) {
  fs_strategy_table x = *a, y = *b;
  x.version = y.version = 0;
  return memcmp(&x, &y, sizeof(x)) == 0;
}

/* Journal lock held.  Moves up to `room` records from the ring to the
   backlog and learns from them; the model lock only for that.  Returns
   how many. */
static uint32_t take(fs_worker *w, uint32_t room) {
  fs_event *next = w->backlog + w->backlog_count;
  uint32_t n = 0;
  while (n < room && fs_event_ring_pop(w->events, &next[n])) {
    ++n;
  }
  if (n == 0) {
    return 0;
  }
  pthread_mutex_lock(&w->model_lock);
  bool learned = false;
  for (uint32_t i = 0; i < n; ++i) {
    const fs_event *e = &next[i];
    w->records++;
    fs_learner_observe(w->learner, e);
    learned |= e->kind == FS_EVENT_OUTCOME || e->kind == FS_EVENT_ONSET;
    if (e->kind == FS_EVENT_QUARANTINED) {
      char message[MESSAGE_MAX];
      snprintf(message, sizeof(message),
               "failsafe: the %s tier failed too many probes (%s) and is off until the plugin is reactivated",
               e->tier == 0 ? "full" : "light", fs_cause_name(e->cause));
      warn_limited(w, message);
    }
  }
  if (learned) {
    fs_strategy_table built;
    fs_learner_build_table(w->learner, &built);
    if (!w->config.frozen && !same_behaviour(&built, &w->last_table)) {
      w->last_table = built;
      w->table_unsent = true;
      w->tables++;
    }
    note_new_recommendations(w);
  }
  pthread_mutex_unlock(&w->model_lock);
  w->backlog_count += n;
  return n;
}

bool fs_worker_drain(fs_worker *w, fs_strategy_table *table) {
  pthread_mutex_lock(&w->journal_lock);
  /* What learn() took goes first, so the journal keeps the ring's order. */
  bool any = flush_backlog(w);
  while (take(w, FS_WORKER_BATCH) > 0) {
    any |= flush_backlog(w);
  }
  const uint64_t dropped = dropped_now(w);
  const bool new_drops = dropped > w->dropped_said;
  if (new_drops) {
    char message[MESSAGE_MAX];
    snprintf(message, sizeof(message),
             "failsafe: %llu incident records lost so far: the queue was full before it could be drained",
             (unsigned long long)dropped);
    queue_message(w, FS_WORKER_WARNING, message);
    w->dropped_said = dropped;
  }
  /* A model line now and then, and at once when records were lost, so
     the journal says so even if the run ends badly. */
  if (w->journal && ((any && seconds_now() - w->last_model_line >= MODEL_LINE_SECONDS) || new_drops)) {
    w->last_model_line = seconds_now();
    write_model_line(w);
  }
  /* No file stays open between calls: the next may come from another
     process sharing this memory but not its file descriptors. */
  fs_journal_release(w->journal);
  send_messages(w);
  pthread_mutex_lock(&w->model_lock);
  const bool fresh = w->table_unsent;
  if (fresh) {
    *table = w->last_table;
    w->table_unsent = false;
  }
  pthread_mutex_unlock(&w->model_lock);
  pthread_mutex_unlock(&w->journal_lock);
  return fresh;
}

bool fs_worker_learn(fs_worker *w) {
  if (pthread_mutex_trylock(&w->journal_lock) != 0) {
    return false; /* a drain is under way and will learn it all */
  }
  take(w, w->backlog_cap - w->backlog_count);
  send_messages(w);
  pthread_mutex_unlock(&w->journal_lock);
  return true;
}

size_t fs_worker_save(fs_worker *w, uint8_t *blob, size_t cap) {
  pthread_mutex_lock(&w->model_lock);
  const size_t size = fs_learner_serialize(w->learner, blob, cap);
  pthread_mutex_unlock(&w->model_lock);
  return size <= cap ? size : 0;
}

int fs_worker_restore(fs_worker *w, const uint8_t *blob, size_t size, fs_strategy_table *table) {
  pthread_mutex_lock(&w->model_lock);
  const int error = fs_learner_deserialize(w->learner, blob, size);
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
  w->table_unsent = false; /* the caller delivers this one instead */
  pthread_mutex_unlock(&w->model_lock);
  if (error != 0) {
    char message[MESSAGE_MAX];
    snprintf(message, sizeof(message), "failsafe: saved model not loaded (%s); starting from the defaults",
             fs_learner_error_name(error));
    say(w, FS_WORKER_WARNING, message);
  }
  return error;
}

void fs_worker_stats_get(fs_worker *w, fs_worker_stats *stats) {
  memset(stats, 0, sizeof(*stats));
  pthread_mutex_lock(&w->journal_lock);
  pthread_mutex_lock(&w->model_lock);
  stats->records = w->records;
  stats->tables = w->tables;
  pthread_mutex_unlock(&w->model_lock);
  if (w->journal) {
    stats->journal_errors = fs_journal_errors(w->journal);
    stats->journal_lines = fs_journal_lines(w->journal);
  }
  stats->dropped = dropped_now(w);
  pthread_mutex_unlock(&w->journal_lock);
}

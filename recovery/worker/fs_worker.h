/*
  fs_worker: everything slow, off the audio thread.

  It drains the supervisor's incident ring, writes each record to the
  journal, feeds the learner, and when the learner's view changes builds a
  new strategy table for the audio thread.  The caller delivers that table:
  through the host's worker (work() -> respond -> work_response() ->
  fs_supervisor_offer_table()), or through the internal thread this module
  can run for hosts without a worker, which calls the config's `offer`.  Either way the audio thread never
  waits: it only ever takes a finished table at a hop boundary.

  The learned model persists as a versioned, checksummed blob (save and
  restore, for LV2 state).

  Of the net it knows only the hand-over (recovery/handover/): the ring it
  drains and the table it offers.

  Threading: create/destroy instantiation class.  Everything else is worker
  class, from any non-audio thread: a mutex inside keeps the drain, state
  save and state restore from overlapping.  The audio thread never calls in.
*/
#ifndef FS_WORKER_H
#define FS_WORKER_H

#include "fs_event_ring.h"
#include "fs_strategy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { FS_WORKER_INFO = 0, FS_WORKER_WARNING = 1 } fs_worker_log_level;

/* Messages for a person (the plugin passes them to log:log). */
typedef void (*fs_worker_log_fn)(void *context, fs_worker_log_level level, const char *message);

/* Asked, on the worker's thread, the first time the journal is opened:
   writes the host's state directory into dir (cap bytes), or "" for none.
   Lazily, because some hosts cannot answer while the plugin is still
   being instantiated. */
typedef void (*fs_worker_dir_fn)(void *context, char *dir, size_t cap);

/* Called by the internal thread (worker class) to hand a table to the
   audio thread; false when it has no room yet (the table is offered again
   later).  The plugin passes fs_supervisor_offer_table. */
typedef bool (*fs_worker_offer_fn)(void *context, const fs_strategy_table *table);

typedef struct {
  uint64_t seed;           /* the learner's exploration */
  bool frozen;             /* learning held still: never a new table */
  bool journal;            /* write the journal (else learn only) */
  const char *journal_dir; /* the host's state directory, or NULL */
  fs_worker_dir_fn ask_dir; /* or asked for later (may be NULL) */
  fs_worker_log_fn log;    /* may be NULL */
  void *log_context;       /* for both callbacks */
  fs_worker_offer_fn offer; /* for the internal thread (may be NULL without it) */
  void *offer_context;
} fs_worker_config;

typedef struct fs_worker fs_worker;

/* Instantiation.  `events` is the ring the audio thread fills; only
   popped from, not owned. */
fs_worker *fs_worker_create(fs_event_ring *events, const fs_worker_config *config);
void fs_worker_destroy(fs_worker *worker);

/* Worker.  Drains every waiting record.  Returns true and fills `table`
   when a new strategy table is ready for the audio thread. */
bool fs_worker_drain(fs_worker *worker, fs_strategy_table *table);

/* Worker.  The learned model as a blob (0 when it does not fit `cap`). */
size_t fs_worker_save(fs_worker *worker, uint8_t *blob, size_t cap);

/* Worker.  Loads a blob saved earlier.  0 on success and `table` holds
   the restored ranking; otherwise a negative error (see fs_learner.h),
   the model is back at its defaults, a warning is logged, and `table` holds
   the default ranking.  When the internal thread runs, it delivers the
   table itself (see fs_worker_delivers_tables). */
int fs_worker_restore(fs_worker *worker, const uint8_t *blob, size_t size, fs_strategy_table *table);

/* Any thread.  True when the internal thread runs: it is then the only
   one that offers tables to the supervisor, so nobody else may. */
bool fs_worker_delivers_tables(const fs_worker *worker);

/* Instantiation.  For hosts without a worker: a low-priority thread that
   drains every `period_ms` and offers tables itself, through the
   config's `offer`. */
bool fs_worker_start_thread(fs_worker *worker, uint32_t period_ms);
void fs_worker_stop_thread(fs_worker *worker);

/* Worker.  Figures for tests and reports. */
typedef struct {
  uint64_t records;        /* drained so far */
  uint64_t tables;         /* new tables built */
  uint64_t journal_errors; /* lines lost to write errors */
  uint64_t journal_lines;
} fs_worker_stats;
void fs_worker_stats_get(fs_worker *worker, fs_worker_stats *stats);

#endif

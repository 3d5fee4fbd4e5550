/*
  fs_worker: everything slow, off the audio thread.

  It drains the supervisor's incident ring, writes each record to the
  journal, feeds the learner, and when the learner's view changes builds a
  new strategy table for the audio thread.  The caller delivers that table
  (the plugin: through the host's worker, work() -> respond ->
  work_response() -> fs_supervisor_offer_table(); without one, from its
  deactivate()).  The audio thread never waits: it only ever takes a
  finished table at a hop boundary.

  It runs no thread of its own: every call runs on its caller's thread and
  returns when done, so nothing it does outlives the host's callback that
  asked for it (a host that runs each callback in a child task and waits
  for that task to end, as lv2lint does, is never kept waiting).  For the
  same hosts no file stays open from one call to the next: such a child
  shares the memory but not the file descriptors, so a descriptor kept
  from another child would be invalid, or another file.

  The learned model persists as a versioned, checksummed blob (save and
  restore, for LV2 state).

  Two locks, so that no host call waits for the journal:
  - the model lock covers the learner and the last table, and is only
    ever held for work in memory (never across file I/O or a callback);
  - the journal lock covers the consuming side of the ring, the backlog
    and the journal, and is held across the journal's file I/O.
  Save and restore take the model lock only, so they return at once even
  while a drain is stuck in a slow or hung file system; learn() only tries
  the journal lock and gives up rather than wait.

  The environment that places the journal (FAILSAFE_JOURNAL,
  XDG_STATE_HOME, HOME) is read once, in create: getenv() is not safe
  while another thread may call setenv(), and the journal goes where the
  environment of instantiation said.

  Of the net it knows only the hand-over (recovery/handover/): the ring it
  drains and the table it offers.

  Threading: create/destroy instantiation class (destroy writes the last
  model line).  Everything else is worker class, from any non-audio thread.
  The audio thread never calls in.
*/
#ifndef FS_WORKER_H
#define FS_WORKER_H

#include "fs_event_ring.h"
#include "fs_strategy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Records taken from the ring per step of a drain when the config asks for
   no larger backlog: the model lock is released between steps. */
#define FS_WORKER_BATCH 256u

typedef enum { FS_WORKER_INFO = 0, FS_WORKER_WARNING = 1 } fs_worker_log_level;

/* Messages for a person (the plugin passes them to log:log).  Never called
   with a lock held that save or restore need. */
typedef void (*fs_worker_log_fn)(void *context, fs_worker_log_level level, const char *message);

/* Asked, on a drain's thread, the first time the journal is opened:
   writes the host's state directory into dir (cap bytes), or "" for none.
   Lazily, because some hosts cannot answer while the plugin is still
   being instantiated.  Part of the journal's I/O: may block, and then
   blocks drains only. */
typedef void (*fs_worker_dir_fn)(void *context, char *dir, size_t cap);

typedef struct {
  uint64_t seed;           /* the learner's exploration */
  bool frozen;             /* learning held still: never a new table */
  bool journal;            /* write the journal (else learn only) */
  const char *journal_dir; /* the host's state directory, or NULL */
  fs_worker_dir_fn ask_dir; /* or asked for later (may be NULL) */
  fs_worker_log_fn log;    /* may be NULL */
  void *log_context;       /* for both callbacks */
  /* Records fs_worker_learn() may take ahead of the journal; 0 gives
     FS_WORKER_BATCH.  A caller that learns before saving state and wants
     everything waiting in the model passes the ring's capacity. */
  uint32_t backlog;
  /* A ring whose records reach `events` through the audio thread (a
     spool): its drops are lost records too, and are counted with those of
     `events`.  NULL when `events` is the audio thread's own ring. */
  const fs_event_ring *upstream;
} fs_worker_config;

typedef struct fs_worker fs_worker;

/* Instantiation.  `events` is the ring to drain; only popped from, not
   owned.  Reads the environment (see above). */
fs_worker *fs_worker_create(fs_event_ring *events, const fs_worker_config *config);
/* Instantiation.  Writes a last model line when the journal is open (what
   is still in the ring is not drained: call fs_worker_drain first). */
void fs_worker_destroy(fs_worker *worker);

/* Worker.  Drains every waiting record: journal, learner.  Returns true
   and fills `table` when a strategy table is ready that no call has
   returned yet.  May block on the journal's file I/O; meanwhile save,
   restore and learn go on. */
bool fs_worker_drain(fs_worker *worker, fs_strategy_table *table);

/* Worker.  Learns from the waiting records (up to the backlog's room)
   without writing them: they wait for the next drain, which journals
   them first, in order.  Never does file I/O, never waits for a drain:
   false when one is under way (then it learns nothing; the drain will).
   A table it builds is returned by the next fs_worker_drain. */
bool fs_worker_learn(fs_worker *worker);

/* Worker.  The learned model as a blob (0 when it does not fit `cap`).
   Never waits for the journal. */
size_t fs_worker_save(fs_worker *worker, uint8_t *blob, size_t cap);

/* Worker.  Loads a blob saved earlier.  0 on success and `table` holds
   the restored ranking; otherwise a negative error (see fs_learner.h),
   the model is back at its defaults, a warning is logged, and `table`
   holds the default ranking.  The caller delivers `table`; a table built
   earlier and not yet returned is superseded.  Never waits for the
   journal. */
int fs_worker_restore(fs_worker *worker, const uint8_t *blob, size_t size, fs_strategy_table *table);

/* Worker.  Figures for tests and reports (waits for a drain to finish). */
typedef struct {
  uint64_t records;        /* taken from the ring so far (learned) */
  uint64_t tables;         /* new tables built */
  uint64_t journal_errors; /* lines lost to write errors */
  uint64_t journal_lines;
  uint64_t dropped;        /* records lost to a full ring (upstream too) */
} fs_worker_stats;
void fs_worker_stats_get(fs_worker *worker, fs_worker_stats *stats);

#endif

/*
  fs_journal: the incident journal, JSON Lines, one record per line.

    {"type":"incident","kind":"onset","id":3,"position":96000,
     "cause":"deadline","class":"resource","severity":"high",...}
    {"type":"model","table_version":7,"dropped_events":0,"causes":[...]}

  Incident lines carry every field of fs_event (names for kind, cause and
  action; times in ms and in samples; controls and levels as objects);
  non-finite numbers are written as null.  Model lines are snapshots of
  the learner: per cause its incidents and, per strategy tried, tries and
  successes, plus the dropped_events figure the caller passes in (records
  the audio thread could not queue).

  The file (fs_journal_file.h says how) is shared: several writers may
  append to one journal (instances in one host, hosts on one machine, all
  on the default path) and rotate it together.  Each line goes in whole,
  after a check of the file's real size: past max_bytes, exactly one
  writer renames journal.jsonl -> journal.1.jsonl (journal.1 ->
  journal.2 ... up to `keep` old files) and starts a new one, which the
  others follow.  A full disk or RLIMIT_FSIZE loses the line but leaves
  no half line, and the SIGXFSZ a size limit raises cannot kill the host.
  Folders made for the journal are 0700 and a file it creates 0600, as
  the XDG base directory spec asks of state; existing ones keep their
  modes.  Only a regular file is written: a symlink at the journal's name
  is not followed (ELOOP), a FIFO or device there is refused without
  blocking (ENXIO or EINVAL), so a file planted in a shared folder can
  neither redirect the journal nor hang the worker.

  Failures (full disk, read-only or missing directory, a path through a
  regular file, a refused file) never stop the caller: the line is lost, the error is
  counted (fs_journal_errors) and the next write tries to reopen.

  Threading: worker class only; every write does file I/O: it waits for
  the disk, and for other writers' lock at most about 30 ms.
*/
#ifndef FS_JOURNAL_H
#define FS_JOURNAL_H

#include "fs_event.h"
#include "fs_learner.h"

#include <stddef.h>
#include <stdint.h>

#define FS_JOURNAL_FILE_NAME "journal.jsonl"
#define FS_JOURNAL_DEFAULT_MAX_BYTES (1024u * 1024u)
#define FS_JOURNAL_DEFAULT_KEEP 1u
/* Longest line written; longer would be a bug, and is counted as an error. */
#define FS_JOURNAL_LINE_MAX 8192u

typedef struct fs_journal fs_journal;

/* Where the journal goes, into out (cap bytes):
     state_dir (the host's state:makePath directory) when not NULL/empty;
     else $FAILSAFE_JOURNAL: a directory when it is one or ends in '/',
       else the file itself;
     else $XDG_STATE_HOME/failsafe/;
     else $HOME/.local/state/failsafe/;
   a directory gets FS_JOURNAL_FILE_NAME appended.  Missing directories are
   created (0700).  Returns 0, or -1 when nothing usable is set, the path
   does not fit, or a directory cannot be created (out still holds the
   path when it fit, for the message).  Reads the environment with
   getenv() on the calling thread, so never call it beside a thread that
   may change the environment. */
int fs_journal_resolve_path(const char *state_dir, char *out, size_t cap);

/* The same with the environment passed in (NULL: unset): fs_worker reads
   it once at instantiation and resolves the path later with this. */
int fs_journal_resolve_path_from(const char *state_dir, const char *journal_env,
                                 const char *xdg_state_home, const char *home, char *out,
                                 size_t cap);

/* Opens (creates, appends to) path.  max_bytes 0 means the default, keep 0
   means FS_JOURNAL_DEFAULT_KEEP.  NULL only when out of memory or path is
   NULL; an unwritable path gives a journal whose writes count errors. */
fs_journal *fs_journal_open(const char *path, uint64_t max_bytes, unsigned keep);
void fs_journal_close(fs_journal *journal);

/* Closes the file until the next write, which reopens it; the counters
   stay.  For a caller whose next write may come from another process that
   shares its memory but not its file descriptors (a host that runs each
   callback in a child task, as lv2lint does): call it in the same call
   that wrote. */
void fs_journal_release(fs_journal *journal);

/* One line each; 0 when written, -1 when lost (and counted). */
int fs_journal_write_event(fs_journal *journal, const fs_event *event);
int fs_journal_write_model(fs_journal *journal, const fs_learner *learner,
                           const fs_strategy_table *table, uint64_t dropped_events);

/* Lines lost to write errors since open, and the errno of the last one. */
uint64_t fs_journal_errors(const fs_journal *journal);
int fs_journal_last_errno(const fs_journal *journal);
/* Lines written since open; rotations since open. */
uint64_t fs_journal_lines(const fs_journal *journal);
uint64_t fs_journal_rotations(const fs_journal *journal);
const char *fs_journal_path(const fs_journal *journal);

#endif

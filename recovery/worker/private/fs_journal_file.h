/*
  fs_journal_file: the journal's file, append-only JSON Lines that several
  writers share (instances in one host, hosts on one machine: all of them
  write to the default path) and rotate together.  fs_journal formats the
  lines; this unit gets each one into the file whole.

  Sharing.  Nothing relies on one writer's own count.  Before each line a
  writer takes an flock() on the file it holds (it belongs to the open
  file, so two writers in one process exclude each other too), waiting
  about 30 ms at most: then it writes without it, since one append of a
  whole line stays whole on its own, and only rotation and cutting back a
  short write need the lock.  It checks that the name still leads to the
  file it holds (st_dev, st_ino), else follows the name.

  Rotation.  When the line would take the file's real size (fstat, under
  the lock) past max_bytes, the lock holder renames journal.jsonl ->
  journal.1.jsonl (journal.1 -> journal.2 ... up to `keep` old files),
  creates the new file, and only then lets go of the old one's lock; the
  others, once they get that lock, find the name leading to the new file
  and follow it.  One rotation per overflow, no line lost or written
  twice.  A writer that keeps finding the name moved (busy writers filling
  new files while it waits) writes, after a few rounds, into the file it
  holds: a line in journal.1 beats a line lost.  Should a rename fail, the
  file grows past the bound rather than lose lines.

  Whole lines.  A line is one write() to the O_APPEND file.  When the disk
  is full or RLIMIT_FSIZE stops it short, the part written is cut off
  again (ftruncate: under the lock always; without it only when nobody
  appended since), so the file does not end in half a line.  A write
  past RLIMIT_FSIZE raises SIGXFSZ, whose default action would kill the
  host: the process's signal handling is the host's and is not touched;
  SIGXFSZ is blocked in the writing thread for the one write, and the
  signal that write raised is taken back (sigtimedwait, no wait) before
  the thread's mask is restored.  A file found ending mid-line (a writer
  that died mid-write, a stump that could not be cut) gets a newline in
  front of the next line: the stump is one malformed line, which the
  reader skips, never glued to a good one.

  Hostile files.  Only a regular file is written: O_NOFOLLOW refuses a
  symlink at the journal's name (ELOOP), O_NONBLOCK keeps a FIFO there
  from blocking open() (ENXIO without a reader), and anything else that
  is not a regular file is refused (EINVAL).  A file this unit creates is
  0600 (private state, as the XDG base directory spec asks); an existing
  one keeps its mode.

  Threading: worker class; every call but the getters does file I/O, and
  waits at most for the lock's ~30 ms and the disk.
*/
#ifndef FS_JOURNAL_FILE_H
#define FS_JOURNAL_FILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct fs_journal_file fs_journal_file;

/* Nothing is opened yet: the first line does it.  NULL when out of memory
   or path is NULL.  keep 0 means 1. */
fs_journal_file *fs_journal_file_open(const char *path, uint64_t max_bytes, unsigned keep);
void fs_journal_file_close(fs_journal_file *file);

/* Closes the descriptors (not the handle): the next line reopens.  See
   fs_journal_release. */
void fs_journal_file_release(fs_journal_file *file);

/* One whole line, ending in '\n'.  0 when it is in the file; else the
   errno value of what stopped it (EFBIG, ENOSPC, ELOOP, ENXIO, EINVAL,
   ENOTDIR, ...), the line is not in the file, and the file is closed so
   the next line reopens it. */
int fs_journal_file_append(fs_journal_file *file, const char *line, size_t len);

/* Rotations this writer made; the path as given. */
uint64_t fs_journal_file_rotations(const fs_journal_file *file);
const char *fs_journal_file_path(const fs_journal_file *file);

#endif

/* The journal's file, shared by its writers (see fs_journal_file.h). */
#include "fs_journal_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct fs_journal_file {
  char *path;
  int fd;      /* appends; -1 while closed: the next line (re)opens */
  int read_fd; /* the same file read-only, for its last byte; -1 when unreadable */
  uint64_t max_bytes;
  unsigned keep;
  uint64_t rotations;
};

fs_journal_file *fs_journal_file_open(const char *path, uint64_t max_bytes, unsigned keep) {
  fs_journal_file *j = path ? calloc(1, sizeof(*j)) : NULL;
  if (!j) return NULL;
  j->path = strdup(path);
  if (!j->path) {
    free(j);
    return NULL;
  }
  j->fd = j->read_fd = -1;
  j->max_bytes = max_bytes;
  j->keep = keep ? keep : 1u;
  return j;
}

static void close_file(fs_journal_file *j) {
  if (j->fd >= 0) close(j->fd);
  if (j->read_fd >= 0) close(j->read_fd);
  j->fd = j->read_fd = -1;
}

void fs_journal_file_release(fs_journal_file *j) {
  if (j) close_file(j);
}

void fs_journal_file_close(fs_journal_file *j) {
  if (!j) return;
  close_file(j);
  free(j->path);
  free(j);
}

uint64_t fs_journal_file_rotations(const fs_journal_file *j) { return j->rotations; }
const char *fs_journal_file_path(const fs_journal_file *j) { return j->path; }

/* Opens path without following a symlink and without blocking on a FIFO;
   the fd, or -1 with errno (EINVAL: not a regular file). */
static int open_regular(const char *path, int access, struct stat *st) {
  const int fd = open(path, access | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (fd < 0) return -1;
  int error = 0;
  if (fstat(fd, st) != 0) {
    error = errno;
  } else if (!S_ISREG(st->st_mode)) {
    error = EINVAL;
  } else {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) error = errno;
  }
  if (error) {
    close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

/* Opens the journal for appending, which must be a regular file.  The
   journal often lives in a folder others can write to (a shared session):
   O_NOFOLLOW refuses a symlink planted at its name (ELOOP), which would
   make us append to whatever it points at, and O_NONBLOCK keeps a FIFO
   planted there from blocking open() for ever (ENXIO without a reader).
   Anything that opens but is not a regular file (a FIFO with a reader, a
   device) is refused too (EINVAL).  Blocking writes come back once the
   file is known to be a regular one.  A new file is made 0600 (the
   journal is private state); an existing one keeps its mode.

   The same file is opened read-only beside it, checked to be the same
   inode, only to read its last byte: a line cut short by a writer that
   died mid-write (or one from before this version) must not have the
   next line glued onto it.  A file we may not read just goes without that
   check. */
static bool reopen(fs_journal_file *j) {
  if (j->fd >= 0) return true;
  struct stat st, rst;
  const int fd = open_regular(j->path, O_WRONLY | O_CREAT | O_APPEND, &st);
  if (fd < 0) return false;
  j->fd = fd;
  const int read_fd = open_regular(j->path, O_RDONLY, &rst);
  if (read_fd >= 0 && (rst.st_dev != st.st_dev || rst.st_ino != st.st_ino)) {
    close(read_fd); /* renamed in between: the next line's check reopens */
  } else if (read_fd >= 0) {
    j->read_fd = read_fd;
  }
  return true;
}

/* journal.jsonl, n -> journal.n.jsonl (a name without extension gets .n). */
static void rotated_name(const char *path, unsigned n, char *out, size_t cap) {
  const char *base = strrchr(path, '/');
  const char *dot = strrchr(base ? base + 1 : path, '.');
  if (!dot || dot == (base ? base + 1 : path)) {
    snprintf(out, cap, "%s.%u", path, n);
  } else {
    snprintf(out, cap, "%.*s.%u%s", (int)(dot - path), path, n, dot);
  }
}

/* Moves the live file away (journal -> journal.1 -> ... journal.keep).
   Called only by the writer holding the live file's lock, after checking
   the name still is that file: of several writers that find it full, one
   rotates and the others, once they get the lock, find the name holding a
   new file and follow it.  The caller keeps its descriptor (and the lock)
   until it has opened the new file. */
static bool rotate(fs_journal_file *j) {
  char from[4200], to[4200];
  for (unsigned n = j->keep; n > 1; --n) {
    rotated_name(j->path, n - 1, from, sizeof(from));
    rotated_name(j->path, n, to, sizeof(to));
    (void)rename(from, to); /* an older file may not exist yet */
  }
  rotated_name(j->path, 1, to, sizeof(to));
  /* Should the rename fail the file simply goes on growing: losing lines
     would be worse than exceeding the bound. */
  if (rename(j->path, to) != 0) return false;
  ++j->rotations;
  return true;
}

/* A line lost: the file is closed, so the next line reopens it (the disk
   may have room again, the folder may be back); the error for the
   caller. */
static int lose(fs_journal_file *j, int error) {
  close_file(j);
  return error ? error : EIO;
}

/* Does the name still lead to the file we hold?  Another writer (another
   instance, another process) may have rotated it away, or someone removed
   it: then we follow the name. */
static bool still_the_file(const fs_journal_file *j, const struct stat *held) {
  struct stat st;
  return lstat(j->path, &st) == 0 && st.st_dev == held->st_dev && st.st_ino == held->st_ino;
}

/* Takes the writers' lock on the file we hold: an flock(), which every
   instance of failsafe takes (it belongs to the open file, so two
   instances in one process exclude each other too).  Never waits for
   long: tries spaced 0.1, 0.2, 0.4 ... 2 ms apart, about 30 ms in all,
   then the line is written without it (an append of one line stays whole
   on its own; only rotation and cutting back a short write need the
   lock).  A lock held for ever by someone else thus cannot hang the
   worker. */
enum { FS_JOURNAL_LOCK_TRIES = 20 };
static bool lock_file(int fd) {
  long pause_ns = 100000;
  for (int attempt = 0; attempt < FS_JOURNAL_LOCK_TRIES; ++attempt) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK && errno != EINTR) return false; /* no locks here (some network file systems) */
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = pause_ns};
    nanosleep(&pause, NULL);
    if (pause_ns < 2000000) pause_ns *= 2;
  }
  return false;
}

/* Does the file end in the middle of a line?  Only answerable when we
   could open it for reading. */
static bool ends_mid_line(const fs_journal_file *j, off_t size) {
  if (j->read_fd < 0 || size <= 0) return false;
  char last;
  return pread(j->read_fd, &last, 1, size - 1) == 1 && last != '\n';
}

/* One write() of the whole line (with a newline in front when the file
   ends mid-line): an O_APPEND write of a regular file is not interleaved
   with other writers' appends, so a line arrives whole or, when the disk
   or the file size limit stops it, cut short.

   RLIMIT_FSIZE: a write past the limit raises SIGXFSZ, whose default
   action kills the process, the host included.  The worker may not change
   the process's signal disposition (it is the host's), so it blocks
   SIGXFSZ in its own thread for the write: the write then fails with
   EFBIG (or comes back short), and the signal it left pending on this
   thread is taken off again (sigtimedwait, no wait) before the thread's
   mask is restored.  A SIGXFSZ that was pending before is left alone. */
static ssize_t append(int fd, bool newline_first, const char *line, size_t len) {
  struct iovec parts[2];
  int count = 0;
  if (newline_first) parts[count++] = (struct iovec){.iov_base = "\n", .iov_len = 1};
  parts[count++] = (struct iovec){.iov_base = (void *)line, .iov_len = len};
  sigset_t xfsz, saved, pending;
  sigemptyset(&xfsz);
  sigaddset(&xfsz, SIGXFSZ);
  const bool masked = pthread_sigmask(SIG_BLOCK, &xfsz, &saved) == 0;
  const bool was_pending = masked && sigpending(&pending) == 0 && sigismember(&pending, SIGXFSZ);
  ssize_t n;
  do {
    n = writev(fd, parts, count);
  } while (n < 0 && errno == EINTR);
  const int error = errno;
  if (masked) {
    if (!was_pending && !sigismember(&saved, SIGXFSZ) && sigpending(&pending) == 0 &&
        sigismember(&pending, SIGXFSZ)) {
      const struct timespec now = {0, 0};
      (void)sigtimedwait(&xfsz, NULL, &now);
    }
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
  }
  errno = error;
  return n;
}

/* A write cut short left `written` bytes of a line at the end of the file:
   cut them off again, so the file never ends in half a line.  Safe only
   when no other writer appended after them: under the lock none of ours
   can; without it, only when the file still ends where our write did. */
static void cut_back(fs_journal_file *j, ssize_t written, bool locked) {
  if (written <= 0) return;
  const off_t end = lseek(j->fd, 0, SEEK_CUR); /* O_APPEND: just past our bytes */
  struct stat st;
  if (end < written || fstat(j->fd, &st) != 0) return;
  if (locked || st.st_size == end) (void)ftruncate(j->fd, end - written);
  /* Otherwise the stump stays, and the next line (anyone's) starts on a
     new line: ends_mid_line() sees it. */
}

/* Rounds of following the name to the live file before a line is written
   into whatever file it holds: busy writers may fill and rotate a new
   file while a slow one waits for its lock. */
enum { FS_JOURNAL_ROUNDS = 8 };

/* A short write sets no errno: the file size limit when the file now
   reaches it, else the disk (or the quota) is full. */
static int short_write_cause(int fd) {
  struct rlimit limit;
  const off_t end = lseek(fd, 0, SEEK_CUR);
  if (end >= 0 && getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (rlim_t)end >= limit.rlim_cur) {
    return EFBIG;
  }
  return ENOSPC;
}

int fs_journal_file_append(fs_journal_file *j, const char *line, size_t len) {
  for (int round = 0;; ++round) {
    if (!reopen(j)) return lose(j, errno);
    struct stat held;
    if (fstat(j->fd, &held) != 0) return lose(j, errno);
    const bool locked = lock_file(j->fd);
    /* Kept from going round for ever, the last round writes into the file
       it just opened, rotated or not: a line in journal.1 is better than a
       line lost. */
    const bool last = round == FS_JOURNAL_ROUNDS - 1;
    if (!last && !still_the_file(j, &held)) {
      close_file(j); /* releases the lock too */
      continue;
    }
    if (locked && fstat(j->fd, &held) != 0) return lose(j, errno);
    /* The file's real size, whoever wrote it: only the lock holder
       rotates, and the others follow the name afterwards. */
    if (locked && !last && held.st_size > 0 && (uint64_t)held.st_size + len > j->max_bytes) {
      if (rotate(j)) {
        /* The old file's lock is held until the new file exists, so the
           others find the name already leading to it. */
        const int old_fd = j->fd;
        if (j->read_fd >= 0) close(j->read_fd);
        j->fd = j->read_fd = -1;
        const bool opened = reopen(j);
        const int error = errno;
        close(old_fd); /* the lock goes with it */
        if (!opened) return lose(j, error);
        continue;
      }
      /* Could not rename: write on, over the bound, rather than lose. */
    }
    const bool newline_first = ends_mid_line(j, held.st_size);
    const ssize_t n = append(j->fd, newline_first, line, len);
    const size_t want = len + (newline_first ? 1u : 0u);
    if (n < 0 || (size_t)n != want) {
      const int error = n < 0 ? errno : short_write_cause(j->fd);
      cut_back(j, n, locked);
      return lose(j, error);
    }
    if (locked) (void)flock(j->fd, LOCK_UN);
    return 0;
  }
}

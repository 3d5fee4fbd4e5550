/* fs_rt_jacklog: what the JACK server said about its xruns.
 *
 * A client learns only that an xrun happened.  The server knows why and
 * says so in its log, one line per cause:
 * - "JackTimedDriver::Process XRun = N usec": the dummy driver's own
 *   thread woke or ran late and missed its cycle.  No client is involved.
 * - "JackEngine::XRun: client = NAME was not finished, state = Triggered":
 *   the client was signalled for the cycle but had not begun when the next
 *   one came.  Its thread was not scheduled in time; its callback, where a
 *   plugin runs, had not started.
 * - "... state = Running": the client was inside its cycle when the next
 *   one came.  Only these can be a slow callback's doing, but a stall
 *   that hit while it ran, or a client thread that woke late and had only
 *   just begun, ends the same way.  On a virtual machine whose CPUs may
 *   halt, the late wake-ups make most of them: there a 300-s run at 128
 *   frames had 20 against the bypass's 7 with one late plugin callback,
 *   and 1 against 0 or 1 with the CPUs kept awake.
 *
 * The harness starts the server with its log in a file and reads that file
 * from the main thread while the stream runs, stamping each line with the
 * number of callbacks run so far.  The summary then charges each line to
 * the condition (plugin or baseline) whose callback ran last before it. */
#ifndef FS_RT_JACKLOG_H
#define FS_RT_JACKLOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  FS_RT_XRUN_SERVER_LATE = 0,    /* the driver thread missed its cycle */
  FS_RT_XRUN_CLIENT_NOT_STARTED, /* client signalled, not yet started */
  FS_RT_XRUN_CLIENT_RUNNING,     /* client inside its cycle */
  FS_RT_XRUN_CLIENT_OTHER,       /* client not finished, any other state */
  FS_RT_XRUN_KINDS
} fs_rt_xrun_kind;

/* One xrun line: its kind and the callbacks run when it was read. */
typedef struct {
  uint64_t callbacks;
  fs_rt_xrun_kind kind;
} fs_rt_xrun_note;

typedef struct {
  int fd; /* -1 when closed */
  char partial[512]; /* a line not yet complete */
  size_t partial_len;
  fs_rt_xrun_note *notes; /* capacity entries, allocated at open */
  size_t count, capacity;
  uint64_t lost; /* lines past capacity */
} fs_rt_jacklog;

/* The kind of one log line, -1 when it is not about an xrun. */
int fs_rt_jacklog_classify(const char *line);

/* Opens the log at its current end, so only what the server says from
 * now on counts, with room for `capacity` notes.  Returns -1 on failure. */
int fs_rt_jacklog_open(fs_rt_jacklog *l, const char *path, size_t capacity);

/* Reads whatever the server has written since, noting each xrun line with
 * `callbacks`.  Main thread, while the stream runs and once after. */
void fs_rt_jacklog_poll(fs_rt_jacklog *l, uint64_t callbacks);

void fs_rt_jacklog_close(fs_rt_jacklog *l);

#endif

/* fs_host_progress: a one-line progress bar on stderr for long renders.
 *
 * It shows only where someone is watching (stderr is a terminal), only for
 * files long enough to wait for, and never with --quiet; scripts and logs
 * see nothing.  The line is redrawn at most ten times a second, so drawing
 * costs nothing next to the render, and ends with a newline. */
#ifndef FS_HOST_PROGRESS_H
#define FS_HOST_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Files shorter than this finish before a bar would be worth reading. */
#define FS_PROGRESS_MIN_SECONDS 5.0

typedef struct fs_progress {
  FILE *out;               /* NULL: inactive */
  uint64_t total_frames;
  double sample_rate;
  struct timespec started;
  struct timespec drawn;   /* when the line was last redrawn */
  bool visible;            /* something is on the line */
} fs_progress;

/* Decides whether to show anything: wanted (not --quiet), out a terminal,
 * and the file at least FS_PROGRESS_MIN_SECONDS long. */
void fs_progress_start(fs_progress *progress, FILE *out, bool wanted,
                       uint64_t total_frames, double sample_rate);
/* done_frames of total_frames rendered; redraws when 0.1 s have passed. */
void fs_progress_update(fs_progress *progress, uint64_t done_frames);
/* Draws the final state (when completed) and ends the line. */
void fs_progress_finish(fs_progress *progress, uint64_t done_frames,
                        bool completed);

#endif

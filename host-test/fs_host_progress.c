/* fs_host_progress: see fs_host_progress.h. */
#include "fs_host_progress.h"

#include <unistd.h>

enum { BAR_WIDTH = 30 };
static const double redraw_interval_s = 0.1;

static double seconds_between(const struct timespec *a,
                              const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + (b->tv_nsec - a->tv_nsec) * 1e-9;
}

void fs_progress_start(fs_progress *progress, FILE *out, bool wanted,
                       uint64_t total_frames, double sample_rate) {
  *progress = (fs_progress){0};
  if (!wanted || !out || sample_rate <= 0) return;
  if (!isatty(fileno(out))) return;
  if ((double)total_frames / sample_rate < FS_PROGRESS_MIN_SECONDS) return;
  progress->out = out;
  progress->total_frames = total_frames;
  progress->sample_rate = sample_rate;
  clock_gettime(CLOCK_MONOTONIC, &progress->started);
  progress->drawn = progress->started;
}

/* "\r[=========>          ]  45%   12.3 / 27.1 s   84.2x real time":
 * carriage return only, so the next draw overwrites it in place. */
static void draw(fs_progress *progress, uint64_t done,
                 const struct timespec *now) {
  if (done > progress->total_frames) done = progress->total_frames;
  double fraction = (double)done / (double)progress->total_frames;
  int filled = (int)(fraction * BAR_WIDTH);
  char bar[BAR_WIDTH + 1];
  for (int i = 0; i < BAR_WIDTH; i++)
    bar[i] = i < filled ? '=' : i == filled ? '>' : ' ';
  bar[BAR_WIDTH] = '\0';
  double audio_s = (double)done / progress->sample_rate;
  double wall_s = seconds_between(&progress->started, now);
  fprintf(progress->out, "\r[%s] %3d%%  %7.1f / %.1f s", bar,
          (int)(fraction * 100), audio_s,
          (double)progress->total_frames / progress->sample_rate);
  /* Throughput needs a little wall time to mean anything. */
  if (wall_s > 0.01) fprintf(progress->out, "  %7.1fx real time",
                             audio_s / wall_s);
  fflush(progress->out);
  progress->visible = true;
}

void fs_progress_update(fs_progress *progress, uint64_t done_frames) {
  if (!progress->out) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (seconds_between(&progress->drawn, &now) < redraw_interval_s) return;
  progress->drawn = now;
  draw(progress, done_frames, &now);
}

void fs_progress_finish(fs_progress *progress, uint64_t done_frames,
                        bool completed) {
  if (!progress->out) return;
  if (completed) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    draw(progress, done_frames, &now);
  }
  if (progress->visible) fputc('\n', progress->out);
  fflush(progress->out);
  progress->out = NULL;
}

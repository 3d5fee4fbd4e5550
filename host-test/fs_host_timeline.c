/* fs_host_timeline: see fs_host_timeline.h. */
#include "fs_host_timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Enough columns for ~5 ms each on short files, never more than the max:
 * finer than a crossfade, coarser than anything a screen shows. */
enum { FRAMES_PER_COLUMN_MIN = 64 };

fs_timeline *fs_timeline_create(uint64_t total_frames, double sample_rate) {
  fs_timeline *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->rate = sample_rate > 0 ? sample_rate : 48000;
  t->total_frames = total_frames;
  uint64_t columns = (total_frames + FRAMES_PER_COLUMN_MIN - 1) /
                     FRAMES_PER_COLUMN_MIN;
  if (columns > FS_TIMELINE_MAX_COLUMNS) columns = FS_TIMELINE_MAX_COLUMNS;
  if (columns < 1) columns = 1;
  t->columns = (size_t)columns;
  t->input_peak = calloc(t->columns, sizeof *t->input_peak);
  t->output_peak = calloc(t->columns, sizeof *t->output_peak);
  t->tier = malloc(t->columns * sizeof *t->tier);
  t->health = malloc(t->columns * sizeof *t->health);
  if (!t->input_peak || !t->output_peak || !t->tier || !t->health) {
    fs_timeline_free(t);
    return NULL;
  }
  for (size_t c = 0; c < t->columns; c++) {
    t->tier[c] = -1;
    t->health[c] = NAN;
  }
  return t;
}

void fs_timeline_free(fs_timeline *t) {
  if (!t) return;
  free(t->input_peak);
  free(t->output_peak);
  free(t->tier);
  free(t->health);
  free(t->incidents);
  free(t->chaos);
  free(t);
}

/* ---- collecting ------------------------------------------------------- */

size_t fs_timeline_column_of(const fs_timeline *t, uint64_t frame) {
  if (t->total_frames == 0) return 0;
  uint64_t c = frame * t->columns / t->total_frames;
  return c < t->columns ? (size_t)c : t->columns - 1;
}

/* First frame of column c + 1: the smallest f with f * C / T >= c + 1. */
static uint64_t column_end(const fs_timeline *t, size_t c) {
  return ((uint64_t)(c + 1) * t->total_frames + t->columns - 1) / t->columns;
}

static void add_levels(const fs_timeline *t, float *peaks, uint64_t first,
                       const float *interleaved, size_t frames,
                       unsigned channels) {
  if (first >= t->total_frames || channels == 0) return;
  if (frames > t->total_frames - first)
    frames = (size_t)(t->total_frames - first);
  size_t c = fs_timeline_column_of(t, first);
  uint64_t boundary = column_end(t, c);
  float peak = peaks[c];
  for (size_t i = 0; i < frames; i++) {
    if (first + i >= boundary) {
      peaks[c] = peak;
      c = fs_timeline_column_of(t, first + i);
      boundary = column_end(t, c);
      peak = peaks[c];
    }
    for (unsigned ch = 0; ch < channels; ch++) {
      float x = interleaved[i * channels + ch];
      float magnitude = isfinite(x) ? fabsf(x) : INFINITY;
      if (magnitude > peak) peak = magnitude;
    }
  }
  peaks[c] = peak;
}

void fs_timeline_add_input(fs_timeline *t, uint64_t first,
                           const float *interleaved, size_t frames,
                           unsigned channels) {
  add_levels(t, t->input_peak, first, interleaved, frames, channels);
}

void fs_timeline_add_output(fs_timeline *t, uint64_t first,
                            const float *interleaved, size_t frames,
                            unsigned channels) {
  add_levels(t, t->output_peak, first, interleaved, frames, channels);
}

static int64_t clamp_frame(const fs_timeline *t, int64_t frame) {
  if (frame < 0) return 0;
  if ((uint64_t)frame > t->total_frames) return (int64_t)t->total_frames;
  return frame;
}

static int add_incident(fs_timeline *t, uint64_t frame, int cause,
                        uint64_t count) {
  if (t->incident_count == t->incident_capacity) {
    size_t capacity = t->incident_capacity ? 2 * t->incident_capacity : 64;
    fs_timeline_incident *grown = realloc(t->incidents, capacity * sizeof *grown);
    if (!grown) return -1;
    t->incidents = grown;
    t->incident_capacity = capacity;
  }
  t->incidents[t->incident_count++] = (fs_timeline_incident){frame, cause, count};
  return 0;
}

int fs_timeline_add_reading(fs_timeline *t, int64_t begin, int64_t end,
                            const fs_timeline_reading *r) {
  begin = clamp_frame(t, begin);
  end = clamp_frame(t, end);
  if (begin < end) {
    size_t first = fs_timeline_column_of(t, (uint64_t)begin);
    size_t last = fs_timeline_column_of(t, (uint64_t)end - 1);
    for (size_t c = first; c <= last; c++) {
      if (r->has_tier && r->tier > t->tier[c]) t->tier[c] = (signed char)r->tier;
      if (r->has_health && isfinite(r->health) &&
          !(r->health >= t->health[c]))
        t->health[c] = (float)r->health;
    }
    t->any_tier |= r->has_tier;
    t->any_health |= r->has_health;
  }
  if (r->has_incidents && isfinite(r->incidents) &&
      r->incidents > t->last_incidents) {
    uint64_t count = (uint64_t)llround(r->incidents - t->last_incidents);
    t->last_incidents = r->incidents;
    uint64_t at = t->total_frames ? (uint64_t)end : 0;
    if (at >= t->total_frames && at > 0) at = t->total_frames - 1;
    if (count > 0 && add_incident(t, at, r->cause, count) != 0) return -1;
  }
  return 0;
}

int fs_timeline_add_chaos(fs_timeline *t, double start_s, double end_s,
                          int mode) {
  if (t->chaos_count == t->chaos_capacity) {
    size_t capacity = t->chaos_capacity ? 2 * t->chaos_capacity : 8;
    fs_timeline_chaos *grown = realloc(t->chaos, capacity * sizeof *grown);
    if (!grown) return -1;
    t->chaos = grown;
    t->chaos_capacity = capacity;
  }
  t->chaos[t->chaos_count++] = (fs_timeline_chaos){start_s, end_s, mode};
  return 0;
}

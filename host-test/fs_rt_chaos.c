/* fs_rt_chaos: see fs_rt_chaos.h. */
#include "fs_rt_chaos.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses one time ("2", "2s", "2.5s", "500ms") into frames; the text
 * must end exactly at `end`. */
static int parse_time(const char *text, const char *end, double rate, uint64_t *frames) {
  char *stop = NULL;
  const double value = strtod(text, &stop);
  if (stop == text || !isfinite(value) || value < 0.0) return -1;
  double seconds = value;
  const size_t unit = (size_t)(end - stop);
  if (unit == 2 && !strncmp(stop, "ms", 2)) {
    seconds = value / 1000.0;
  } else if (!(unit == 0 || (unit == 1 && *stop == 's'))) {
    return -1;
  }
  *frames = (uint64_t)llround(seconds * rate);
  return 0;
}

static int compare_start(const void *a, const void *b) {
  const fs_rt_window *x = a, *y = b;
  return x->start < y->start ? -1 : x->start > y->start;
}

int fs_rt_schedule_parse(fs_rt_schedule *s, const char *text, double rate) {
  memset(s, 0, sizeof *s);
  const char *item = text;
  while (item && *item) {
    const char *comma = strchr(item, ',');
    const char *item_end = comma ? comma : item + strlen(item);
    const char *at = memchr(item, '@', (size_t)(item_end - item));
    const char *dash = at ? memchr(at, '-', (size_t)(item_end - at)) : NULL;
    char *mode_end = NULL;
    const long mode = strtol(item, &mode_end, 10);
    fs_rt_window w = {(int)mode, 0, 0};
    if (!at || !dash || mode_end != at || mode < 0 || mode > 1000 || s->count == FS_RT_MAX_WINDOWS ||
        parse_time(at + 1, dash, rate, &w.start) != 0 || parse_time(dash + 1, item_end, rate, &w.end) != 0 ||
        w.end <= w.start) {
      fprintf(stderr, "failsafe-rt: bad chaos entry '%.*s' (want MODE@START-END, e.g. 4@2s-3s)\n",
              (int)(item_end - item), item);
      return -1;
    }
    s->windows[s->count++] = w;
    item = comma ? comma + 1 : NULL;
  }
  qsort(s->windows, s->count, sizeof s->windows[0], compare_start);
  for (uint32_t i = 1; i < s->count; ++i) {
    if (s->windows[i].start < s->windows[i - 1].end) {
      fprintf(stderr, "failsafe-rt: chaos windows %u and %u overlap\n", i, i + 1);
      return -1;
    }
  }
  return 0;
}

/* A linear scan: schedules hold a few hundred windows at most, and the
 * audio thread asks once per block. */
int fs_rt_schedule_mode_at(const fs_rt_schedule *s, uint64_t frame) {
  for (uint32_t i = 0; i < s->count && s->windows[i].start <= frame; ++i) {
    if (frame < s->windows[i].end) return s->windows[i].mode;
  }
  return 0;
}

uint64_t fs_rt_schedule_next_edge(const fs_rt_schedule *s, uint64_t frame) {
  for (uint32_t i = 0; i < s->count; ++i) {
    if (s->windows[i].start > frame) return s->windows[i].start;
    if (s->windows[i].end > frame) return s->windows[i].end;
  }
  return UINT64_MAX;
}

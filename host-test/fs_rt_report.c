/* fs_rt_report: see fs_rt_report.h. */
#include "fs_rt_report.h"

#include <math.h>
#include <stddef.h>
#include <portaudio.h>
#include <stdlib.h>
#include <string.h>

static int compare_u64(const void *a, const void *b) {
  const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles of one member of the blocks. */
static int percentiles(const fs_rt_block *blocks, uint64_t n, size_t member, fs_rt_percentiles *out) {
  memset(out, 0, sizeof *out);
  if (n == 0) return 0;
  uint64_t *values = malloc(n * sizeof *values);
  if (!values) return -1;
  for (uint64_t i = 0; i < n; ++i) {
    memcpy(&values[i], (const char *)&blocks[i] + member, sizeof values[i]);
  }
  qsort(values, n, sizeof *values, compare_u64);
  out->p50 = values[(n - 1) / 2];
  out->p99 = values[(uint64_t)ceil(0.99 * (double)n) - 1];
  out->max = values[n - 1];
  free(values);
  return 0;
}

static int tier_of(const fs_rt_block *b) { return isfinite(b->tier) ? (int)b->tier : -1; }

static int is_xrun(const fs_rt_block *b) {
  return (b->status & (paInputUnderflow | paInputOverflow | paOutputUnderflow | paOutputOverflow)) != 0;
}

static void summarise_window(fs_rt_window_result *w, const fs_rt_window *win, uint64_t next_start,
                             const fs_rt_block *blocks, uint64_t n, double rate, uint64_t late_ns) {
  w->mode = win->mode;
  w->start_s = (double)win->start / rate;
  w->end_s = (double)win->end / rate;
  w->fallback_after_s = -1.0;
  /* The block holding the window's first frame (the harness splits it
   * there, so the fault starts inside it). */
  uint64_t first = 0;
  while (first + 1 < n && blocks[first + 1].frame <= win->start) ++first;
  if (first >= n) return;
  /* Tier and incidents as they were before the window opened. */
  const int tier_before = first > 0 ? tier_of(&blocks[first - 1]) : 0;
  const double incidents_before = first > 0 ? blocks[first - 1].incidents : 0.0;
  double incidents_after = incidents_before;
  int fell_back = 0;
  for (uint64_t i = first; i < n && blocks[i].frame < next_start; ++i) {
    const fs_rt_block *b = &blocks[i];
    const int late = b->callback_ns > late_ns;
    if (b->frame < win->end) {
      ++w->blocks;
      w->late_blocks += (uint64_t)late;
      w->xruns += (uint64_t)is_xrun(b);
    }
    if (!fell_back && late) ++w->late_before_fallback;
    if (!fell_back && tier_of(b) != tier_before) {
      fell_back = 1;
      w->fallback_after_s = ((double)b->frame - (double)win->start) / rate;
    }
    if (isfinite(b->incidents)) incidents_after = b->incidents;
  }
  w->incidents_delta = incidents_after - incidents_before;
}

/* Adds one block's flags, lateness and output to r; prev is the
 * condition's previous block (NULL for the first). */
static void count_block(fs_rt_result *r, const fs_rt_block *b, const fs_rt_block *prev, const fs_rt_schedule *schedule,
                        uint64_t late_ns, double buffer_s) {
  const uint32_t s = b->status;
  const int in_chaos = fs_rt_schedule_mode_at(schedule, b->frame) != 0;
  r->input_underflow += (s & paInputUnderflow) != 0;
  r->input_overflow += (s & paInputOverflow) != 0;
  r->output_underflow += (s & paOutputUnderflow) != 0;
  r->output_overflow += (s & paOutputOverflow) != 0;
  if (is_xrun(b)) {
    ++r->xruns;
    const int after_plugin = b->since_late[FS_RT_PLUGIN] <= FS_RT_XRUN_LAG;
    r->xruns_after_late += after_plugin || b->since_late[FS_RT_BASELINE] <= FS_RT_XRUN_LAG;
    r->xruns_after_late_plugin += (uint64_t)after_plugin;
    r->xruns_in_chaos += (uint64_t)in_chaos;
  }
  /* Only between callbacks that followed each other: across a segment of
   * the other condition the DAC time jumps by the whole segment. */
  if (prev && b->seq == prev->seq + 1 && b->dac_time - prev->dac_time > 1.5 * buffer_s) ++r->time_gaps;
  if (b->callback_ns > late_ns) {
    ++r->late_blocks;
    r->late_blocks_outside_chaos += (uint64_t)!in_chaos;
  }
  if (b->peak > r->max_abs_output) r->max_abs_output = b->peak;
  r->nonfinite_output += b->nonfinite;
  if (prev && tier_of(b) != tier_of(prev)) {
    if (r->tier_change_count < FS_RT_MAX_TIER_CHANGES) {
      r->tier_changes[r->tier_change_count] = (fs_rt_tier_change){(double)b->frame / (double)r->rate, tier_of(prev),
                                                                   tier_of(b)};
    }
    ++r->tier_change_count;
  }
}

int fs_rt_result_compute(fs_rt_result *r, const fs_rt_block *blocks, uint64_t n, const fs_rt_schedule *schedule,
                         double rate, uint32_t frames) {
  /* Set by the caller while the stream ran. */
  const long rss_open = r->rss_open_kb, rss_start = r->rss_start_kb, rss_end = r->rss_end_kb;
  const long violations = r->rt_violations;
  const uint64_t segments = r->segments;
  memset(r, 0, sizeof *r);
  r->rss_open_kb = rss_open;
  r->rss_start_kb = rss_start;
  r->rss_end_kb = rss_end;
  r->rt_violations = violations;
  r->segments = segments;
  r->rate = rate;
  r->callbacks = n;
  r->incidents = r->final_tier = r->final_cause = NAN;
  const double buffer_s = (double)frames / rate;
  const uint64_t late_ns = (uint64_t)(buffer_s * 1e9);
  r->tier_changes = calloc(FS_RT_MAX_TIER_CHANGES, sizeof *r->tier_changes);
  if (!r->tier_changes) return -1;
  for (uint64_t i = 0; i < n; ++i) count_block(r, &blocks[i], i > 0 ? &blocks[i - 1] : NULL, schedule, late_ns, buffer_s);
  if (n > 0) {
    r->incidents = blocks[n - 1].incidents;
    r->final_tier = blocks[n - 1].tier;
    r->final_cause = blocks[n - 1].cause;
  }
  if (percentiles(blocks, n, offsetof(fs_rt_block, callback_ns), &r->callback_ns) != 0 ||
      percentiles(blocks, n, offsetof(fs_rt_block, run_ns), &r->run_ns) != 0)
    return -1;
  r->window_count = schedule->count;
  r->windows = calloc(schedule->count ? schedule->count : 1, sizeof *r->windows);
  if (!r->windows) return -1;
  for (uint32_t w = 0; w < schedule->count; ++w) {
    const uint64_t next = w + 1 < schedule->count ? schedule->windows[w + 1].start : UINT64_MAX;
    summarise_window(&r->windows[w], &schedule->windows[w], next, blocks, n, rate, late_ns);
  }
  return 0;
}

void fs_rt_result_free(fs_rt_result *r) {
  free(r->tier_changes);
  free(r->windows);
  r->tier_changes = NULL;
  r->windows = NULL;
}

/* JSON has no NaN: fs_json writes an absent (non-finite) figure as null. */
static void json_percentiles(fs_json *json, const char *key, const fs_rt_percentiles *p) {
  fs_json_key(json, key);
  fs_json_object_begin(json);
  fs_json_member_uint(json, "p50", p->p50);
  fs_json_member_uint(json, "p99", p->p99);
  fs_json_member_uint(json, "max", p->max);
  fs_json_object_end(json);
}

void fs_rt_result_json(fs_json *json, const fs_rt_result *r, int with_plugin_fields) {
  fs_json_member_uint(json, "callbacks", r->callbacks);
  fs_json_member_uint(json, "segments", r->segments);
  fs_json_member_uint(json, "xruns", r->xruns);
  fs_json_member_uint(json, "xruns_after_late", r->xruns_after_late);
  fs_json_member_uint(json, "xruns_after_late_plugin", r->xruns_after_late_plugin);
  if (with_plugin_fields) fs_json_member_uint(json, "xruns_in_chaos", r->xruns_in_chaos);
  fs_json_key(json, "xrun_flags");
  fs_json_object_begin(json);
  fs_json_member_uint(json, "input_underflow", r->input_underflow);
  fs_json_member_uint(json, "input_overflow", r->input_overflow);
  fs_json_member_uint(json, "output_underflow", r->output_underflow);
  fs_json_member_uint(json, "output_overflow", r->output_overflow);
  fs_json_object_end(json);
  fs_json_key(json, "server_xruns");
  if (r->server_xruns_known) {
    fs_json_object_begin(json);
    fs_json_member_uint(json, "server_late", r->server_xruns[FS_RT_XRUN_SERVER_LATE]);
    fs_json_member_uint(json, "client_not_started", r->server_xruns[FS_RT_XRUN_CLIENT_NOT_STARTED]);
    fs_json_member_uint(json, "client_running", r->server_xruns[FS_RT_XRUN_CLIENT_RUNNING]);
    fs_json_member_uint(json, "client_other", r->server_xruns[FS_RT_XRUN_CLIENT_OTHER]);
    fs_json_object_end(json);
  } else {
    fs_json_null(json);
  }
  fs_json_member_uint(json, "time_gaps", r->time_gaps);
  json_percentiles(json, "callback_ns", &r->callback_ns);
  if (with_plugin_fields) json_percentiles(json, "run_ns", &r->run_ns);
  fs_json_member_uint(json, "late_blocks", r->late_blocks);
  if (with_plugin_fields) {
    fs_json_member_uint(json, "late_blocks_outside_chaos", r->late_blocks_outside_chaos);
    fs_json_member_double(json, "incidents", r->incidents);
    fs_json_member_double(json, "final_tier", r->final_tier);
    fs_json_member_double(json, "final_cause", r->final_cause);
    fs_json_member_uint(json, "tier_change_count", r->tier_change_count);
    fs_json_key(json, "tier_changes");
    fs_json_array_begin(json);
    const uint64_t shown = r->tier_change_count < FS_RT_MAX_TIER_CHANGES ? r->tier_change_count : FS_RT_MAX_TIER_CHANGES;
    for (uint64_t i = 0; i < shown; ++i) {
      fs_json_object_begin(json);
      fs_json_member_double(json, "time_s", r->tier_changes[i].time_s);
      fs_json_member_double(json, "from", r->tier_changes[i].from);
      fs_json_member_double(json, "to", r->tier_changes[i].to);
      fs_json_object_end(json);
    }
    fs_json_array_end(json);
    fs_json_key(json, "chaos_windows");
    fs_json_array_begin(json);
    for (uint32_t i = 0; i < r->window_count; ++i) {
      const fs_rt_window_result *w = &r->windows[i];
      fs_json_object_begin(json);
      fs_json_member_double(json, "mode", w->mode);
      fs_json_member_double(json, "start_s", w->start_s);
      fs_json_member_double(json, "end_s", w->end_s);
      fs_json_member_uint(json, "blocks", w->blocks);
      fs_json_member_uint(json, "late_blocks", w->late_blocks);
      fs_json_member_uint(json, "xruns", w->xruns);
      fs_json_member_uint(json, "late_before_fallback", w->late_before_fallback);
      fs_json_member_double(json, "fallback_after_s", w->fallback_after_s >= 0.0 ? w->fallback_after_s : NAN);
      fs_json_member_double(json, "incidents_delta", w->incidents_delta);
      fs_json_object_end(json);
    }
    fs_json_array_end(json);
  }
  fs_json_member_double(json, "max_abs_output", r->max_abs_output);
  fs_json_member_uint(json, "nonfinite_output", r->nonfinite_output);
  fs_json_key(json, "rt_violations");
  if (r->rt_violations >= 0) {
    fs_json_uint(json, (uint64_t)r->rt_violations);
  } else {
    fs_json_null(json);
  }
  /* -1 when unknown, as fs_rt_rss_kb gives it. */
  fs_json_member_double(json, "rss_open_kb", (double)r->rss_open_kb);
  fs_json_member_double(json, "rss_start_kb", (double)r->rss_start_kb);
  fs_json_member_double(json, "rss_end_kb", (double)r->rss_end_kb);
}

long fs_rt_rss_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (fgets(line, sizeof line, f)) {
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  }
  fclose(f);
  return kb;
}

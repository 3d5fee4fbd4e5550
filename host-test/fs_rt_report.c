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

/* JSON has no NaN: an absent figure is null. */
static void json_number(FILE *out, double v) {
  if (isfinite(v)) {
    fprintf(out, "%.9g", v);
  } else {
    fputs("null", out);
  }
}

static void json_percentiles(FILE *out, const char *indent, const char *name, const fs_rt_percentiles *p) {
  fprintf(out, "%s\"%s\": {\"p50\": %llu, \"p99\": %llu, \"max\": %llu},\n", indent, name, (unsigned long long)p->p50,
          (unsigned long long)p->p99, (unsigned long long)p->max);
}

void fs_rt_result_json(FILE *out, const fs_rt_result *r, const char *indent, int with_plugin_fields) {
  fprintf(out, "%s\"callbacks\": %llu,\n", indent, (unsigned long long)r->callbacks);
  fprintf(out, "%s\"segments\": %llu,\n", indent, (unsigned long long)r->segments);
  fprintf(out, "%s\"xruns\": %llu,\n", indent, (unsigned long long)r->xruns);
  fprintf(out, "%s\"xruns_after_late\": %llu,\n", indent, (unsigned long long)r->xruns_after_late);
  fprintf(out, "%s\"xruns_after_late_plugin\": %llu,\n", indent, (unsigned long long)r->xruns_after_late_plugin);
  if (with_plugin_fields) fprintf(out, "%s\"xruns_in_chaos\": %llu,\n", indent, (unsigned long long)r->xruns_in_chaos);
  fprintf(out,
          "%s\"xrun_flags\": {\"input_underflow\": %llu, \"input_overflow\": %llu, \"output_underflow\": %llu, "
          "\"output_overflow\": %llu},\n",
          indent, (unsigned long long)r->input_underflow, (unsigned long long)r->input_overflow,
          (unsigned long long)r->output_underflow, (unsigned long long)r->output_overflow);
  if (r->server_xruns_known) {
    fprintf(out,
            "%s\"server_xruns\": {\"server_late\": %llu, \"client_not_started\": %llu, \"client_running\": %llu, "
            "\"client_other\": %llu},\n",
            indent, (unsigned long long)r->server_xruns[FS_RT_XRUN_SERVER_LATE],
            (unsigned long long)r->server_xruns[FS_RT_XRUN_CLIENT_NOT_STARTED],
            (unsigned long long)r->server_xruns[FS_RT_XRUN_CLIENT_RUNNING],
            (unsigned long long)r->server_xruns[FS_RT_XRUN_CLIENT_OTHER]);
  } else {
    fprintf(out, "%s\"server_xruns\": null,\n", indent);
  }
  fprintf(out, "%s\"time_gaps\": %llu,\n", indent, (unsigned long long)r->time_gaps);
  json_percentiles(out, indent, "callback_ns", &r->callback_ns);
  if (with_plugin_fields) json_percentiles(out, indent, "run_ns", &r->run_ns);
  fprintf(out, "%s\"late_blocks\": %llu,\n", indent, (unsigned long long)r->late_blocks);
  if (with_plugin_fields) {
    fprintf(out, "%s\"late_blocks_outside_chaos\": %llu,\n", indent, (unsigned long long)r->late_blocks_outside_chaos);
    fprintf(out, "%s\"incidents\": ", indent);
    json_number(out, r->incidents);
    fprintf(out, ",\n%s\"final_tier\": ", indent);
    json_number(out, r->final_tier);
    fprintf(out, ",\n%s\"final_cause\": ", indent);
    json_number(out, r->final_cause);
    fprintf(out, ",\n%s\"tier_change_count\": %llu,\n", indent, (unsigned long long)r->tier_change_count);
    fprintf(out, "%s\"tier_changes\": [", indent);
    const uint64_t shown = r->tier_change_count < FS_RT_MAX_TIER_CHANGES ? r->tier_change_count : FS_RT_MAX_TIER_CHANGES;
    for (uint64_t i = 0; i < shown; ++i) {
      fprintf(out, "%s{\"time_s\": %.6f, \"from\": %d, \"to\": %d}", i ? ", " : "", r->tier_changes[i].time_s,
              r->tier_changes[i].from, r->tier_changes[i].to);
    }
    fprintf(out, "],\n%s\"chaos_windows\": [", indent);
    for (uint32_t i = 0; i < r->window_count; ++i) {
      const fs_rt_window_result *w = &r->windows[i];
      fprintf(out,
              "%s\n%s  {\"mode\": %d, \"start_s\": %.6f, \"end_s\": %.6f, \"blocks\": %llu, \"late_blocks\": %llu, "
              "\"xruns\": %llu, \"late_before_fallback\": %llu, \"fallback_after_s\": ",
              i ? "," : "", indent, w->mode, w->start_s, w->end_s, (unsigned long long)w->blocks,
              (unsigned long long)w->late_blocks, (unsigned long long)w->xruns,
              (unsigned long long)w->late_before_fallback);
      json_number(out, w->fallback_after_s >= 0.0 ? w->fallback_after_s : NAN);
      fputs(", \"incidents_delta\": ", out);
      json_number(out, w->incidents_delta);
      fputs("}", out);
    }
    fprintf(out, "%s%s],\n", r->window_count ? "\n" : "", r->window_count ? indent : "");
  }
  fprintf(out, "%s\"max_abs_output\": %.9g,\n", indent, r->max_abs_output);
  fprintf(out, "%s\"nonfinite_output\": %llu,\n", indent, (unsigned long long)r->nonfinite_output);
  if (r->rt_violations >= 0) {
    fprintf(out, "%s\"rt_violations\": %ld,\n", indent, r->rt_violations);
  } else {
    fprintf(out, "%s\"rt_violations\": null,\n", indent);
  }
  fprintf(out, "%s\"rss_open_kb\": %ld,\n", indent, r->rss_open_kb);
  fprintf(out, "%s\"rss_start_kb\": %ld,\n", indent, r->rss_start_kb);
  fprintf(out, "%s\"rss_end_kb\": %ld\n", indent, r->rss_end_kb);
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

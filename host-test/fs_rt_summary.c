/* fs_rt_summary: see fs_rt_summary.h. */
#include "fs_rt_summary.h"

#include "fs_json.h"

#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* Summarises one condition's blocks.  The guard's count is the
 * condition's own; any it saw outside both (the closing callback) is
 * charged to the plugin rather than lost. */
int fs_rt_summarise(fs_rt_result *r, const fs_rt_callback_state *s, int cond, const fs_rt_schedule *schedule,
                     const fs_rt_options *o, const long rss_kb[3], const fs_rt_guard *guard) {
  r->rss_open_kb = rss_kb[0];
  r->rss_start_kb = rss_kb[1];
  r->rss_end_kb = rss_kb[2];
  r->segments = s->segments[cond];
  r->rt_violations = -1;
  if (guard->violations) {
    const unsigned long total = guard->violations();
    r->rt_violations = (long)(cond == FS_RT_PLUGIN ? total - s->violations[FS_RT_BASELINE] : s->violations[cond]);
  }
  return fs_rt_result_compute(r, s->blocks[cond], s->filled[cond], schedule, o->rate, o->frames);
}

/* Charges each xrun the server logged to the condition whose callback ran
 * last before the line was read (the first callback's for lines read
 * before any ran).  The line is read within one fs_rt_stream_run poll
 * (20 ms) of being written, so only lines from the last few callbacks of
 * a segment can land on the wrong side of its end, in both directions
 * alike. */
int fs_rt_charge_server_xruns(const fs_rt_jacklog *log, const fs_rt_callback_state *s, fs_rt_result *r[FS_RT_CONDITIONS]) {
  const uint64_t total = s->filled[FS_RT_PLUGIN] + s->filled[FS_RT_BASELINE];
  if (total == 0) return 0;
  unsigned char *condition_of = malloc(total);
  if (!condition_of) return -1;
  memset(condition_of, FS_RT_PLUGIN, total);
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) {
    for (uint64_t i = 0; i < s->filled[c]; ++i) {
      if (s->blocks[c][i].seq < total) condition_of[s->blocks[c][i].seq] = (unsigned char)c;
    }
  }
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) {
    if (r[c]) r[c]->server_xruns_known = 1;
  }
  for (size_t i = 0; i < log->count; ++i) {
    const uint64_t callbacks = log->notes[i].callbacks;
    const uint64_t seq = callbacks == 0 ? 0 : (callbacks - 1 < total ? callbacks - 1 : total - 1);
    fs_rt_result *target = r[condition_of[seq]];
    if (target) ++target->server_xruns[log->notes[i].kind];
  }
  free(condition_of);
  return 0;
}

/* One line per callback of one condition, for plots and post-mortems;
 * time_s is the condition's own time, stream_block the callback's index
 * in the whole stream. */
int fs_rt_write_blocks_csv(const char *path, const fs_rt_block *blocks, uint64_t n, double rate) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "failsafe-rt: cannot write %s\n", path);
    return -1;
  }
  fputs("block,time_s,callback_ns,run_ns,dac_time,status,chaos,tier,incidents,cause,peak,nonfinite,"
        "stream_block,since_late_plugin,since_late_baseline\n",
        f);
  for (uint64_t i = 0; i < n; ++i) {
    const fs_rt_block *b = &blocks[i];
    fprintf(f, "%llu,%.6f,%llu,%llu,%.6f,%u,%d,%g,%g,%g,%g,%u,%llu,%u,%u\n", (unsigned long long)i,
            (double)b->frame / rate, (unsigned long long)b->callback_ns, (unsigned long long)b->run_ns, b->dac_time,
            b->status, b->chaos, b->tier, b->incidents, b->cause, b->peak, b->nonfinite, (unsigned long long)b->seq,
            b->since_late[FS_RT_PLUGIN], b->since_late[FS_RT_BASELINE]);
  }
  return fclose(f) == 0 ? 0 : -1;
}

static const char *policy_name(int policy) {
  switch (policy) {
    case SCHED_FIFO: return "SCHED_FIFO";
    case SCHED_RR: return "SCHED_RR";
    case SCHED_OTHER: return "SCHED_OTHER";
#ifdef SCHED_BATCH
    case SCHED_BATCH: return "SCHED_BATCH";
#endif
#ifdef SCHED_IDLE
    case SCHED_IDLE: return "SCHED_IDLE";
#endif
    default: return "unknown";
  }
}

static void write_run_info(fs_json *json, const fs_rt_run_info *info) {
  fs_json_key(json, "interrupted");
  fs_json_bool(json, info->interrupted);
  fs_json_key(json, "realtime");
  if (info->realtime < 0) {
    fs_json_null(json);
  } else {
    fs_json_bool(json, info->realtime != 0);
  }
  fs_json_key(json, "callback_scheduling");
  if (info->sched_known) {
    fs_json_object_begin(json);
    fs_json_key(json, "policy");
    fs_json_string(json, policy_name(info->sched_policy));
    fs_json_member_double(json, "priority", info->sched_priority);
    fs_json_object_end(json);
  } else {
    fs_json_null(json);
  }
  fs_json_key(json, "cpus_kept_awake");
  fs_json_object_begin(json);
  fs_json_member_double(json, "spinners", info->awake_spinners);
  fs_json_key(json, "cpu_dma_latency_zero");
  fs_json_bool(json, info->awake_latency_held);
  fs_json_object_end(json);
  fs_json_key(json, "segment_seconds");
  if (info->segment_s > 0.0) {
    fs_json_double(json, info->segment_s);
  } else {
    fs_json_null(json);
  }
}

/* The summary: the plugin's result at the top level, the baseline's in
 * "baseline" (both cover `seconds` of their own).  One line of JSON,
 * through the tools' one writer (fs_json). */
void fs_rt_write_summary(FILE *out, const fs_rt_options *o, const fs_rt_run_info *info, const fs_rt_result *plugin,
                          const fs_rt_result *baseline) {
  fs_json json;
  fs_json_init(&json, out);
  fs_json_object_begin(&json);
  fs_json_key(&json, "plugin");
  fs_json_string(&json, o->uri ? o->uri : "");
  fs_json_key(&json, "host_api");
  fs_json_string(&json, info->api_name ? info->api_name : "");
  fs_json_key(&json, "device");
  fs_json_string(&json, info->device_name ? info->device_name : "");
  fs_json_key(&json, "input");
  fs_json_string(&json, o->input_path ? o->input_path : "device");
  fs_json_member_double(&json, "rate", o->rate);
  fs_json_member_uint(&json, "frames", o->frames);
  fs_json_member_double(&json, "seconds", o->seconds);
  fs_json_member_double(&json, "buffer_ns", round(1e9 * o->frames / o->rate));
  fs_json_key(&json, "chaos");
  fs_json_string(&json, o->chaos ? o->chaos : "");
  fs_json_key(&json, "calibrate");
  fs_json_bool(&json, o->calibrate);
  write_run_info(&json, info);
  if (baseline) {
    fs_json_key(&json, "baseline");
    fs_json_object_begin(&json);
    fs_rt_result_json(&json, baseline, 0);
    fs_json_object_end(&json);
  }
  fs_rt_result_json(&json, plugin, 1);
  fs_json_object_end(&json); /* the outermost close ends the line */
}

int fs_rt_write_summary_file(const char *path, const fs_rt_options *o, const fs_rt_run_info *info,
                           const fs_rt_result *plugin, const fs_rt_result *baseline) {
  FILE *json = fopen(path, "w");
  if (!json) {
    fprintf(stderr, "failsafe-rt: cannot write %s\n", path);
    return -1;
  }
  fs_rt_write_summary(json, o, info, plugin, baseline);
  return fclose(json) == 0 ? 0 : -1;
}

/* Says so when the server was meant to run real-time and the callback
 * did not: the figures are then those of a starved client. */
void fs_rt_check_scheduling(const fs_rt_run_info *info) {
  if (info->realtime == 1 && info->sched_known && info->sched_policy != SCHED_FIFO && info->sched_policy != SCHED_RR) {
    fprintf(stderr, "failsafe-rt: jackd runs real-time but the callback ran under %s\n",
            policy_name(info->sched_policy));
  }
}

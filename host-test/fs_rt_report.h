/* fs_rt_report: what one stream did, block by block, and its summary.
 *
 * The audio callback fills one fs_rt_block per callback into an array
 * allocated (and touched) before the stream starts; everything else here
 * runs on the main thread after the stream has stopped. */
#ifndef FS_RT_REPORT_H
#define FS_RT_REPORT_H

#include "fs_json.h"
#include "fs_rt_chaos.h"
#include "fs_rt_jacklog.h"

#include <stdint.h>
#include <stdio.h>

/* Which condition a callback served.  With a bypass baseline both share
 * one stream, in alternating segments. */
typedef enum { FS_RT_PLUGIN = 0, FS_RT_BASELINE = 1, FS_RT_CONDITIONS = 2 } fs_rt_condition;

/* A client can only cause an xrun by finishing late.  JACK tells its
 * clients of an xrun through their notification thread, and PortAudio
 * flags it in the next callback after that, so the flag lands one to a few
 * callbacks after the late one: an xrun flagged within FS_RT_XRUN_LAG
 * callbacks of a late callback may be that callback's doing, any other is
 * not. */
#define FS_RT_XRUN_LAG 4u
#define FS_RT_NOT_LATE 255u /* no late callback in the last 254 */

/* One callback. */
typedef struct {
  uint64_t frame;       /* the condition's own frame at the block's start:
                           the plugin's timeline counts plugin blocks only */
  uint64_t seq;         /* the callback's index in the whole stream */
  uint64_t callback_ns; /* whole callback, CLOCK_MONOTONIC */
  uint64_t run_ns;      /* inside run() (all segments), 0 for the baseline */
  double dac_time;      /* PortAudio's outputBufferDacTime, seconds */
  float tier, incidents, cause; /* plugin outputs after the block; NAN if absent */
  float peak;           /* largest finite |output| in the block */
  uint32_t nonfinite;   /* non-finite output samples in the block */
  uint32_t status;      /* PaStreamCallbackFlags */
  int32_t chaos;        /* chaos value at the block's start */
  /* Callbacks since the stream's last late callback of each condition
   * (1: the one just before), FS_RT_NOT_LATE when longer ago. */
  uint8_t since_late[FS_RT_CONDITIONS];
} fs_rt_block;

typedef struct {
  uint64_t p50, p99, max;
} fs_rt_percentiles;

typedef struct {
  double time_s; /* stream time of the first block showing the new tier */
  int from, to;
} fs_rt_tier_change;

/* A chaos window as it played out. */
typedef struct {
  int mode;
  double start_s, end_s;
  uint64_t blocks, late_blocks;
  uint64_t xruns; /* callbacks inside the window flagged with an xrun */
  /* Late blocks from the window's start up to the first block that shows
   * a tier other than the one in force when the window opened (all of the
   * window's late blocks when the tier never changed).  The safety net's
   * target for a CPU stall is at most one. */
  uint64_t late_before_fallback;
  double fallback_after_s; /* window start -> tier change; -1 when none */
  double incidents_delta;  /* incidents counted from the window's start
                              until the next window (or the end) */
} fs_rt_window_result;

typedef struct {
  double rate;
  uint64_t callbacks;
  uint64_t xruns; /* callbacks flagged with any under/overflow */
  uint64_t xruns_after_late;        /* ...within FS_RT_XRUN_LAG of a late callback of either condition */
  uint64_t xruns_after_late_plugin; /* ...within FS_RT_XRUN_LAG of a late plugin callback */
  uint64_t xruns_in_chaos;   /* ...inside a chaos window */
  uint64_t input_underflow, input_overflow, output_underflow, output_overflow;
  uint64_t time_gaps; /* DAC time advanced by more than 1.5 buffers */
  fs_rt_percentiles callback_ns, run_ns;
  uint64_t late_blocks; /* callback took longer than the buffer lasts */
  uint64_t late_blocks_outside_chaos;
  double incidents; /* last value of the incidents port (NAN if absent) */
  double final_tier, final_cause;
  uint64_t tier_change_count;
  fs_rt_tier_change *tier_changes; /* the first FS_RT_MAX_TIER_CHANGES */
  double max_abs_output;
  uint64_t nonfinite_output;
  /* VmRSS of the whole process (both conditions share the stream): before
   * the stream starts, once it has warmed up, and when its callbacks are
   * done.  Memory is flat over a run when end equals start. */
  long rss_open_kb, rss_start_kb, rss_end_kb;
  long rt_violations; /* counted by a preloaded real-time guard in this
                         condition's callbacks; -1 without one */
  uint64_t segments;  /* stretches of the stream this condition had */
  /* The server's own account of the xruns charged to this condition (see
   * fs_rt_jacklog.h), set by the caller after fs_rt_result_compute; known
   * only when the harness started the server and could read its log. */
  int server_xruns_known;
  uint64_t server_xruns[FS_RT_XRUN_KINDS];
  uint32_t window_count;
  fs_rt_window_result *windows;
} fs_rt_result;

#define FS_RT_MAX_TIER_CHANGES 1000u

/* Summarises n blocks of one condition, in stream order (blocks of the
 * other condition may sit between them: `seq` tells).  The caller sets
 * rss_*, rt_violations and segments beforehand; they are kept.  Returns -1
 * when out of memory. */
int fs_rt_result_compute(fs_rt_result *r, const fs_rt_block *blocks, uint64_t n, const fs_rt_schedule *schedule,
                         double rate, uint32_t frames);
void fs_rt_result_free(fs_rt_result *r);

/* Writes r's members into the JSON object `json` is in (no braces of its
 * own); the plugin-only ones with with_plugin_fields. */
void fs_rt_result_json(fs_json *json, const fs_rt_result *r, int with_plugin_fields);

/* VmRSS of this process in kB, -1 when unknown. */
long fs_rt_rss_kb(void);

#endif

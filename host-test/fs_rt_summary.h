/* fs_rt_summary: what failsafe-rt reports once the stream has stopped:
 * each condition's result (fs_rt_report), the server's xruns charged to
 * the condition that ran them, the per-block CSV files and the JSON
 * summary.  Main thread, after the stream. */
#ifndef FS_RT_SUMMARY_H
#define FS_RT_SUMMARY_H

#include "fs_rt_callback.h"
#include "fs_rt_jacklog.h"
#include "fs_rt_options.h"
#include "fs_rt_report.h"

#include <stdint.h>
#include <stdio.h>

/* What the summary says about the run besides the two results. */
typedef struct fs_rt_run_info {
  const char *device_name, *api_name;
  int realtime;    /* our jackd real-time: 1, 0; -1 when we started none */
  int sched_known; /* a callback ran and recorded its scheduling */
  int sched_policy, sched_priority;
  double segment_s; /* 0 without a baseline */
  int interrupted;
  int awake_spinners;     /* idle-priority spinners that kept the CPUs awake */
  int awake_latency_held; /* /dev/cpu_dma_latency held at 0 */
} fs_rt_run_info;

/* Summarises condition cond's blocks into r. */
int fs_rt_summarise(fs_rt_result *r, const fs_rt_callback_state *s, int cond, const fs_rt_schedule *schedule,
                    const fs_rt_options *o, const long rss_kb[3], const fs_rt_guard *guard);
/* Adds the server's logged xruns to the results (r[c] may be NULL). */
int fs_rt_charge_server_xruns(const fs_rt_jacklog *log, const fs_rt_callback_state *s,
                              fs_rt_result *r[FS_RT_CONDITIONS]);
int fs_rt_write_blocks_csv(const char *path, const fs_rt_block *blocks, uint64_t n, double rate);
/* The JSON summary; baseline may be NULL. */
void fs_rt_write_summary(FILE *out, const fs_rt_options *o, const fs_rt_run_info *info, const fs_rt_result *plugin,
                         const fs_rt_result *baseline);
int fs_rt_write_summary_file(const char *path, const fs_rt_options *o, const fs_rt_run_info *info,
                             const fs_rt_result *plugin, const fs_rt_result *baseline);
/* Warns when our jackd ran real-time and the callback did not. */
void fs_rt_check_scheduling(const fs_rt_run_info *info);

#endif

/* fs_host_setup: the state of one `process` run, and everything set up
 * before its first block and taken down after it: the input file, the
 * plugin and its controls (--set, --chaos, state), the output files and
 * the timeline.
 *
 * fs_host_process drives the blocks; fs_host_summary reports on them. */
#ifndef FS_HOST_SETUP_H
#define FS_HOST_SETUP_H

#include "fs_host_audio.h"
#include "fs_host_lv2.h"
#include "fs_host_process.h"
#include "fs_host_progress.h"
#include "fs_host_stats.h"
#include "fs_host_timeline.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct fs_output_checks {
  double ceiling_dbfs;     /* the level checked against */
  double ceiling_linear;
  uint64_t nonfinite;
  uint64_t over_ceiling;   /* strictly greater, no tolerance */
  double peak;             /* largest finite |x| */
} fs_output_checks;

typedef struct fs_run {
  const fs_process_options *options;
  fs_audio_file input;
  fs_audio_file output;
  FILE *json_file;
  fs_host *host;
  uint32_t channels_in;
  uint32_t channels_out;
  uint32_t max_block;
  float *interleaved; /* max_block * max(channels) */
  fs_run_stats stats;
  fs_output_checks checks;
  uint64_t frames;
  uint64_t blocks;       /* as the block options drew them */
  uint64_t runs;         /* run() calls: more than blocks when split */
  uint64_t latency;
  bool latency_known;
  fs_port *chaos;      /* the control a chaos schedule drives, or NULL */
  float chaos_base;    /* its value outside the schedule's windows */
  uint32_t run_limit;  /* longest single run(): the block, or less for the
                          timeline */
  fs_timeline *timeline;
  fs_progress progress;
} fs_run;

/* Opens everything in order, up to the instantiated plugin with its
 * controls set.  Returns 0, or 2 with a one-line reason in err; call
 * fs_run_close either way. */
int fs_run_open(fs_run *run, char *err, size_t err_size);
/* Everything but the output file and the JSON summary's file, which the
 * caller keeps or discards. */
void fs_run_close(fs_run *run);

/* Returns 2 (the process subcommand's failure) with message in err. */
int fs_run_fail(char *err, size_t err_size, const char *message);

#endif

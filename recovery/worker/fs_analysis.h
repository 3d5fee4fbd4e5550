/*
  fs_analysis: failure patterns in a stream of incident records.

  Per cause: how often it happens (incidents, escalations), whether it comes
  in bursts, how well it is recovered and how fast (time to safe output,
  time back to full), and what it goes together with: small host blocks,
  high DSP load, hot input.  "Goes together with" is measured as the share
  of this cause's incidents with the property next to the share of all
  incidents with it; a cause at small blocks in 90 % of its incidents while
  only 20 % of all incidents are is tied to block size.

  An incident is counted once, on its first ONSET: further ONSETs with the
  same id are escalations of it.  Records from several sessions may be
  mixed (a journal spans them): a sample position that goes backwards
  starts a new session.

  Fixed-size plain data, no allocation: the learner and the report each
  keep one.

  Threading: worker class (plain data; one thread at a time).
*/
#ifndef FS_ANALYSIS_H
#define FS_ANALYSIS_H

#include "fs_cause.h"
#include "fs_event.h"

#include <stdbool.h>
#include <stdint.h>

/* Incidents of one cause closer than this follow each other in a burst... */
#define FS_ANALYSIS_BURST_GAP_S 1.0
/* ...and a burst is at least this many of them. */
#define FS_ANALYSIS_BURST_MIN 3u
/* Host blocks up to this many frames count as small. */
#define FS_ANALYSIS_SMALL_BLOCK 64u
/* DSP load at or above this % of real time counts as high. */
#define FS_ANALYSIS_HIGH_LOAD 75.0f
/* Input peaks at or above this dBFS count as hot. */
#define FS_ANALYSIS_HOT_INPUT_DB (-3.0f)
/* Block lengths by power of two: bin b holds 2^b .. 2^(b+1)-1 frames. */
#define FS_ANALYSIS_BLOCK_BINS 16u

typedef struct {
  uint32_t incidents;   /* first ONSETs */
  uint32_t escalations; /* further ONSETs of an incident */
  uint32_t recovered;   /* RECOVERED records */
  uint32_t quarantines;
  uint32_t probe_failures;
  uint32_t outcomes; /* OUTCOME records, and how many said success */
  uint32_t outcome_successes;
  uint32_t incidents_judged; /* incidents with at least one OUTCOME... */
  uint32_t incidents_fixed;  /* ...and with at least one success */

  uint32_t to_safe_count; /* RECOVERED (else first ONSET) times, summed in ms */
  double to_safe_ms_sum;
  uint32_t onset_to_safe_count;
  double onset_to_safe_ms_sum;
  uint32_t to_full_count;
  double to_full_ms_sum;

  uint32_t bursts;        /* runs of >= FS_ANALYSIS_BURST_MIN close incidents */
  uint32_t longest_burst; /* incidents in the longest run */
  uint32_t run_length;    /* the run in progress */

  uint32_t at_small_block; /* incidents with block <= FS_ANALYSIS_SMALL_BLOCK */
  uint32_t at_high_load;   /* dsp_load >= FS_ANALYSIS_HIGH_LOAD */
  uint32_t at_hot_input;   /* input_db >= FS_ANALYSIS_HOT_INPUT_DB */
  uint32_t by_block[FS_ANALYSIS_BLOCK_BINS];
  uint32_t min_block; /* 0 until an incident with a block length */
  uint32_t load_count;
  double load_sum;
  uint32_t input_count;
  double input_db_sum;
  float max_input_db;

  /* Bookkeeping to tell first ONSETs from escalations and new sessions. */
  uint32_t last_id;
  uint64_t last_position;
  double last_sample_rate;
  uint32_t last_judged_id;
  uint32_t last_fixed_id;
  bool seen;
} fs_cause_pattern;

typedef struct {
  fs_cause_pattern cause[FS_CAUSE_COUNT];
  uint64_t records;  /* every record added */
  uint64_t ignored;  /* records with a kind or cause out of range */
  uint32_t incidents; /* all causes */
  uint32_t at_small_block;
  uint32_t at_high_load;
  uint32_t at_hot_input;
} fs_analysis;

void fs_analysis_init(fs_analysis *analysis);

/* Takes one record; returns true when it was the first ONSET of an
   incident (what the learner counts as "one more incident"). */
bool fs_analysis_add(fs_analysis *analysis, const fs_event *event);

/* Means in ms, or NAN when there is nothing to average.  Time to safe
   output prefers RECOVERED records, which carry the final figure. */
double fs_analysis_mean_to_safe_ms(const fs_cause_pattern *pattern);
double fs_analysis_mean_to_full_ms(const fs_cause_pattern *pattern);
double fs_analysis_mean_load(const fs_cause_pattern *pattern);
double fs_analysis_mean_input_db(const fs_cause_pattern *pattern);

/* Share of judged incidents that some strategy fixed; NAN when none was
   judged. */
double fs_analysis_recovery_rate(const fs_cause_pattern *pattern);

/* Lower edge of the block-length bin holding most of the cause's incidents
   (0 when none) and, in *share when not NULL, the share it holds. */
uint32_t fs_analysis_dominant_block(const fs_cause_pattern *pattern, double *share);

/* Causes with any record, most incidents first (ties: lower number), into
   out[0..max); returns how many. */
int fs_analysis_rank_causes(const fs_analysis *analysis, int *out, int max);

#endif

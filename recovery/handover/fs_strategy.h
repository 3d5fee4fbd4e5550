/*
  fs_strategy: what the net does about a cause, in order of preference.

  The audio thread reads a strategy table: for each cause, the strategies
  to try, best first.  The first finding of a cause gets the first
  strategy; if the cause comes back while that strategy is in force, the
  next one is tried.  The worker learns better orders and hands a new table
  to the audio thread through a double buffer (fs_supervisor_offer_table
  copies it into the buffer not in use and raises a flag; the audio thread
  flips to it at its next hop boundary and lowers the flag), so the audio
  thread only ever reads a table, never builds or waits for one.

  The numbers are public (journal and state blobs), so only ever append.

  Threading: fs_strategy_table_default() fills the caller's table and
  fs_strategy_name() reads a constant one: any thread.  A table in use is
  read by the audio thread only; see fs_supervisor_offer_table().
*/
#ifndef FS_STRATEGY_H
#define FS_STRATEGY_H

#include "fs_cause.h"

#include <stdint.h>

typedef enum {
  FS_STRATEGY_NONE = 0,    /* report only: the guard already keeps the output safe */
  FS_STRATEGY_ADJUST = 1,  /* tune the full path (gain floor, smoothing, output trim; the
                              learned tier's causes: its classical gains) */
  FS_STRATEGY_LIGHT = 2,   /* crossfade to the light tier */
  FS_STRATEGY_BYPASS = 3,  /* crossfade to the latency-aligned dry signal */
  FS_STRATEGY_REBUILD = 4, /* restore the last good snapshot, light tier while it re-warms */
  FS_STRATEGY_COUNT
} fs_strategy;

#define FS_STRATEGY_STEPS 3u

#define FS_DEFAULT_MUSICAL_NOISE_THRESHOLD 0.06f /* corpus: at most 0.036 in any hop */
#define FS_DEFAULT_FLUX_THRESHOLD 20.0f /* corpus: at most 14.6 in any hop at 40 dB */

typedef struct {
  /* order[cause][i]: the i-th strategy to try for cause. */
  uint8_t order[FS_CAUSE_COUNT][FS_STRATEGY_STEPS];
  /* Hops the net stays pre-emptively on the light tier after start-up,
     when the learner has seen repeated overruns (0: start on full). */
  uint32_t start_on_light_hops;
  /* Output trim of the full path in dB (<= 0) set by prevention, e.g.
     after repeated input clipping. */
  float preemptive_trim_db;
  /* Detector thresholds, adapted to the material and the machine. */
  float musical_noise_threshold; /* isolated-peak index that counts as musical noise */
  float flux_threshold;          /* output/input spectral flux ratio */
  float budget_scale;            /* multiplies the `budget` control (<= 1 tightens) */
  uint32_t version; /* increments with every table the worker publishes */
} fs_strategy_table;

/* The built-in table, used until the learner knows better. */
void fs_strategy_table_default(fs_strategy_table *table);

const char *fs_strategy_name(int strategy);

#endif

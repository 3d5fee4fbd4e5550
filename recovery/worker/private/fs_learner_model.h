/*
  fs_learner_model: the learner's instance, shared by its two units -
  fs_learner.c (evidence, ranking, tables, advice) and fs_learner_blob.c
  (the model as a versioned, checksummed blob).  Private to
  recovery/worker/: its users see fs_learner.h.

  Threading: as fs_learner.h (worker class).
*/
#ifndef FS_LEARNER_MODEL_H
#define FS_LEARNER_MODEL_H

#include "fs_analysis.h"
#include "fs_cause.h"
#include "fs_learner.h"
#include "fs_strategy.h"

#include <stdint.h>

/* Readings kept per ring. */
enum { RING = 64 };

/* Recent first-ONSET readings of one artifact detector. */
typedef struct {
  float value[RING];
  uint8_t chaos[RING]; /* fault injection was on: a real fault, not the material */
  uint32_t next, filled;
} reading_ring;

/* Recent deadline incidents: DSP load then, and the budget control. */
typedef struct {
  float load[RING];
  float budget[RING];
  uint32_t next, filled;
} deadline_ring;

/* Everything below `session` is the model and goes into the blob. */
struct fs_learner {
  uint64_t seed;
  uint32_t version; /* of the last table built */
  uint32_t tries[FS_CAUSE_COUNT][FS_STRATEGY_COUNT];
  uint32_t successes[FS_CAUSE_COUNT][FS_STRATEGY_COUNT];
  uint32_t outcomes[FS_CAUSE_COUNT];        /* OUTCOME records ever: drives exploration */
  uint32_t incidents[FS_CAUSE_COUNT];       /* first ONSETs */
  uint32_t chaos_incidents[FS_CAUSE_COUNT]; /* ...with fault injection on */
  uint32_t reduction_count[FS_CAUSE_COUNT]; /* `reduction` control at first ONSETs */
  double reduction_sum[FS_CAUSE_COUNT];
  uint32_t small_block_overruns;
  uint32_t min_overrun_block; /* 0: none yet */
  float max_clip_input_db;    /* -inf: none yet */
  reading_ring musical_noise;
  reading_ring flux;
  deadline_ring deadline;
  /* Session bookkeeping only (tells first ONSETs from escalations). */
  fs_analysis session;
};

/* Every figure of the model at its starting value, the session forgotten. */
void fs_learner_set_defaults(fs_learner *learner, uint64_t seed);

#endif

/*
  fs_learner: learns, from the incident records, which recovery strategy
  works for which cause, adapts detector thresholds and the deadline budget
  to the material and the machine, and turns repeated patterns into
  prevention and advice.  Its product is an fs_strategy_table for the
  audio thread and a few human-readable recommendations.

  Ranking.  Every OUTCOME record is one try of (cause, action) and says
  whether it worked.  A strategy's score is its posterior success rate
  with a uniform prior, (successes + 1) / (tries + 2): an untried strategy
  scores 1/2, so it climbs above one that keeps failing and falls below
  one that keeps working.  Ties go to the built-in order.  Only strategies
  fs_taxonomy allows for the cause are ranked; a cause without any outcome
  keeps the built-in order.  Counts are halved for a cause once one of its
  strategies reaches FS_LEARNER_WINDOW tries, so old evidence fades and
  the counters stay bounded.

  Exploration.  So that a better strategy can still be found, in every run
  of FS_LEARNER_EXPLORE_PERIOD outcomes of a cause, exactly one table puts
  the runner-up first for that cause (which one is drawn from the seed:
  deterministic).  The first run of outcomes is never explored (the
  escalations already give every early strategy a try), nor is a runner-up
  tried FS_LEARNER_EXPLORE_MAX_TRIES times already.  Exploitation is thus
  at least 1 - 1/32 = 96.9 % of the tables a cause sees.

  Thresholds (only from first ONSETs; rings of the last readings):
  - musical_noise_threshold, flux_threshold: a detector that keeps firing
    just above its threshold (reading < 1.5 x the built-in threshold) on
    material without fault injection (chaos 0) is firing on the material
    itself.  Once at least 5 of the recent readings are such marginal
    ones and they are at least half of the clean readings, the threshold
    becomes 1.05 x the highest marginal reading, kept below 0.9 x the
    lowest strong reading (a real fault still fires) and within
    [built-in, 2 x built-in].  Thresholds never drop below the built-in
    value: adaptation can only cut false alarms, never add them.
  - budget_scale: a deadline incident with dsp_load < 100 % did not cost a
    dropout (the machine kept up): it is a false alarm against a budget
    tighter than this machine's normal jitter.  After at least 3 deadline
    incidents: if most of them were real overruns (dsp_load >= 100 %) the
    budget tightens (x 0.75) so the net leaves the full path earlier;
    otherwise the recommended budget is 1.25 x the 95th percentile of
    their dsp_load, at most 90 %, and the scale is that over the median
    budget control, within [1, 2].
  Prevention (after FS_LEARNER_REPEAT first ONSETs):
  - deadline incidents at blocks <= FS_ANALYSIS_SMALL_BLOCK: start on the
    light tier for FS_LEARNER_START_LIGHT_HOPS hops;
  - clipped input: preemptive_trim_db -3 dB, -6 dB after 10.

  Threading: create/destroy, observe, build_table, recommendations,
  getters, serialize and deserialize are all worker class (one thread at a
  time; the audio thread only ever sees the tables).
*/
#ifndef FS_LEARNER_H
#define FS_LEARNER_H

#include "fs_event.h"
#include "fs_strategy.h"

#include <stddef.h>
#include <stdint.h>

#define FS_LEARNER_WINDOW 1024u
#define FS_LEARNER_EXPLORE_PERIOD 32u
#define FS_LEARNER_EXPLORE_MAX_TRIES 16u
#define FS_LEARNER_REPEAT 3u
#define FS_LEARNER_START_LIGHT_HOPS 1000u

/* deserialize() results; negative, so `if (err < 0) log(...)`. */
enum {
  FS_LEARNER_OK = 0,
  FS_LEARNER_ERR_ARGUMENT = -1,  /* NULL learner or buffer */
  FS_LEARNER_ERR_TRUNCATED = -2, /* shorter than its header says */
  FS_LEARNER_ERR_MAGIC = -3,     /* not a learner blob */
  FS_LEARNER_ERR_CHECKSUM = -4,  /* CRC-32 mismatch */
  FS_LEARNER_ERR_VERSION = -5,   /* written by a newer format */
  FS_LEARNER_ERR_CORRUPT = -6    /* checksum fine, contents impossible */
};

typedef struct fs_learner fs_learner;

typedef struct {
  char action[32];       /* stable key, e.g. "lower_input_gain" */
  char description[160]; /* one sentence for a person */
} fs_recommendation;

/* NULL when out of memory.  The seed drives exploration only. */
fs_learner *fs_learner_create(uint64_t seed);
void fs_learner_destroy(fs_learner *learner);

/* Back to what create() gave (same seed). */
void fs_learner_reset(fs_learner *learner);

/* Takes one record of any kind; unknown kinds, causes or actions are
   ignored. */
void fs_learner_observe(fs_learner *learner, const fs_event *event);

/* Fills the whole table (order, thresholds, prevention) and gives it the
   next version number.  Same evidence, same table (version aside). */
void fs_learner_build_table(fs_learner *learner, fs_strategy_table *out);

/* The best strategy for cause on the evidence (no exploration), or -1
   when no strategy of the cause has been tried. */
int fs_learner_best_strategy(const fs_learner *learner, int cause);

/* Advice from repeated patterns, most urgent first, into out[0..max);
   returns how many (at most FS_CAUSE_COUNT). */
size_t fs_learner_recommendations(const fs_learner *learner, fs_recommendation *out,
                                  size_t max);

/* Evidence per (cause, strategy), and first ONSETs per cause; 0 out of
   range. */
uint32_t fs_learner_tries(const fs_learner *learner, int cause, int strategy);
uint32_t fs_learner_successes(const fs_learner *learner, int cause, int strategy);
uint32_t fs_learner_incidents(const fs_learner *learner, int cause);

/* Little-endian, versioned, CRC-32 checked blob of the whole model.
   Returns the blob's size; writes only when it fits in cap (so call with
   cap 0 to learn the size).  FS_LEARNER_BLOB_MAX always suffices. */
#define FS_LEARNER_BLOB_MAX 4096u
size_t fs_learner_serialize(const fs_learner *learner, uint8_t *buf, size_t cap);

/* FS_LEARNER_OK, or a negative FS_LEARNER_ERR_* with the learner reset to
   defaults.  Never reads past len. */
int fs_learner_deserialize(fs_learner *learner, const uint8_t *buf, size_t len);

/* CRC-32 (IEEE 802.3, as zlib) the blob uses; public for tests and tools. */
uint32_t fs_learner_crc32(const uint8_t *data, size_t len);

/* "ok", "truncated", ...; for logging deserialize() results. */
const char *fs_learner_error_name(int error);

#endif

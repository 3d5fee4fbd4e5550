#include "fs_strategy.h"

#include <string.h>

void fs_strategy_table_default(fs_strategy_table *t) {
  memset(t, 0, sizeof(*t));
  /* Input faults are nobody's tier's fault: the guard handles them. */
  const uint8_t report[FS_STRATEGY_STEPS] = {FS_STRATEGY_NONE, FS_STRATEGY_NONE, FS_STRATEGY_NONE};
  /* Artifacts and clipping: tune first, fall back if that is not enough. */
  const uint8_t tune[FS_STRATEGY_STEPS] = {FS_STRATEGY_ADJUST, FS_STRATEGY_LIGHT, FS_STRATEGY_BYPASS};
  /* Broken state: roll back and re-warm, never play it. */
  const uint8_t rebuild[FS_STRATEGY_STEPS] = {FS_STRATEGY_REBUILD, FS_STRATEGY_LIGHT, FS_STRATEGY_BYPASS};
  /* Too slow or unexplained: the cheaper tier. */
  const uint8_t lighter[FS_STRATEGY_STEPS] = {FS_STRATEGY_LIGHT, FS_STRATEGY_BYPASS, FS_STRATEGY_BYPASS};

  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    memcpy(t->order[cause], report, sizeof(report));
  }
  memcpy(t->order[FS_CAUSE_STATE_CORRUPT], rebuild, sizeof(rebuild));
  memcpy(t->order[FS_CAUSE_RUNAWAY_GAIN], rebuild, sizeof(rebuild));
  memcpy(t->order[FS_CAUSE_OUTPUT_CLIPPING], tune, sizeof(tune));
  memcpy(t->order[FS_CAUSE_MUSICAL_NOISE], tune, sizeof(tune));
  memcpy(t->order[FS_CAUSE_SPECTRAL_FLUX], lighter, sizeof(lighter));
  memcpy(t->order[FS_CAUSE_DEADLINE], lighter, sizeof(lighter));
  /* The learned tier's faults: the classical gains of the same tier, which
     for these causes is what ADJUST means (the net's learned breaker);
     never a lower tier, which the network's faults do not reach. */
  const uint8_t classical[FS_STRATEGY_STEPS] = {FS_STRATEGY_ADJUST, FS_STRATEGY_ADJUST, FS_STRATEGY_ADJUST};
  memcpy(t->order[FS_CAUSE_LEARNED_INVALID], classical, sizeof(classical));
  memcpy(t->order[FS_CAUSE_LEARNED_FLICKER], classical, sizeof(classical));
  memcpy(t->order[FS_CAUSE_SPEECH_LOSS], classical, sizeof(classical));

  t->musical_noise_threshold = FS_DEFAULT_MUSICAL_NOISE_THRESHOLD;
  t->flux_threshold = FS_DEFAULT_FLUX_THRESHOLD;
  t->budget_scale = 1.0f;
}

const char *fs_strategy_name(int strategy) {
  switch (strategy) {
  case FS_STRATEGY_NONE: return "none";
  case FS_STRATEGY_ADJUST: return "adjust";
  case FS_STRATEGY_LIGHT: return "light";
  case FS_STRATEGY_BYPASS: return "bypass";
  case FS_STRATEGY_REBUILD: return "rebuild";
  default: return "unknown";
  }
}

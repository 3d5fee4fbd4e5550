#include "fs_mixer.h"

void fs_mixer_reset(fs_mixer *m, uint32_t tier) {
  for (uint32_t t = 0; t < FS_MIXER_TIERS; ++t) {
    m->weight[t] = 0.0f;
  }
  m->target = tier < FS_MIXER_TIERS ? tier : FS_MIXER_TIERS - 1;
  m->weight[m->target] = 1.0f;
}

void fs_mixer_set_target(fs_mixer *m, uint32_t tier) {
  if (tier < FS_MIXER_TIERS) {
    m->target = tier;
  }
}

void fs_mixer_step(fs_mixer *m, float length) {
  const float old = m->weight[m->target];
  if (old >= 1.0f) {
    return;
  }
  const float step = length > 1.0f ? 1.0f / length : 1.0f;
  float grown = old + step;
  if (grown >= 1.0f) {
    for (uint32_t t = 0; t < FS_MIXER_TIERS; ++t) {
      m->weight[t] = 0.0f;
    }
    m->weight[m->target] = 1.0f;
    return;
  }
  /* The others keep their proportions and make room. */
  const float scale = (1.0f - grown) / (1.0f - old);
  for (uint32_t t = 0; t < FS_MIXER_TIERS; ++t) {
    m->weight[t] = (t == m->target) ? grown : m->weight[t] * scale;
  }
}

uint32_t fs_mixer_dominant(const fs_mixer *m) {
  uint32_t best = 0;
  for (uint32_t t = 1; t < FS_MIXER_TIERS; ++t) {
    if (m->weight[t] > m->weight[best]) {
      best = t;
    }
  }
  return best;
}

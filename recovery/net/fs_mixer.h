/*
  fs_mixer: sample-accurate crossfades between the three tiers.

  Each tier has a weight; the weights always sum to 1.  Every sample the
  target tier's weight grows by 1/length and the others shrink in
  proportion, so a fade can reverse or change its destination at any
  sample and nothing jumps: the output is always a blend of tiers that are
  sample-aligned (they share one latency).  Linear weights keep the level
  of correlated signals, which the tiers are: versions of the same input.

  Plain struct, no allocation, audio class.
*/
#ifndef FS_MIXER_H
#define FS_MIXER_H

#include <stdbool.h>
#include <stdint.h>

#define FS_MIXER_TIERS 3u

typedef struct {
  float weight[FS_MIXER_TIERS];
  uint32_t target;
} fs_mixer;

/* Starts fully on `tier`. */
void fs_mixer_reset(fs_mixer *mixer, uint32_t tier);

/* Where the fade goes from now on. */
void fs_mixer_set_target(fs_mixer *mixer, uint32_t tier);

/* Advances one sample with fade length `length` samples (>= 1). */
void fs_mixer_step(fs_mixer *mixer, float length);

/* True when the target tier alone is heard. */
static inline bool fs_mixer_settled(const fs_mixer *mixer) { return mixer->weight[mixer->target] >= 1.0f; }

/* The tier with the largest weight: what the listener mostly hears. */
uint32_t fs_mixer_dominant(const fs_mixer *mixer);

#endif

/*
  fs_level_follower: how far the whole noise floor has moved from the
  noise tracker's estimate, frame by frame, and how far the estimate
  should follow it (see the level follower in fs_tuning.h).

  The noise in most live chains changes level as a whole (a fan starts, a
  gain is ridden, a machine hunts), which the tracker's per-bin update
  follows only slowly.  Each frame, the share of bins under each of a
  ladder of probes (times their estimate) gives a reading of the floor's
  level; speech, which lifts only the bins it occupies, spreads the
  readings apart, and a reading is put right for the share of bins it
  lifts.  Past a dead zone the follower asks the tracker to move the whole
  estimate; it owns nothing of the estimate itself.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_LEVEL_FOLLOWER_H
#define FS_LEVEL_FOLLOWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_level_follower fs_level_follower;

/* bins: spectrum bins per frame; hop_seconds: time between updates;
   silent_bin: a bin's power at FS_SILENCE_DBFS (such bins carry nothing). */
fs_level_follower *fs_level_follower_create(uint32_t bins, double hop_seconds, float silent_bin);
void fs_level_follower_destroy(fs_level_follower *follower);
void fs_level_follower_reset(fs_level_follower *follower);

/* One frame: its bin powers, the tracker's estimate and the last frame's
   speech presence.  Returns the dB the whole estimate should move by (0:
   stay); *with_minima says whether the minima that cap it move too (only
   when the frame's readings agreed). */
float fs_level_follower_update(fs_level_follower *follower, const float *power, const float *psd,
                               const float *presence, bool *with_minima);

/* Its part of the tracker's snapshot. */
size_t fs_level_follower_state_size(void);
void fs_level_follower_save(const fs_level_follower *follower, void *dst);
void fs_level_follower_load(fs_level_follower *follower, const void *src);
bool fs_level_follower_state_is_finite(const fs_level_follower *follower);

#endif

/*
  fs_reduction: the reduction control's one meaning, shared by every tier:
  the deepest attenuation in dB, clamped to the published range (NaN means
  none), turned into the smallest gain a tier may apply.

  Pure inline function, any thread.
*/
#ifndef FS_REDUCTION_H
#define FS_REDUCTION_H

#include "fs_enhancer.h"

#include <math.h>

static inline float fs_reduction_floor_gain(float reduction_db) {
  if (!(reduction_db >= FS_REDUCTION_MIN_DB)) { /* NaN too */
    reduction_db = FS_REDUCTION_MIN_DB;
  }
  if (reduction_db > FS_REDUCTION_MAX_DB) {
    reduction_db = FS_REDUCTION_MAX_DB;
  }
  return powf(10.0f, -reduction_db / 20.0f);
}

#endif

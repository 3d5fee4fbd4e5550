/*
  fs_sanitize: what a sample must look like before it may touch any DSP
  state.  NaN and Inf become silence (a burst of garbage must not poison
  a noise estimate forever), absurd levels are clipped, and values too
  small to matter become exact zeros so nothing downstream decays into
  the slow denormal range.

  Pure inline function, any thread.
*/
#ifndef FS_SANITIZE_H
#define FS_SANITIZE_H

#include "fs_tuning.h"

#include <math.h>

static inline float fs_sanitize_sample(float x) {
  if (!isfinite(x)) {
    return 0.0f;
  }
  const float magnitude = fabsf(x);
  if (magnitude < FS_INPUT_FLUSH) {
    return 0.0f;
  }
  if (magnitude > FS_INPUT_LIMIT) {
    return x > 0.0f ? FS_INPUT_LIMIT : -FS_INPUT_LIMIT;
  }
  return x;
}

/* Zero for anything a state variable should not hold: tiny, NaN or Inf.
   For state that decays towards zero on its own (filter memories). */
static inline float fs_flush_state(float x) {
  return (isfinite(x) && fabsf(x) >= FS_INPUT_FLUSH) ? x : 0.0f;
}

#endif

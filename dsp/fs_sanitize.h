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

#include <stdbool.h>
#include <stddef.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

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
/* The same for a block, branch-free so it vectorises; in and out may be
   the same buffer.  Results are identical to fs_sanitize_sample(). */
static inline void fs_sanitize_block(const float *in, float *out, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    const float x = in[i];
    const float a = fabsf(x);
    float v = a > FS_INPUT_LIMIT ? copysignf(FS_INPUT_LIMIT, x) : x;
    v = a < FS_INPUT_FLUSH ? 0.0f : v;
    out[i] = a <= FLT_MAX ? v : 0.0f; /* false for NaN and Inf */
  }
}

/* True when every value is finite.  A sum of x - x is 0 for finite
   values and NaN as soon as one is not: no branch, so it vectorises. */
static inline bool fs_all_finite(const float *x, size_t n) {
  float poison = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    poison += x[i] - x[i];
  }
  return poison == 0.0f;
}

/* The largest |x| of a block, as its bit pattern.  For non-negative floats
   the order of the bit patterns is the order of the values, so an integer
   maximum finds it, and unlike a float maximum it vectorises.  A result
   above FS_FINITE_BITS_MAX means a NaN or Inf is in the block. */
#define FS_FINITE_BITS_MAX 0x7f7fffffu
static inline uint32_t fs_peak_bits(const float *x, size_t n) {
  int32_t peak = 0;
  for (size_t i = 0; i < n; ++i) {
    int32_t bits;
    memcpy(&bits, &x[i], sizeof(bits));
    bits &= 0x7fffffff;
    peak = bits > peak ? bits : peak;
  }
  return (uint32_t)peak;
}

/* The float a finite peak's bits stand for. */
static inline float fs_bits_value(uint32_t bits) {
  float value;
  memcpy(&value, &bits, sizeof(value));
  return value;
}

static inline float fs_flush_state(float x) {
  return (isfinite(x) && fabsf(x) >= FS_INPUT_FLUSH) ? x : 0.0f;
}

#endif

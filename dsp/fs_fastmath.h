/*
  fs_fastmath: cheap float approximations of 2^x and log2(x) for the
  per-bin loops.  expf/logf cost tens of cycles each and would be called
  thousands of times per hop; these are a handful of multiply-adds with a
  relative error near 1e-6, far below anything audible.

  Pure inline functions, no state.  Callers pass finite arguments (the
  enhancer sanitises its input, so every value reaching here is finite).
*/
#ifndef FS_FASTMATH_H
#define FS_FASTMATH_H

#include <stdint.h>
#include <string.h>

#define FS_LOG2_E 1.44269504f
#define FS_LOG2_10_OVER_20 0.166096404f /* dB to log2 of an amplitude */
#define FS_LOG2_10_OVER_10 0.332192809f /* dB to log2 of a power */
#define FS_DB_PER_OCTAVE 3.01029996f    /* log2 of a power to dB */
#define FS_LN_2 0.693147181f

/* 2^y, y clamped to the normal-float exponent range [-126, 127].
   Branch-free, so the per-bin loops that call it can be vectorised. */
static inline float fs_exp2(float y) {
  y = y > -126.0f ? y : -126.0f; /* NaN becomes -126 too */
  y = y < 127.0f ? y : 127.0f;
  /* y = k + f with k the nearest integer and f in [-0.5, 0.5]: 2^k goes
     into the exponent bits, 2^f is a short Taylor series.  y + 127.5 is
     positive, so truncation is floor. */
  const int32_t k = (int32_t)(y + 127.5f) - 127;
  const float f = y - (float)k;
  const float p =
      1.0f + f * (0.693147181f +
                  f * (0.240226507f + f * (0.0555041087f + f * (0.00961812911f + f * 0.00133335581f))));
  const uint32_t bits = (uint32_t)(k + 127) << 23;
  float scale;
  memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

/* Minimum and maximum that compile to single min/max instructions (and
   vectorise), unlike fminf/fmaxf with their NaN rules.  For finite values. */
static inline float fs_min(float a, float b) { return a < b ? a : b; }
static inline float fs_max(float a, float b) { return a > b ? a : b; }

/* e^y via 2^(y log2 e). */
static inline float fs_exp(float y) { return fs_exp2(y * FS_LOG2_E); }

/* log2(x) for a positive normal x.  Branch-free. */
static inline float fs_log2(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof(bits));
  /* Split x = 2^e * m with m in [sqrt(1/2), sqrt(2)), centred on 1 so the
     series converges fast: subtracting the bits of sqrt(1/2) first moves
     the octave boundary there. */
  const uint32_t shifted = bits - 0x3f3504f3u;
  const int32_t e = (int32_t)shifted >> 23;
  bits = (shifted & 0x007fffffu) + 0x3f3504f3u;
  float m;
  memcpy(&m, &bits, sizeof(m));
  /* ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172 */
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  const float ln_m = 2.0f * s * (1.0f + s2 * (0.333333333f + s2 * (0.2f + s2 * 0.142857143f)));
  return (float)e + ln_m * FS_LOG2_E;
}

#endif

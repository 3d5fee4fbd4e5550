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

/* FS_NO_SIMD: the portable code only (the tests build it both ways). */
#if defined(__SSE2__) && !defined(FS_NO_SIMD)
#define FS_SANITIZE_SSE2 1
#include <emmintrin.h>
#endif

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
  uint32_t i = 0;
#if defined(FS_SANITIZE_SSE2)
  /* The same results in about half the steps: for a finite x, clipping
     |x| to the limit with x's sign is clamping x to [-limit, limit], one
     MAXPS and one MINPS; a NaN or Inf is cleared by the last mask either
     way, and a cleared lane is +0 as below. */
  const __m128 magnitude_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  const __m128 limit = _mm_set1_ps(FS_INPUT_LIMIT), negative_limit = _mm_set1_ps(-FS_INPUT_LIMIT);
  const __m128 flush = _mm_set1_ps(FS_INPUT_FLUSH), largest = _mm_set1_ps(FLT_MAX);
  for (; i + 4 <= n; i += 4) {
    const __m128 x = _mm_loadu_ps(in + i);
    const __m128 a = _mm_and_ps(x, magnitude_mask);
    const __m128 clipped = _mm_min_ps(_mm_max_ps(x, negative_limit), limit);
    /* flush <= |x| <= FLT_MAX: false for NaN and Inf. */
    const __m128 keep = _mm_and_ps(_mm_cmpge_ps(a, flush), _mm_cmple_ps(a, largest));
    _mm_storeu_ps(out + i, _mm_and_ps(keep, clipped));
  }
#endif
  for (; i < n; ++i) {
    const float x = in[i];
    const float a = fabsf(x);
    float v = a > FS_INPUT_LIMIT ? copysignf(FS_INPUT_LIMIT, x) : x;
    v = a < FS_INPUT_FLUSH ? 0.0f : v;
    out[i] = a <= FLT_MAX ? v : 0.0f; /* false for NaN and Inf */
  }
}

/* Sums that vectorise without -ffast-math: FS_SUM_LANES partial sums in
   lanes the compiler maps onto vector registers, folded at the end.  The
   order of additions is fixed, so a result depends only on the block. */
#define FS_SUM_LANES 16u

/* True when every value is finite.  A sum of x - x is 0 for finite
   values and NaN as soon as one is not: no branch, and in lanes, so it
   vectorises. */
static inline bool fs_all_finite(const float *x, size_t n) {
  float poison[FS_SUM_LANES] = {0.0f};
  const size_t whole = n - n % FS_SUM_LANES;
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    for (size_t j = 0; j < FS_SUM_LANES; ++j) {
      poison[j] += x[i + j] - x[i + j];
    }
  }
  for (size_t i = whole; i < n; ++i) {
    poison[i - whole] += x[i] - x[i];
  }
  float all = 0.0f;
  for (size_t j = 0; j < FS_SUM_LANES; ++j) {
    all += poison[j];
  }
  return all == 0.0f;
}

/* The largest |x| of a block, as its bit pattern.  For non-negative floats
   the order of the bit patterns is the order of the values, so an integer
   maximum finds it, and unlike a float maximum it vectorises.  A result
   above FS_FINITE_BITS_MAX means a NaN or Inf is in the block. */
#define FS_FINITE_BITS_MAX 0x7f7fffffu
static inline uint32_t fs_peak_bits(const float *x, size_t n) {
  /* In lanes too: a few vectors of maxima in flight beat one. */
  int32_t lane[FS_SUM_LANES] = {0};
  const size_t whole = n - n % FS_SUM_LANES;
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    for (size_t j = 0; j < FS_SUM_LANES; ++j) {
      int32_t bits;
      memcpy(&bits, &x[i + j], sizeof(bits));
      bits &= 0x7fffffff;
      lane[j] = bits > lane[j] ? bits : lane[j];
    }
  }
  int32_t peak = 0;
  for (size_t i = whole; i < n; ++i) {
    int32_t bits;
    memcpy(&bits, &x[i], sizeof(bits));
    bits &= 0x7fffffff;
    peak = bits > peak ? bits : peak;
  }
  for (size_t j = 0; j < FS_SUM_LANES; ++j) {
    peak = lane[j] > peak ? lane[j] : peak;
  }
  return (uint32_t)peak;
}

/* The largest |x| as fs_peak_bits() finds it, and in *tiny the number of
   denormals (non-zero values below FLT_MIN), by the bits too: with
   denormals-are-zero on, a float comparison would take every denormal for
   0.  One branch-free pass; as unsigned, bits - 1 puts 0 above everything. */
static inline uint32_t fs_peak_bits_tiny(const float *x, size_t n, uint32_t *tiny) {
  int32_t peak = 0;
  uint32_t count = 0;
  for (size_t i = 0; i < n; ++i) {
    int32_t bits;
    memcpy(&bits, &x[i], sizeof(bits));
    bits &= 0x7fffffff;
    peak = bits > peak ? bits : peak;
    count += (uint32_t)(bits - 1) < 0x007fffffu;
  }
  *tiny = count;
  return (uint32_t)peak;
}

/* Sum of x[i]^2.  NaN or Inf anywhere makes it non-finite. */
static inline float fs_sum_squares(const float *x, size_t n) {
  float lane[FS_SUM_LANES] = {0.0f};
  const size_t whole = n - n % FS_SUM_LANES;
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    for (size_t j = 0; j < FS_SUM_LANES; ++j) {
      lane[j] += x[i + j] * x[i + j];
    }
  }
  for (size_t i = whole; i < n; ++i) {
    lane[i - whole] += x[i] * x[i];
  }
  for (size_t width = FS_SUM_LANES / 2; width > 0; width /= 2) {
    for (size_t j = 0; j < width; ++j) {
      lane[j] += lane[j + width];
    }
  }
  return lane[0];
}

/* Sum of x[i]. */
static inline float fs_sum(const float *x, size_t n) {
  float lane[FS_SUM_LANES] = {0.0f};
  const size_t whole = n - n % FS_SUM_LANES;
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    for (size_t j = 0; j < FS_SUM_LANES; ++j) {
      lane[j] += x[i + j];
    }
  }
  for (size_t i = whole; i < n; ++i) {
    lane[i - whole] += x[i];
  }
  for (size_t width = FS_SUM_LANES / 2; width > 0; width /= 2) {
    for (size_t j = 0; j < width; ++j) {
      lane[j] += lane[j + width];
    }
  }
  return lane[0];
}

/* What the safety net wants of a block, in one read: its peak's bits (as
   fs_peak_bits gives them for finite values; above FS_FINITE_BITS_MAX when
   a NaN or Inf is in it) and its sum and sum of squares (bit for bit those
   of fs_sum and fs_sum_squares: the same lanes, added in the same order). */
typedef struct {
  uint32_t peak_bits;
  float sum;
  float sum_squares;
} fs_block_measure;

/* The end of every measuring pass, whatever vectors it used: the samples
   after the last whole group of lanes, then the lanes added up in a fixed
   order.  Kept in one place so every pass gives the same bits. */
static inline fs_block_measure fs_measure_finish(const float *x, float *copy, size_t whole, size_t n,
                                                 float *peak_lane, float *sum_lane, float *square_lane) {
  for (size_t i = whole; i < n; ++i) {
    const float magnitude = fabsf(x[i]);
    peak_lane[0] = magnitude > peak_lane[0] ? magnitude : peak_lane[0];
    sum_lane[i - whole] += x[i];
    square_lane[i - whole] += x[i] * x[i];
    if (copy) {
      copy[i] = x[i];
    }
  }
  float peak_value = 0.0f;
  for (size_t j = 0; j < FS_SUM_LANES; ++j) {
    peak_value = peak_lane[j] > peak_value ? peak_lane[j] : peak_value;
  }
  for (size_t width = FS_SUM_LANES / 2; width > 0; width /= 2) {
    for (size_t j = 0; j < width; ++j) {
      sum_lane[j] += sum_lane[j + width];
      square_lane[j] += square_lane[j + width];
    }
  }
  fs_block_measure m = {0u, sum_lane[0], square_lane[0]};
  if (isfinite(m.sum_squares)) {
    memcpy(&m.peak_bits, &peak_value, sizeof(m.peak_bits));
  } else {
    m.peak_bits = fs_peak_bits(x, n); /* NaN, Inf, or squares beyond float */
  }
  return m;
}

/* The shared body: `copy` (when not NULL) receives the block as it is
   read; inlined with a constant, the test on it costs nothing.  The peak
   is a float maximum of |x|, which for finite values is the same as the
   maximum of the bits; a NaN or Inf anywhere makes the sum of squares
   non-finite, and only then is the block read again for the exact bits.
   SSE2 (every x86-64) takes 16 lanes as four vectors in one pass; the
   portable code adds the same lanes in the same order, so both give the
   same sums to the bit. */
static inline fs_block_measure fs_measure_block_into(const float *x, float *copy, size_t n) {
  float peak_lane[FS_SUM_LANES] = {0.0f}, sum_lane[FS_SUM_LANES] = {0.0f}, square_lane[FS_SUM_LANES] = {0.0f};
  const size_t whole = n - n % FS_SUM_LANES;
#if defined(FS_SANITIZE_SSE2)
  static_assert(FS_SUM_LANES == 16u, "four SSE vectors of lanes");
  const __m128 magnitude_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  __m128 peak[4], sum[4], square[4];
  for (int v = 0; v < 4; ++v) {
    peak[v] = sum[v] = square[v] = _mm_setzero_ps();
  }
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    for (int v = 0; v < 4; ++v) {
      const __m128 value = _mm_loadu_ps(x + i + 4 * v);
      peak[v] = _mm_max_ps(peak[v], _mm_and_ps(value, magnitude_mask));
      sum[v] = _mm_add_ps(sum[v], value);
      square[v] = _mm_add_ps(square[v], _mm_mul_ps(value, value));
      if (copy) {
        _mm_storeu_ps(copy + i + 4 * v, value);
      }
    }
  }
  for (int v = 0; v < 4; ++v) {
    _mm_storeu_ps(peak_lane + 4 * v, peak[v]);
    _mm_storeu_ps(sum_lane + 4 * v, sum[v]);
    _mm_storeu_ps(square_lane + 4 * v, square[v]);
  }
#else
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    for (size_t j = 0; j < FS_SUM_LANES; ++j) {
      const float value = x[i + j], magnitude = fabsf(value);
      peak_lane[j] = magnitude > peak_lane[j] ? magnitude : peak_lane[j];
      sum_lane[j] += value;
      square_lane[j] += value * value;
      if (copy) {
        copy[i + j] = value;
      }
    }
  }
#endif
  return fs_measure_finish(x, copy, whole, n, peak_lane, sum_lane, square_lane);
}

static inline fs_block_measure fs_measure_block(const float *x, size_t n) {
  return fs_measure_block_into(x, NULL, n);
}

/* The same, copying the block to `copy` (not overlapping x) on the way. */
static inline fs_block_measure fs_measure_and_copy(const float *x, float *copy, size_t n) {
  return fs_measure_block_into(x, copy, n);
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

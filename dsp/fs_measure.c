/* fs_measure: see fs_measure.h. */
#include "fs_measure.h"

#include "fs_compiler.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(FS_NO_SIMD)
#define FS_MEASURE_AVX 1
#include <immintrin.h>
#endif

fs_block_measure fs_measure_baseline(const float *x, float *copy, size_t n) {
  return fs_measure_block_into(x, copy, n);
}

#if defined(FS_MEASURE_AVX)
/* The fold of fs_measure_finish() in registers: lane j + lane j + 8 is
   the sum of the two vectors, then j + 4, j + 2 and j + 1 are the halves
   of what is left, each added as the scalar fold adds them, so the bits
   are the same. */
__attribute__((target("avx"))) static inline float fold_lanes(__m256 low, __m256 high) {
  const __m256 eight = _mm256_add_ps(low, high);
  const __m128 four = _mm_add_ps(_mm256_castps256_ps128(eight), _mm256_extractf128_ps(eight, 1));
  const __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
  const __m128 one = _mm_add_ss(two, _mm_shuffle_ps(two, two, 1));
  return _mm_cvtss_f32(one);
}

/* The largest lane: order does not matter for a maximum of finite values,
   and with a NaN or Inf in the block the peak is found again by its bits. */
__attribute__((target("avx"))) static inline float max_lanes(__m256 low, __m256 high) {
  const __m256 eight = _mm256_max_ps(low, high);
  const __m128 four = _mm_max_ps(_mm256_castps256_ps128(eight), _mm256_extractf128_ps(eight, 1));
  const __m128 two = _mm_max_ps(four, _mm_movehl_ps(four, four));
  return _mm_cvtss_f32(_mm_max_ss(two, _mm_shuffle_ps(two, two, 1)));
}

/* Lanes 0..7 in the first vector and 8..15 in the second: lane j still
   adds x[j], x[j + 16], ... in that order, as in the 4-wide pass.  No FMA
   (not in the target), so each square is rounded before it is added, as
   there.  A block of whole groups of lanes (every hop at the usual rates)
   is folded in registers; any other ends in fs_measure_finish(). */
__attribute__((target("avx"))) static fs_block_measure measure_avx(const float *x, float *copy, size_t n) {
  static_assert(FS_SUM_LANES == 16u, "two AVX vectors of lanes");
  const size_t whole = n - n % FS_SUM_LANES;
  const __m256 magnitude_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 peak0 = _mm256_setzero_ps(), peak1 = _mm256_setzero_ps();
  __m256 sum0 = _mm256_setzero_ps(), sum1 = _mm256_setzero_ps();
  __m256 square0 = _mm256_setzero_ps(), square1 = _mm256_setzero_ps();
  for (size_t i = 0; i < whole; i += FS_SUM_LANES) {
    const __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    peak0 = _mm256_max_ps(peak0, _mm256_and_ps(a, magnitude_mask));
    peak1 = _mm256_max_ps(peak1, _mm256_and_ps(b, magnitude_mask));
    sum0 = _mm256_add_ps(sum0, a);
    sum1 = _mm256_add_ps(sum1, b);
    square0 = _mm256_add_ps(square0, _mm256_mul_ps(a, a));
    square1 = _mm256_add_ps(square1, _mm256_mul_ps(b, b));
    if (copy) {
      _mm256_storeu_ps(copy + i, a);
      _mm256_storeu_ps(copy + i + 8, b);
    }
  }
  if (FS_UNLIKELY(whole != n)) {
    float peak_lane[FS_SUM_LANES], sum_lane[FS_SUM_LANES], square_lane[FS_SUM_LANES];
    _mm256_storeu_ps(peak_lane, peak0);
    _mm256_storeu_ps(peak_lane + 8, peak1);
    _mm256_storeu_ps(sum_lane, sum0);
    _mm256_storeu_ps(sum_lane + 8, sum1);
    _mm256_storeu_ps(square_lane, square0);
    _mm256_storeu_ps(square_lane + 8, square1);
    return fs_measure_finish(x, copy, whole, n, peak_lane, sum_lane, square_lane);
  }
  fs_block_measure m = {0u, fold_lanes(sum0, sum1), fold_lanes(square0, square1)};
  if (FS_LIKELY(isfinite(m.sum_squares))) {
    const float peak = max_lanes(peak0, peak1);
    memcpy(&m.peak_bits, &peak, sizeof(m.peak_bits));
  } else {
    m.peak_bits = fs_peak_bits(x, n); /* NaN, Inf, or squares beyond float */
  }
  return m;
}

const fs_measure_fn fs_measure_avx = measure_avx;

bool fs_measure_has_avx(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx");
}
#else
const fs_measure_fn fs_measure_avx = NULL;

bool fs_measure_has_avx(void) { return false; }
#endif

fs_measure_fn fs_measure_best(void) {
  return fs_measure_avx && fs_measure_has_avx() ? fs_measure_avx : fs_measure_baseline;
}

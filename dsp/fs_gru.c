/* fs_gru: see fs_gru.h. */
#include "fs_gru.h"

#include "fs_fastmath.h"

#include <stddef.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(FS_NO_SIMD)
#define FS_GRU_AVX2 1
#include <immintrin.h>
#endif

/* A dot product is a chain of dependent additions, which the compiler
   may not reorder without -ffast-math, so the sums are kept in eight
   independent lanes per row and folded in a fixed order at the end: a
   result depends only on the data, and a row gives the same bits whether
   it goes in a block or alone.  The lanes are two vectors of four (gcc
   and clang vector types: SSE2 on x86-64, NEON on arm64, scalar code
   where there is neither), written out rather than left to the
   auto-vectoriser, which at -O3 made a scalar mess of the blocks of rows;
   other compilers, and FS_NO_SIMD, get the same lanes in plain C.
   Four rows go together: each load of `in` serves four rows, and eight
   vectors of sums in flight hide the latency of the additions. */
#define DOT_LANES 8u /* fold_lanes() adds up eight */
#define ROW_BLOCK 4u

/* The lanes added up as a tree: lane j + lane j + 4, then those two
   apart, then the last two.  Written out, so -O2 does not loop over it. */
static inline float fold_lanes(const float *lane) {
  const float a0 = lane[0] + lane[4], a1 = lane[1] + lane[5], a2 = lane[2] + lane[6], a3 = lane[3] + lane[7];
  return (a0 + a2) + (a1 + a3);
}

/* The columns past the last whole group of lanes, into lanes 0.., then
   the fold. */
static inline float finish_row(float *lane, const float *restrict row, const float *restrict in, uint32_t whole,
                               uint32_t columns) {
  for (uint32_t c = whole; c < columns; ++c) {
    lane[c - whole] += row[c] * in[c];
  }
  return fold_lanes(lane);
}

#if defined(__GNUC__) && !defined(FS_NO_SIMD)
typedef float f32x4 __attribute__((vector_size(16)));

/* Unaligned: rows of 106 floats start anywhere. */
static inline f32x4 load4(const float *p) {
  f32x4 v;
  memcpy(&v, p, sizeof(v));
  return v;
}

static inline float finish_lanes(f32x4 low, f32x4 high, const float *restrict row, const float *restrict in,
                                uint32_t whole, uint32_t columns) {
  float lane[DOT_LANES];
  memcpy(lane, &low, sizeof(low));
  memcpy(lane + 4, &high, sizeof(high));
  return finish_row(lane, row, in, whole, columns);
}

void fs_matvec_portable(const float *restrict weight, const float *restrict bias, const float *restrict in,
                        uint32_t rows, uint32_t columns, float *restrict out) {
  const uint32_t whole = columns - columns % DOT_LANES;
  uint32_t r = 0;
  for (; r + ROW_BLOCK <= rows; r += ROW_BLOCK) {
    /* Named, not arrays indexed in loops: -O2 would keep those in memory. */
    const float *restrict row0 = weight + (size_t)r * columns;
    const float *restrict row1 = row0 + columns;
    const float *restrict row2 = row1 + columns;
    const float *restrict row3 = row2 + columns;
    f32x4 low0 = {0.0f, 0.0f, 0.0f, 0.0f}, low1 = low0, low2 = low0, low3 = low0; /* lanes 0-3 */
    f32x4 high0 = low0, high1 = low0, high2 = low0, high3 = low0;                 /* lanes 4-7 */
    for (uint32_t c = 0; c < whole; c += DOT_LANES) {
      const f32x4 x_low = load4(in + c), x_high = load4(in + c + 4);
      low0 += load4(row0 + c) * x_low;
      high0 += load4(row0 + c + 4) * x_high;
      low1 += load4(row1 + c) * x_low;
      high1 += load4(row1 + c + 4) * x_high;
      low2 += load4(row2 + c) * x_low;
      high2 += load4(row2 + c + 4) * x_high;
      low3 += load4(row3 + c) * x_low;
      high3 += load4(row3 + c + 4) * x_high;
    }
    out[r] = bias[r] + finish_lanes(low0, high0, row0, in, whole, columns);
    out[r + 1] = bias[r + 1] + finish_lanes(low1, high1, row1, in, whole, columns);
    out[r + 2] = bias[r + 2] + finish_lanes(low2, high2, row2, in, whole, columns);
    out[r + 3] = bias[r + 3] + finish_lanes(low3, high3, row3, in, whole, columns);
  }
  for (; r < rows; ++r) {
    const float *restrict row = weight + (size_t)r * columns;
    f32x4 low = {0.0f, 0.0f, 0.0f, 0.0f}, high = low;
    for (uint32_t c = 0; c < whole; c += DOT_LANES) {
      low += load4(row + c) * load4(in + c);
      high += load4(row + c + 4) * load4(in + c + 4);
    }
    out[r] = bias[r] + finish_lanes(low, high, row, in, whole, columns);
  }
}
#else
/* The same lanes in plain C, with the same results to the bit. */
void fs_matvec_portable(const float *restrict weight, const float *restrict bias, const float *restrict in,
                        uint32_t rows, uint32_t columns, float *restrict out) {
  const uint32_t whole = columns - columns % DOT_LANES;
  for (uint32_t r = 0; r < rows; ++r) {
    const float *restrict row = weight + (size_t)r * columns;
    float lane[DOT_LANES] = {0.0f};
    for (uint32_t c = 0; c < whole; c += DOT_LANES) {
      for (uint32_t j = 0; j < DOT_LANES; ++j) {
        lane[j] += row[c + j] * in[c + j];
      }
    }
    out[r] = bias[r] + finish_row(lane, row, in, whole, columns);
  }
}
#endif

#if defined(FS_GRU_AVX2)
#define AVX2_TARGET __attribute__((target("avx2,fma")))

/* -O2 does not unroll the loops over the eight rows on its own, and the
   accumulators would then live in memory instead of registers. */
#define FS_UNROLL_8 _Pragma("GCC unroll 8")

/* The eight row sums of eight accumulators, in one vector: two rounds of
   horizontal adds pair the lanes up, then the 128-bit halves are added. */
AVX2_TARGET static inline __m256 sum_rows8(const __m256 *acc) {
  const __m256 t0 = _mm256_hadd_ps(acc[0], acc[1]);
  const __m256 t1 = _mm256_hadd_ps(acc[2], acc[3]);
  const __m256 t2 = _mm256_hadd_ps(acc[4], acc[5]);
  const __m256 t3 = _mm256_hadd_ps(acc[6], acc[7]);
  const __m256 u0 = _mm256_hadd_ps(t0, t1); /* rows 0-3, lanes 0-3 | rows 0-3, lanes 4-7 */
  const __m256 u1 = _mm256_hadd_ps(t2, t3); /* rows 4-7 likewise */
  const __m256 low = _mm256_permute2f128_ps(u0, u1, 0x20);
  const __m256 high = _mm256_permute2f128_ps(u0, u1, 0x31);
  return _mm256_add_ps(low, high);
}

AVX2_TARGET static inline float sum_lanes(__m256 v) {
  const __m128 four = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 two = _mm_add_ps(four, _mm_movehl_ps(four, four));
  return _mm_cvtss_f32(_mm_add_ss(two, _mm_shuffle_ps(two, two, 1)));
}

/* Eight rows at a time, one accumulator each: every load of `in` serves
   eight multiply-adds, and eight independent chains keep both FMA units
   busy.  Columns past the last whole vector are read with a masked load
   (zeros beyond the row; a masked lane is never touched, so the last row
   may end at the end of the array).  Rows past the last eight go one by
   one. */
AVX2_TARGET static void matvec_avx2(const float *restrict weight, const float *restrict bias,
                                    const float *restrict in, uint32_t rows, uint32_t columns,
                                    float *restrict out) {
  const uint32_t whole = columns - columns % 8u;
  const uint32_t rest = columns - whole;
  const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256 in_rest = _mm256_maskload_ps(in + whole, mask);
  uint32_t r = 0;
  for (; r + 8u <= rows; r += 8u) {
    const float *restrict block = weight + (size_t)r * columns;
    __m256 acc[8];
    FS_UNROLL_8
    for (int k = 0; k < 8; ++k) {
      acc[k] = _mm256_setzero_ps();
    }
    for (uint32_t c = 0; c < whole; c += 8u) {
      const __m256 x = _mm256_loadu_ps(in + c);
      FS_UNROLL_8
      for (int k = 0; k < 8; ++k) {
        acc[k] = _mm256_fmadd_ps(_mm256_loadu_ps(block + (size_t)k * columns + c), x, acc[k]);
      }
    }
    if (rest) {
      FS_UNROLL_8
      for (int k = 0; k < 8; ++k) {
        acc[k] = _mm256_fmadd_ps(_mm256_maskload_ps(block + (size_t)k * columns + whole, mask), in_rest, acc[k]);
      }
    }
    _mm256_storeu_ps(out + r, _mm256_add_ps(sum_rows8(acc), _mm256_loadu_ps(bias + r)));
  }
  for (; r < rows; ++r) {
    const float *restrict row = weight + (size_t)r * columns;
    __m256 acc = _mm256_setzero_ps();
    for (uint32_t c = 0; c < whole; c += 8u) {
      acc = _mm256_fmadd_ps(_mm256_loadu_ps(row + c), _mm256_loadu_ps(in + c), acc);
    }
    if (rest) {
      acc = _mm256_fmadd_ps(_mm256_maskload_ps(row + whole, mask), in_rest, acc);
    }
    out[r] = bias[r] + sum_lanes(acc);
  }
}

const fs_matvec_fn fs_matvec_avx2 = matvec_avx2;

bool fs_gru_has_avx2(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
const fs_matvec_fn fs_matvec_avx2 = NULL;

bool fs_gru_has_avx2(void) { return false; }
#endif

fs_matvec_fn fs_matvec_best(void) {
  return fs_matvec_avx2 && fs_gru_has_avx2() ? fs_matvec_avx2 : fs_matvec_portable;
}

/* sigmoid(x) = 1 / (1 + e^-x), with x first held to [-80, 80]: beyond,
   the result is 0 or 1 to a float's precision anyway, and e^80 keeps the
   smallest result (about 2e-35) a normal float, where e^127 would make it
   a slow denormal.  A NaN becomes -80, so the result is always in (0, 1]. */
#define SIGMOID_LIMIT 80.0f
static inline float sigmoid(float x) {
  x = x > -SIGMOID_LIMIT ? x : -SIGMOID_LIMIT;
  x = x < SIGMOID_LIMIT ? x : SIGMOID_LIMIT;
  return 1.0f / (1.0f + fs_exp(-x));
}

/* tanh(x) = 1 - 2 / (1 + e^2x), in [-1, 1]: fs_exp2 clamps e^2x to
   [2^-126, 2^127] (a NaN to the low end), so there is no division by zero
   or infinity.  Near 0 its relative error grows, but the absolute error
   stays below 2e-6, which is what the next layer sees. */
static inline float tanh_fast(float x) { return 1.0f - 2.0f / (1.0f + fs_exp(2.0f * x)); }

float fs_gru_tanh(float x) { return tanh_fast(x); }

float fs_gru_sigmoid(float x) { return sigmoid(x); }

static void apply_tanh(float *restrict x, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = tanh_fast(x[i]);
  }
}

static void apply_sigmoid(float *restrict x, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = sigmoid(x[i]);
  }
}

void fs_dense(fs_matvec_fn matvec, const fs_dense_layer *layer, const float *restrict in, fs_activation activation,
              float *restrict out) {
  const uint32_t n = layer->outputs;
  matvec(layer->weight, layer->bias, in, n, layer->inputs, out);
  if (activation == FS_ACTIVATION_TANH) {
    apply_tanh(out, n);
  } else if (activation == FS_ACTIVATION_SIGMOID) {
    apply_sigmoid(out, n);
  }
}

void fs_gru_step(fs_matvec_fn matvec, const fs_gru_layer *layer, const float *restrict in, float *restrict state,
                 float *restrict scratch) {
  const uint32_t n = layer->hidden;
  float *restrict from_input = scratch;         /* W_i x + b_i: r, z, n rows */
  float *restrict from_state = scratch + 3 * n; /* W_h h + b_h: r, z, n rows */
  matvec(layer->weight_ih, layer->bias_ih, in, 3 * n, layer->inputs, from_input);
  matvec(layer->weight_hh, layer->bias_hh, state, 3 * n, n, from_state);
  /* r and z, in place of their input sums; the candidate's sum in place
     of its input sum. */
  for (uint32_t i = 0; i < 2 * n; ++i) {
    from_input[i] += from_state[i];
  }
  apply_sigmoid(from_input, 2 * n);
  const float *restrict reset_gate = from_input;
  const float *restrict update_gate = from_input + n;
  float *restrict candidate = from_input + 2 * n;
  for (uint32_t i = 0; i < n; ++i) {
    candidate[i] += reset_gate[i] * from_state[2 * n + i];
  }
  apply_tanh(candidate, n);
  for (uint32_t i = 0; i < n; ++i) {
    state[i] = candidate[i] + update_gate[i] * (state[i] - candidate[i]);
  }
}

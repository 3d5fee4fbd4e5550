#include "fs_gain.h"

#include "fs_sanitize.h"

#include "fs_fastmath.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FS_NO_SIMD: the portable code only, with the same results. */
#if defined(__SSE2__) && !defined(FS_NO_SIMD)
#define FS_GAIN_SSE2 1
#include <emmintrin.h>
#endif

#define LSA_OCTAVES (FS_LSA_MAX_OCTAVE - FS_LSA_MIN_OCTAVE)
#define LSA_POINTS ((uint32_t)LSA_OCTAVES * FS_LSA_STEPS_PER_OCTAVE + 1u)
#define LSA_MANTISSA_SHIFT 19u /* 23 mantissa bits less log2(steps per octave) */
static_assert((1u << (23u - LSA_MANTISSA_SHIFT)) == FS_LSA_STEPS_PER_OCTAVE,
              "mantissa shift must match the steps per octave");

struct fs_gain {
  uint32_t bins;
  uint32_t low_cut_bins;
  float low_cut_pass; /* FS_LOW_CUT_PASS_DB as a power ratio */
  float xi_min;
  float v_lowest;  /* table range in v */
  float v_highest;
  float *lsa;         /* exp(E1(v)/2) at v = 2^e * (1 + j/steps) */
  float *clean_prior; /* previous hop's |S|^2 / noise, the decision-directed memory */
  float *unfloored;   /* this hop's LSA gains before the floor (fs_gain_unfloored) */
  float *scratch;     /* 3 x bins: per-hop working values */
};

/* The exponential integral E1(x) = int_x^inf e^-t / t dt, in double, for
   the table only.  Power series below 1, continued fraction above. */
static double exponential_integral(double x) {
  if (x < 1.0) {
    const double euler_gamma = 0.57721566490153286;
    double sum = 0.0, term = 1.0;
    for (int k = 1; k < 40; ++k) {
      term *= -x / k;
      sum += term / k;
    }
    return -euler_gamma - log(x) - sum;
  }
  /* E1(x) = e^-x / (x + 1 - 1/(x + 3 - 4/(x + 5 - 9/(...)))) */
  double tail = x + 2.0 * 80 + 1.0;
  for (int k = 80; k >= 1; --k) {
    tail = x + 2.0 * k - 1.0 - (double)k * k / tail;
  }
  return exp(-x) / tail;
}

fs_gain *fs_gain_create(uint32_t bins, uint32_t low_cut_bins) {
  if (bins == 0 || low_cut_bins > bins) {
    return NULL;
  }
  fs_gain *g = calloc(1, sizeof(*g));
  if (!g) {
    return NULL;
  }
  g->bins = bins;
  g->low_cut_bins = low_cut_bins;
  g->low_cut_pass = powf(10.0f, FS_LOW_CUT_PASS_DB / 10.0f);
  g->lsa = calloc(LSA_POINTS, sizeof(float));
  g->clean_prior = calloc(bins, sizeof(float));
  g->unfloored = calloc(bins, sizeof(float));
  g->scratch = calloc(3u * (size_t)bins, sizeof(float));
  if (!g->lsa || !g->clean_prior || !g->unfloored || !g->scratch) {
    fs_gain_destroy(g);
    return NULL;
  }
  for (uint32_t i = 0; i < LSA_POINTS; ++i) {
    const int octave = FS_LSA_MIN_OCTAVE + (int)(i / FS_LSA_STEPS_PER_OCTAVE);
    const double step = (double)(i % FS_LSA_STEPS_PER_OCTAVE) / FS_LSA_STEPS_PER_OCTAVE;
    const double v = ldexp(1.0 + step, octave);
    g->lsa[i] = (float)exp(0.5 * exponential_integral(v));
  }
  g->xi_min = powf(10.0f, FS_XI_MIN_DB / 10.0f);
  g->v_lowest = ldexpf(1.0f, FS_LSA_MIN_OCTAVE);
  g->v_highest = ldexpf(1.0f, FS_LSA_MAX_OCTAVE) * 0.99999f;
  return g;
}

void fs_gain_destroy(fs_gain *g) {
  if (!g) {
    return;
  }
  free(g->lsa);
  free(g->clean_prior);
  free(g->unfloored);
  free(g->scratch);
  free(g);
}

void fs_gain_reset(fs_gain *g) {
  memset(g->clean_prior, 0, g->bins * sizeof(float));
  memset(g->unfloored, 0, g->bins * sizeof(float));
}

const float *fs_gain_unfloored(const fs_gain *g) { return g->unfloored; }

/* Table lookup by the float's own bits: the exponent picks the octave,
   the top mantissa bits the step, the rest interpolates linearly. */
static inline float lsa_factor(const fs_gain *g, float v) {
  v = v > g->v_lowest ? v : g->v_lowest; /* NaN too */
  v = v < g->v_highest ? v : g->v_highest;
  uint32_t bits;
  memcpy(&bits, &v, sizeof(bits));
  const int32_t octave = (int32_t)((bits >> 23) & 0xffu) - 127;
  const uint32_t mantissa = bits & 0x007fffffu;
  const uint32_t index = (uint32_t)(octave - FS_LSA_MIN_OCTAVE) * FS_LSA_STEPS_PER_OCTAVE +
                         (mantissa >> LSA_MANTISSA_SHIFT);
  const float fraction =
      (float)(mantissa & ((1u << LSA_MANTISSA_SHIFT) - 1u)) * (1.0f / (float)(1u << LSA_MANTISSA_SHIFT));
  return g->lsa[index] + fraction * (g->lsa[index + 1] - g->lsa[index]);
}

float fs_gain_lsa_factor(const fs_gain *g, float v) { return lsa_factor(g, v); }

#if defined(FS_GAIN_SSE2)
/* lsa_factor() for four values: the same operations in the same order, so
   the same bits, with the index arithmetic in one vector.  Only the table
   reads are per bin, one 8-byte load of both neighbours each.  The
   compiler keeps the scalar loop scalar, and that loop was most of the
   gain rule's cost. */
static inline __m128 lsa_factor4(const fs_gain *g, __m128 v) {
  /* MAXPS(a, b) is a > b ? a : b, MINPS(a, b) a < b ? a : b: the clamps
     of lsa_factor(), NaN included. */
  v = _mm_max_ps(v, _mm_set1_ps(g->v_lowest));
  v = _mm_min_ps(v, _mm_set1_ps(g->v_highest));
  const __m128i bits = _mm_castps_si128(v);
  const __m128i octave = _mm_sub_epi32(_mm_and_si128(_mm_srli_epi32(bits, 23), _mm_set1_epi32(0xff)),
                                       _mm_set1_epi32(127 + FS_LSA_MIN_OCTAVE));
  const __m128i mantissa = _mm_and_si128(bits, _mm_set1_epi32(0x007fffff));
  /* octave * steps per octave: the steps are a power of two, 2^(23 - shift). */
  const __m128i index = _mm_add_epi32(_mm_slli_epi32(octave, 23 - LSA_MANTISSA_SHIFT),
                                      _mm_srli_epi32(mantissa, LSA_MANTISSA_SHIFT));
  const __m128 fraction =
      _mm_mul_ps(_mm_cvtepi32_ps(_mm_and_si128(mantissa, _mm_set1_epi32((1 << LSA_MANTISSA_SHIFT) - 1))),
                 _mm_set1_ps(1.0f / (float)(1u << LSA_MANTISSA_SHIFT)));
  uint32_t at[4];
  _mm_storeu_si128((__m128i *)at, index);
  /* (lsa[i], lsa[i + 1]) of each value, then the four lows and the four highs. */
  const __m128 p0 = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(g->lsa + at[0])));
  const __m128 p1 = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(g->lsa + at[1])));
  const __m128 p2 = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(g->lsa + at[2])));
  const __m128 p3 = _mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(g->lsa + at[3])));
  const __m128 p01 = _mm_unpacklo_ps(p0, p1); /* low0 low1 high0 high1 */
  const __m128 p23 = _mm_unpacklo_ps(p2, p3);
  const __m128 low = _mm_movelh_ps(p01, p23);
  const __m128 high = _mm_movehl_ps(p23, p01);
  return _mm_add_ps(low, _mm_mul_ps(fraction, _mm_sub_ps(high, low)));
}
#endif

#if defined(FS_GAIN_SSE2)
/* The rule of fs_gain_compute() below, four bins at a time in one pass,
   for the bins below the last multiple of four; returns that multiple.
   Every step is the scalar one with the same operands in the same order
   (MAXPS(a, b) is fs_max(a, b), MINPS(a, b) is fs_min(a, b), SQRTPS is
   sqrtf), so each gain and each prior has the scalar loop's bits: the
   passes below remain the definition, and the tests hold both to it. */
static uint32_t compute4(fs_gain *g, const float *restrict power, const float *restrict noise,
                         float floor_gain, float *restrict gains) {
  const uint32_t whole = g->bins & ~3u;
  float *restrict prior = g->clean_prior;
  float *restrict unfloored = g->unfloored;
  const __m128 zero = _mm_setzero_ps(), one = _mm_set1_ps(1.0f);
  const __m128 gamma_low = _mm_set1_ps(1e-6f), gamma_high = _mm_set1_ps(1e6f);
  const __m128 w = _mm_set1_ps(FS_DD_WEIGHT), w_rest = _mm_set1_ps(1.0f - FS_DD_WEIGHT);
  const __m128 xi_min = _mm_set1_ps(g->xi_min);
  const __m128 valley = _mm_set1_ps(FS_VALLEY_FILL), floor_squared = _mm_set1_ps(floor_gain * floor_gain);
  for (uint32_t k = 0; k < whole; k += 4) {
    const __m128 gamma =
        _mm_min_ps(_mm_max_ps(_mm_div_ps(_mm_loadu_ps(power + k), _mm_loadu_ps(noise + k)), gamma_low), gamma_high);
    const __m128 excess = _mm_max_ps(_mm_sub_ps(gamma, one), zero);
    const __m128 xi = _mm_max_ps(_mm_add_ps(_mm_mul_ps(w, _mm_loadu_ps(prior + k)), _mm_mul_ps(w_rest, excess)), xi_min);
    const __m128 ratio = _mm_div_ps(xi, _mm_add_ps(one, xi));
    const __m128 factor = lsa_factor4(g, _mm_mul_ps(ratio, gamma));
    const __m128 lsa = _mm_min_ps(_mm_mul_ps(ratio, factor), one);
    _mm_storeu_ps(prior + k, _mm_mul_ps(_mm_mul_ps(lsa, lsa), gamma));
    _mm_storeu_ps(unfloored + k, lsa);
    const __m128 lifted = _mm_min_ps(_mm_mul_ps(floor_squared, _mm_max_ps(_mm_div_ps(valley, gamma), one)), one);
    _mm_storeu_ps(gains + k, _mm_max_ps(lsa, _mm_sqrt_ps(lifted)));
  }
  return whole;
}
#endif

/* Three passes so that the two arithmetic ones vectorise and only the
   table lookup in between stays scalar.  With SSE2, compute4() does all
   but the last few bins in one pass, lookup included. */
void fs_gain_compute(fs_gain *g, const float *power, const float *noise, float floor_gain,
                     float *gains) {
  const uint32_t bins = g->bins;
  const float w = FS_DD_WEIGHT;
  const float xi_min = g->xi_min;
  float *restrict xis = g->scratch;
  float *restrict snrs = g->scratch + bins;
  float *restrict factors = g->scratch + 2u * bins;
  float *restrict prior = g->clean_prior;
  float *restrict unfloored = g->unfloored;
  uint32_t first = 0;
#if defined(FS_GAIN_SSE2)
  first = compute4(g, power, noise, floor_gain, gains);
#endif

  /* Pass 1: a-posteriori SNR (bounded both ways so the memory stays a
     normal float) and the decision-directed a-priori SNR. */
  for (uint32_t k = first; k < bins; ++k) {
    const float gamma = fs_min(fs_max(power[k] / noise[k], 1e-6f), 1e6f);
    const float excess = fs_max(gamma - 1.0f, 0.0f);
    xis[k] = fs_max(w * prior[k] + (1.0f - w) * excess, xi_min);
    snrs[k] = gamma;
  }
  /* Pass 2: the LSA factor exp(E1(v)/2), v = xi / (1 + xi) * gamma. */
  for (uint32_t k = first; k < bins; ++k) {
    factors[k] = lsa_factor(g, xis[k] / (1.0f + xis[k]) * snrs[k]);
  }
  /* Pass 3: LSA gain, its memory, the floor with its valleys filled. */
  const float valley = FS_VALLEY_FILL;
  const float floor_squared = floor_gain * floor_gain;
  for (uint32_t k = first; k < bins; ++k) {
    const float xi = xis[k], gamma = snrs[k];
    const float lsa = fs_min(xi / (1.0f + xi) * factors[k], 1.0f);
    /* Remember the estimate before the floor: that is a listening
       choice, not evidence about the speech. */
    prior[k] = lsa * lsa * gamma;
    unfloored[k] = lsa;
    /* Floor^2 * max(1, valley / gamma), at most 1: a bin sitting well
       below the noise estimate keeps the residual at floor^2 * valley of
       the noise power instead of falling into the hole. */
    const float lifted = fs_min(floor_squared * fs_max(valley / gamma, 1.0f), 1.0f);
    gains[k] = fs_max(lsa, sqrtf(lifted));
  }
  /* The low cut: the floor, unless the bin stands far above its noise (a
     plosive's or a thump's low end, or anything over a silent floor). */
  for (uint32_t k = 0; k < g->low_cut_bins; ++k) {
    gains[k] = power[k] > g->low_cut_pass * noise[k] ? gains[k] : floor_gain;
  }
}

size_t fs_gain_state_size(const fs_gain *g) { return g->bins * sizeof(float); }

void fs_gain_save(const fs_gain *g, void *dst) { memcpy(dst, g->clean_prior, g->bins * sizeof(float)); }

void fs_gain_load(fs_gain *g, const void *src) { memcpy(g->clean_prior, src, g->bins * sizeof(float)); }

bool fs_gain_state_is_finite(const fs_gain *g) { return fs_all_finite(g->clean_prior, g->bins); }

#include "fs_gain.h"

#include "fs_sanitize.h"

#include "fs_fastmath.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LSA_OCTAVES (FS_LSA_MAX_OCTAVE - FS_LSA_MIN_OCTAVE)
#define LSA_POINTS ((uint32_t)LSA_OCTAVES * FS_LSA_STEPS_PER_OCTAVE + 1u)
#define LSA_MANTISSA_SHIFT 19u /* 23 mantissa bits less log2(steps per octave) */
static_assert((1u << (23u - LSA_MANTISSA_SHIFT)) == FS_LSA_STEPS_PER_OCTAVE,
              "mantissa shift must match the steps per octave");

struct fs_gain {
  uint32_t bins;
  uint32_t low_cut_bins;
  float xi_min;
  float v_lowest;  /* table range in v */
  float v_highest;
  float *lsa;         /* exp(E1(v)/2) at v = 2^e * (1 + j/steps) */
  float *clean_prior; /* previous hop's |S|^2 / noise, the decision-directed memory */
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
  g->lsa = calloc(LSA_POINTS, sizeof(float));
  g->clean_prior = calloc(bins, sizeof(float));
  g->scratch = calloc(3u * (size_t)bins, sizeof(float));
  if (!g->lsa || !g->clean_prior || !g->scratch) {
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
  free(g->scratch);
  free(g);
}

void fs_gain_reset(fs_gain *g) { memset(g->clean_prior, 0, g->bins * sizeof(float)); }

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

/* Three passes so that the two arithmetic ones vectorise; only the table
   lookup in between stays scalar. */
void fs_gain_compute(fs_gain *g, const float *power, const float *noise, float floor_gain,
                     float *gains) {
  const uint32_t bins = g->bins;
  const float w = FS_DD_WEIGHT;
  const float xi_min = g->xi_min;
  float *restrict xis = g->scratch;
  float *restrict snrs = g->scratch + bins;
  float *restrict factors = g->scratch + 2u * bins;
  float *restrict prior = g->clean_prior;

  /* Pass 1: a-posteriori SNR (bounded both ways so the memory stays a
     normal float) and the decision-directed a-priori SNR. */
  for (uint32_t k = 0; k < bins; ++k) {
    const float gamma = fs_min(fs_max(power[k] / noise[k], 1e-6f), 1e6f);
    const float excess = fs_max(gamma - 1.0f, 0.0f);
    xis[k] = fs_max(w * prior[k] + (1.0f - w) * excess, xi_min);
    snrs[k] = gamma;
  }
  /* Pass 2: the LSA factor exp(E1(v)/2), v = xi / (1 + xi) * gamma. */
  for (uint32_t k = 0; k < bins; ++k) {
    factors[k] = lsa_factor(g, xis[k] / (1.0f + xis[k]) * snrs[k]);
  }
  /* Pass 3: LSA gain, its memory, the floor with its valleys filled. */
  const float valley = FS_VALLEY_FILL;
  const float floor_squared = floor_gain * floor_gain;
  for (uint32_t k = 0; k < bins; ++k) {
    const float xi = xis[k], gamma = snrs[k];
    const float lsa = fs_min(xi / (1.0f + xi) * factors[k], 1.0f);
    /* Remember the estimate before the floor: that is a listening
       choice, not evidence about the speech. */
    prior[k] = lsa * lsa * gamma;
    /* Floor^2 * max(1, valley / gamma), at most 1: a bin sitting well
       below the noise estimate keeps the residual at floor^2 * valley of
       the noise power instead of falling into the hole. */
    const float lifted = fs_min(floor_squared * fs_max(valley / gamma, 1.0f), 1.0f);
    gains[k] = fs_max(lsa, sqrtf(lifted));
  }
  for (uint32_t k = 0; k < g->low_cut_bins; ++k) {
    gains[k] = floor_gain;
  }
}

size_t fs_gain_state_size(const fs_gain *g) { return g->bins * sizeof(float); }

void fs_gain_save(const fs_gain *g, void *dst) { memcpy(dst, g->clean_prior, g->bins * sizeof(float)); }

void fs_gain_load(fs_gain *g, const void *src) { memcpy(g->clean_prior, src, g->bins * sizeof(float)); }

bool fs_gain_state_is_finite(const fs_gain *g) { return fs_all_finite(g->clean_prior, g->bins); }

/* Shared helpers for the dsp tests: deterministic signals and checks. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "test_random.h"

/* Approximately Gaussian, unit variance (sum of 4 uniforms). */
static inline float test_gauss(uint32_t *state) {
  float sum = 0.0f;
  for (int i = 0; i < 4; ++i) {
    sum += test_uniform(state);
  }
  return sum * 0.8660254f; /* var of U(-1,1) is 1/3; 4/3 * 0.75 = 1 */
}

/* Finite and not denormal (0 is fine). */
static inline bool test_sample_is_clean(float x) {
  return isfinite(x) && (x == 0.0f || fabsf(x) >= FLT_MIN);
}

/* A speech-like test signal: harmonic "syllables" with a falling pitch,
   smooth envelopes and silent pauses between them. */
static inline void test_speechlike(float *x, size_t n, double rate, double f0) {
  const double pi = 3.14159265358979323846;
  const size_t syllable = (size_t)(0.25 * rate), pause = (size_t)(0.15 * rate);
  double phase = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = i % (syllable + pause);
    if (at >= syllable) {
      x[i] = 0.0f;
      continue;
    }
    const double u = (double)at / syllable;
    const double envelope = sin(pi * u);
    phase += f0 * (1.0 - 0.2 * u) / rate;
    double y = 0.0;
    for (int h = 1; h <= 20; ++h) {
      /* A formant-ish tilt: harmonics near 500 and 1500 Hz loudest. */
      const double f = h * f0;
      const double weight = 1.0 / (1.0 + pow((f - 500.0) / 300.0, 2)) + 0.5 / (1.0 + pow((f - 1500.0) / 400.0, 2));
      y += weight * sin(2.0 * pi * h * phase);
    }
    x[i] = (float)(0.2 * envelope * y);
  }
}

/* SI-SDR of estimate against reference, dB. */
static inline double test_si_sdr(const float *ref, const float *est, size_t n) {
  double dot = 0.0, energy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    dot += (double)ref[i] * est[i];
    energy += (double)ref[i] * ref[i];
  }
  const double alpha = dot / energy;
  double target = 0.0, error = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t = alpha * ref[i];
    target += t * t;
    error += (est[i] - t) * (est[i] - t);
  }
  return 10.0 * log10((target + 1e-30) / (error + 1e-30));
}

#endif

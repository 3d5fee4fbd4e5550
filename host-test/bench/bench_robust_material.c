#include "bench_robust_material.h"

#include "bench_corpus.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define RUN_BLOCK 256u
#define CLICK_MAX_SAMPLES 48u

uint32_t bench_rng_next(bench_rng *r) {
  r->state ^= r->state << 13;
  r->state ^= r->state >> 7;
  r->state ^= r->state << 17;
  return (uint32_t)(r->state >> 16);
}

double bench_rng_uniform(bench_rng *r) { return (bench_rng_next(r) + 0.5) / 4294967296.0; }

double bench_power(const float *x, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    sum += (double)x[i] * x[i];
  }
  return n ? sum / n : 0.0;
}

double bench_ratio_db(double num, double den) { return 10.0 * log10((num + 1e-30) / (den + 1e-30)); }

double bench_peak(const float *x, size_t n) {
  double peak = 0.0;
  for (size_t i = 0; i < n; ++i) {
    peak = fabs(x[i]) > peak ? fabs(x[i]) : peak;
  }
  return peak;
}

void bench_scale(float *x, size_t n, double k) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = (float)(x[i] * k);
  }
}

float *bench_noise_at(const char *kind, size_t n, double rate, double dbfs, uint64_t seed) {
  float *x = malloc(n * sizeof(float));
  bench_corpus_noise(x, n, rate, kind, seed);
  const double scale = pow(10.0, dbfs / 20.0) / sqrt(bench_power(x, n) + 1e-30);
  for (size_t i = 0; i < n; ++i) {
    x[i] = (float)(x[i] * scale);
  }
  return x;
}

float *bench_run_aligned(const bench_system *s, double rate, float reduction_db, const float *in, size_t n,
                         uint32_t latency) {
  const size_t total = n + latency;
  float *padded = calloc(total, sizeof(float));
  memcpy(padded, in, n * sizeof(float));
  float *out = bench_system_run(s, rate, reduction_db, padded, total, RUN_BLOCK);
  memmove(out, out + latency, n * sizeof(float));
  free(padded);
  return out;
}

void bench_window_ratio_db(const float *a, const float *b, size_t window, size_t count, double *db) {
  for (size_t w = 0; w < count; ++w) {
    const double pa = bench_power(a + w * window, window), pb = bench_power(b + w * window, window);
    if (pb <= 0.0) {
      db[w] = -200.0;
    } else if (pa <= 0.0) {
      db[w] = 200.0;
    } else {
      db[w] = 10.0 * log10(pb / pa);
    }
  }
}

double bench_spread_db(const double *db, size_t count) {
  double sum = 0.0, square = 0.0;
  for (size_t i = 0; i < count; ++i) {
    sum += db[i];
    square += db[i] * db[i];
  }
  const double mean = count ? sum / count : 0.0;
  return count ? sqrt(fmax(0.0, square / count - mean * mean)) : 0.0;
}

double bench_settle_seconds(const double *db, size_t count, double target, double tolerance,
                            double window_seconds) {
  size_t first = count;
  while (first > 0 && fabs(db[first - 1] - target) <= tolerance) {
    --first;
  }
  return first == count ? INFINITY : first * window_seconds;
}

typedef struct {
  double b0, b1, b2, a1, a2, x1, x2, y1, y2;
} biquad;

static biquad butterworth(double freq, double rate, int high) {
  const double w = 2.0 * PI * freq / rate, alpha = sin(w) / (2.0 * sqrt(0.5)), c = cos(w);
  const double a0 = 1.0 + alpha;
  biquad f = {0};
  f.b1 = (high ? -(1.0 + c) : 1.0 - c) / a0;
  f.b0 = f.b2 = (high ? (1.0 + c) : (1.0 - c)) / 2.0 / a0;
  f.a1 = -2.0 * c / a0;
  f.a2 = (1.0 - alpha) / a0;
  return f;
}

static double biquad_run(biquad *f, double x) {
  const double y = f->b0 * x + f->b1 * f->x1 + f->b2 * f->x2 - f->a1 * f->y1 - f->a2 * f->y2;
  f->x2 = f->x1;
  f->x1 = x;
  f->y2 = f->y1;
  f->y1 = y;
  return y;
}

void bench_speech_band(const float *in, float *out, size_t n, double rate) {
  biquad high = butterworth(300.0, rate, 1), low = butterworth(3400.0, rate, 0);
  for (size_t i = 0; i < n; ++i) {
    out[i] = (float)biquad_run(&low, biquad_run(&high, in[i]));
  }
}

size_t bench_click_train(const float *speech, size_t n, size_t from, double rate, double per_second,
                         uint64_t seed, float *clicks, unsigned char *mask) {
  memset(clicks, 0, n * sizeof(float));
  memset(mask, 0, n);
  if (n <= from + CLICK_MAX_SAMPLES) {
    return 0;
  }
  bench_rng r = {seed};
  const size_t span = n - from - CLICK_MAX_SAMPLES;
  const size_t count = (size_t)lround(per_second * span / rate);
  const size_t half = (size_t)(0.05 * rate);
  const double floor_rms = 0.1 * sqrt(bench_power(speech + from, n - from));
  size_t made = 0;
  for (size_t c = 0; c < count; ++c) {
    const size_t at = from + (size_t)(bench_rng_uniform(&r) * span);
    const size_t length = 1 + bench_rng_next(&r) % CLICK_MAX_SAMPLES;
    const double above_db = 20.0 + 20.0 * bench_rng_uniform(&r);
    const double sign = (bench_rng_next(&r) & 1u) ? 1.0 : -1.0;
    const size_t lo = at > half ? at - half : 0, hi = at + half < n ? at + half : n;
    double local = sqrt(bench_power(speech + lo, hi - lo));
    local = local > floor_rms ? local : floor_rms;
    const float amplitude = (float)(sign * local * pow(10.0, above_db / 20.0));
    /* A click landing on an earlier one replaces it there rather than
       adding, so every click keeps the level it was drawn at. */
    for (size_t i = at; i < at + length; ++i) {
      clicks[i] = amplitude;
      mask[i] = 1;
    }
    ++made;
  }
  return made;
}

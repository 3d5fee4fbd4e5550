#include "fs_periodicity.h"

#include "fs_geometry.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FS_NO_SIMD: the portable code only, with the same results. */
#if defined(__SSE2__) && !defined(FS_NO_SIMD)
#define FS_PERIODICITY_SSE2 1
#include <emmintrin.h>
#endif

/* One biquad section, transposed direct form II, in double: its poles sit
   close to 1 at 192 kHz, where float coefficients would move them. */
typedef struct {
  double b0, b1, b2, a1, a2;
} biquad;

/* Mutable scalars, kept together so a snapshot is one memcpy of them. */
typedef struct {
  double lowpass_state[2][2];
  double highpass_state[2];
  uint32_t phase; /* input samples since the last one kept */
  uint32_t write; /* where the next kept sample goes in the window */
  float value;
  float pitch;
} periodicity_state;

struct fs_periodicity {
  uint32_t hop;
  uint32_t decimation;   /* one input sample in this many is kept */
  double decimated_rate; /* sample_rate / decimation */
  uint32_t window;       /* kept samples in FS_PERIODICITY_MS */
  uint32_t compared;     /* the newest samples, compared with those T earlier */
  uint32_t shortest, longest; /* lags of FS_PITCH_HIGH_HZ and FS_PITCH_LOW_HZ, rounded outwards */
  float silence_energy;  /* energy of `compared` samples at FS_SILENCE_DBFS */
  biquad lowpass[2];
  biquad highpass;
  /* The window twice over (each sample written at i and i + window), so
     the newest `window` samples are always one contiguous run. */
  float *ring;
  float *correlation; /* per lag, shortest - 1 .. longest + 1 */
  periodicity_state state;
};

static biquad design(double cutoff_hz, double q, double rate, bool high) {
  const double pi = 3.14159265358979323846;
  const double w0 = 2.0 * pi * cutoff_hz / rate;
  const double cosine = cos(w0), alpha = sin(w0) / (2.0 * q);
  const double a0 = 1.0 + alpha;
  biquad f;
  if (high) {
    f.b0 = (1.0 + cosine) / 2.0 / a0;
    f.b1 = -(1.0 + cosine) / a0;
  } else {
    f.b0 = (1.0 - cosine) / 2.0 / a0;
    f.b1 = (1.0 - cosine) / a0;
  }
  f.b2 = f.b0;
  f.a1 = -2.0 * cosine / a0;
  f.a2 = (1.0 - alpha) / a0;
  return f;
}

static inline double run_biquad(const biquad *f, double *s, double x) {
  const double y = f->b0 * x + s[0];
  s[0] = f->b1 * x - f->a1 * y + s[1];
  s[1] = f->b2 * x - f->a2 * y;
  return y;
}

fs_periodicity *fs_periodicity_create(double sample_rate, uint32_t hop) {
  if (hop == 0) {
    return NULL;
  }
  if (!(sample_rate >= FS_MIN_SAMPLE_RATE)) {
    sample_rate = FS_MIN_SAMPLE_RATE;
  }
  if (sample_rate > FS_MAX_SAMPLE_RATE) {
    sample_rate = FS_MAX_SAMPLE_RATE;
  }
  fs_periodicity *p = calloc(1, sizeof(*p));
  if (!p) {
    return NULL;
  }
  p->hop = hop;
  p->decimation = (uint32_t)floor(sample_rate / FS_PERIODICITY_RATE_HZ);
  p->decimated_rate = sample_rate / p->decimation;
  p->window = (uint32_t)lround(FS_PERIODICITY_MS / 1000.0 * p->decimated_rate);
  p->shortest = (uint32_t)floor(p->decimated_rate / FS_PITCH_HIGH_HZ);
  p->longest = (uint32_t)ceil(p->decimated_rate / FS_PITCH_LOW_HZ);
  /* One lag more each side, for the parabola through a peak at the ends. */
  p->compared = p->window - (p->longest + 1u);
  p->silence_energy = (float)(p->compared * pow(10.0, FS_SILENCE_DBFS / 10.0));
  /* 4th-order Butterworth: two sections of Q 1 / (2 cos(pi/8)) and 1 / (2 cos(3 pi/8)). */
  p->lowpass[0] = design(FS_PERIODICITY_LOWPASS_HZ, 0.54119610, sample_rate, false);
  p->lowpass[1] = design(FS_PERIODICITY_LOWPASS_HZ, 1.30656296, sample_rate, false);
  p->highpass = design(FS_PERIODICITY_HIGHPASS_HZ, 0.70710678, p->decimated_rate, true);
  p->ring = calloc(2u * (size_t)p->window, sizeof(float));
  p->correlation = calloc(p->longest + 2u, sizeof(float));
  if (!p->ring || !p->correlation) {
    fs_periodicity_destroy(p);
    return NULL;
  }
  fs_periodicity_reset(p);
  return p;
}

void fs_periodicity_destroy(fs_periodicity *p) {
  if (!p) {
    return;
  }
  free(p->ring);
  free(p->correlation);
  free(p);
}

void fs_periodicity_reset(fs_periodicity *p) {
  memset(&p->state, 0, sizeof(p->state));
  memset(p->ring, 0, 2u * (size_t)p->window * sizeof(float));
}

float fs_periodicity_value(const fs_periodicity *p) { return p->state.value; }
float fs_periodicity_pitch(const fs_periodicity *p) { return p->state.pitch; }
double fs_periodicity_decimated_rate(const fs_periodicity *p) { return p->decimated_rate; }
uint32_t fs_periodicity_shortest_lag(const fs_periodicity *p) { return p->shortest; }
uint32_t fs_periodicity_longest_lag(const fs_periodicity *p) { return p->longest; }

/* Tiny values become exact zeros: after the input falls silent the
   filters decay towards the denormal range, which nothing needs. */
static inline double flush(double x) { return fabs(x) < (double)FS_INPUT_FLUSH ? 0.0 : x; }

/* sum a[i] * b[i].  Four partial sums (i % 4), added pairwise at the end:
   the same bits with SSE2 and without. */
static float dot(const float *restrict a, const float *restrict b, uint32_t n) {
  float lane[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  const uint32_t whole = n & ~3u;
#if defined(FS_PERIODICITY_SSE2)
  __m128 sum = _mm_setzero_ps();
  for (uint32_t i = 0; i < whole; i += 4) {
    sum = _mm_add_ps(sum, _mm_mul_ps(_mm_loadu_ps(a + i), _mm_loadu_ps(b + i)));
  }
  _mm_storeu_ps(lane, sum);
#else
  for (uint32_t i = 0; i < whole; i += 4) {
    for (uint32_t j = 0; j < 4; ++j) {
      lane[j] += a[i + j] * b[i + j];
    }
  }
#endif
  for (uint32_t i = whole; i < n; ++i) {
    lane[i - whole] += a[i] * b[i];
  }
  return (lane[0] + lane[1]) + (lane[2] + lane[3]);
}

static void decimate(fs_periodicity *p, const float *hop_in) {
  periodicity_state *s = &p->state;
  const uint32_t window = p->window;
  for (uint32_t i = 0; i < p->hop; ++i) {
    const double x = fs_sanitize_sample(hop_in[i]);
    const double low = run_biquad(&p->lowpass[1], s->lowpass_state[1],
                                  run_biquad(&p->lowpass[0], s->lowpass_state[0], x));
    if (++s->phase < p->decimation) {
      continue;
    }
    s->phase = 0;
    const float kept = (float)flush(run_biquad(&p->highpass, s->highpass_state, low));
    p->ring[s->write] = kept;
    p->ring[s->write + window] = kept;
    s->write = s->write + 1 < window ? s->write + 1 : 0;
  }
  for (uint32_t j = 0; j < 2; ++j) {
    s->lowpass_state[0][j] = flush(s->lowpass_state[0][j]);
    s->lowpass_state[1][j] = flush(s->lowpass_state[1][j]);
    s->highpass_state[j] = flush(s->highpass_state[j]);
  }
}

/* The lag the pitch is read from: the shortest peak within
   FS_PITCH_PEAK_SHARE of the best, else the best. */
static uint32_t pitch_lag(const fs_periodicity *p, uint32_t best, float best_value) {
  const float *r = p->correlation;
  const float wanted = FS_PITCH_PEAK_SHARE * best_value;
  for (uint32_t t = p->shortest; t < best; ++t) {
    if (r[t] >= wanted && r[t] >= r[t - 1] && r[t] >= r[t + 1]) {
      return t;
    }
  }
  return best;
}

void fs_periodicity_update(fs_periodicity *p, const float *hop_in) {
  decimate(p, hop_in);
  periodicity_state *s = &p->state;
  s->value = 0.0f;
  s->pitch = 0.0f;
  /* Oldest first: x[0] .. x[window - 1]; the newest `compared` of them
     against the run that starts T earlier. */
  const float *x = p->ring + s->write;
  const uint32_t n = p->compared, window = p->window;
  const float *newest = x + (window - n);
  const double energy = dot(newest, newest, n);
  if (!(energy >= p->silence_energy)) {
    return;
  }
  const uint32_t first = p->shortest - 1u, last = p->longest + 1u;
  /* The earlier run's energy slides with the lag: one sample enters at
     its old end, one leaves at its new end.  In double, so the running
     sum does not drift over the lags. */
  double earlier = dot(newest - first, newest - first, n);
  float best_value = -1.0f;
  uint32_t best = p->shortest;
  for (uint32_t t = first; t <= last; ++t) {
    const float *run = newest - t;
    if (t > first) {
      earlier += (double)run[0] * run[0] - (double)run[n] * run[n];
    }
    float r = 0.0f;
    if (earlier >= p->silence_energy) {
      r = (float)(dot(newest, run, n) / sqrt(energy * earlier));
      r = r < 1.0f ? (r > -1.0f ? r : -1.0f) : 1.0f;
    }
    p->correlation[t] = r;
    if (t >= p->shortest && t <= p->longest && r > best_value) {
      best_value = r;
      best = t;
    }
  }
  s->value = best_value > 0.0f ? best_value : 0.0f;
  if (!(s->value > FS_PITCH_VOICED)) {
    return;
  }
  const uint32_t t = pitch_lag(p, best, best_value);
  const float *r = p->correlation;
  /* The parabola through the peak and its neighbours places it between lags. */
  const float curvature = r[t - 1] - 2.0f * r[t] + r[t + 1];
  float shift = curvature < 0.0f ? 0.5f * (r[t - 1] - r[t + 1]) / curvature : 0.0f;
  shift = shift < 0.5f ? (shift > -0.5f ? shift : -0.5f) : 0.5f;
  double f0 = p->decimated_rate / ((double)t + shift);
  f0 = f0 < FS_PITCH_LOW_HZ ? FS_PITCH_LOW_HZ : (f0 > FS_PITCH_HIGH_HZ ? FS_PITCH_HIGH_HZ : f0);
  s->pitch = (float)log2(f0 / FS_PITCH_REFERENCE_HZ);
}

size_t fs_periodicity_state_size(const fs_periodicity *p) {
  return sizeof(periodicity_state) + 2u * (size_t)p->window * sizeof(float);
}

void fs_periodicity_save(const fs_periodicity *p, void *dst) {
  unsigned char *d = dst;
  memcpy(d, &p->state, sizeof(periodicity_state));
  memcpy(d + sizeof(periodicity_state), p->ring, 2u * (size_t)p->window * sizeof(float));
}

void fs_periodicity_load(fs_periodicity *p, const void *src) {
  const unsigned char *s = src;
  memcpy(&p->state, s, sizeof(periodicity_state));
  memcpy(p->ring, s + sizeof(periodicity_state), 2u * (size_t)p->window * sizeof(float));
  /* A snapshot from elsewhere must not index outside the window. */
  if (p->state.write >= p->window) {
    p->state.write = 0;
  }
  if (p->state.phase >= p->decimation) {
    p->state.phase = 0;
  }
}

bool fs_periodicity_state_is_finite(const fs_periodicity *p) {
  const periodicity_state *s = &p->state;
  for (uint32_t j = 0; j < 2; ++j) {
    if (!isfinite(s->lowpass_state[0][j]) || !isfinite(s->lowpass_state[1][j]) || !isfinite(s->highpass_state[j])) {
      return false;
    }
  }
  return isfinite(s->value) && isfinite(s->pitch) && fs_all_finite(p->ring, 2u * p->window);
}

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

/* One biquad section, transposed direct form II.  In float: even at
   192 kHz (poles near 0.97) the rounding moves the response by far less
   than a feature can tell, and the float chain is the shorter one. */
typedef struct {
  float b0, b1, b2, a1, a2;
} biquad;

/* Mutable scalars, kept together so a snapshot is one memcpy of them. */
typedef struct {
  float lowpass_state[2][2];
  float highpass_state[2];
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
  uint32_t padded;       /* compared, rounded up to the dot product's 16 */
  uint32_t shortest, longest; /* lags of FS_PITCH_HIGH_HZ and FS_PITCH_LOW_HZ, rounded outwards */
  float silence_energy;  /* energy of `compared` samples at FS_SILENCE_DBFS */
  biquad lowpass[2];
  biquad highpass;
  /* The window twice over (each sample written at i and i + window), so
     the newest `window` samples are always one contiguous run; then
     `padded` zeros, which the products may read past a run's end (they
     meet the zeros of `newest` there). */
  float *ring;
  float *newest;      /* the newest `compared` samples, zeros up to `padded` */
  float *conditioned; /* the hop, sanitised */
  float *correlation; /* per lag, shortest - 1 .. longest + 1 */
  periodicity_state state;
};

static biquad design(double cutoff_hz, double q, double rate, bool high) {
  const double pi = 3.14159265358979323846;
  const double w0 = 2.0 * pi * cutoff_hz / rate;
  const double cosine = cos(w0), alpha = sin(w0) / (2.0 * q);
  const double a0 = 1.0 + alpha;
  const double b0 = (high ? 1.0 + cosine : 1.0 - cosine) / 2.0 / a0;
  biquad f;
  f.b0 = (float)b0;
  f.b1 = (float)(high ? -2.0 * b0 : 2.0 * b0);
  f.b2 = (float)b0;
  f.a1 = (float)(-2.0 * cosine / a0);
  f.a2 = (float)((1.0 - alpha) / a0);
  return f;
}

static inline float run_biquad(biquad f, float *s, float x) {
  const float y = f.b0 * x + s[0];
  s[0] = f.b1 * x - f.a1 * y + s[1];
  s[1] = f.b2 * x - f.a2 * y;
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
  /* The largest factor that divides the hop and keeps at least
     FS_PERIODICITY_RATE_HZ: every hop then keeps the same positions of its
     samples, so what is kept does not depend on how many hops came before
     (a stream that starts after 2048 or after 7168 samples of silence
     gives the same features from its first sound on). */
  p->decimation = 1;
  for (uint32_t d = 2; d <= hop; ++d) {
    if (hop % d == 0 && sample_rate / d >= FS_PERIODICITY_RATE_HZ) {
      p->decimation = d;
    }
  }
  p->decimated_rate = sample_rate / p->decimation;
  p->window = (uint32_t)lround(FS_PERIODICITY_MS / 1000.0 * p->decimated_rate);
  p->shortest = (uint32_t)floor(p->decimated_rate / FS_PITCH_HIGH_HZ);
  p->longest = (uint32_t)ceil(p->decimated_rate / FS_PITCH_LOW_HZ);
  /* One lag more each side, for the parabola through a peak at the ends. */
  p->compared = p->window - (p->longest + 1u);
  p->padded = (p->compared + 15u) & ~15u;
  p->silence_energy = (float)(p->compared * pow(10.0, FS_SILENCE_DBFS / 10.0));
  /* 4th-order Butterworth: two sections of Q 1 / (2 cos(pi/8)) and 1 / (2 cos(3 pi/8)). */
  p->lowpass[0] = design(FS_PERIODICITY_LOWPASS_HZ, 0.54119610, sample_rate, false);
  p->lowpass[1] = design(FS_PERIODICITY_LOWPASS_HZ, 1.30656296, sample_rate, false);
  p->highpass = design(FS_PERIODICITY_HIGHPASS_HZ, 0.70710678, p->decimated_rate, true);
  p->ring = calloc(2u * (size_t)p->window + p->padded, sizeof(float));
  p->newest = calloc(p->padded, sizeof(float));
  p->conditioned = calloc(hop, sizeof(float));
  p->correlation = calloc(p->longest + 2u, sizeof(float));
  if (!p->ring || !p->newest || !p->conditioned || !p->correlation) {
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
  free(p->newest);
  free(p->conditioned);
  free(p->correlation);
  free(p);
}

void fs_periodicity_reset(fs_periodicity *p) {
  memset(&p->state, 0, sizeof(p->state));
  memset(p->ring, 0, (2u * (size_t)p->window + p->padded) * sizeof(float));
}

float fs_periodicity_value(const fs_periodicity *p) { return p->state.value; }
float fs_periodicity_pitch(const fs_periodicity *p) { return p->state.pitch; }
double fs_periodicity_decimated_rate(const fs_periodicity *p) { return p->decimated_rate; }
uint32_t fs_periodicity_shortest_lag(const fs_periodicity *p) { return p->shortest; }
uint32_t fs_periodicity_longest_lag(const fs_periodicity *p) { return p->longest; }

/* Tiny values become exact zeros: after the input falls silent the
   filters decay towards the denormal range, which nothing needs. */
static inline float flush(float x) { return fabsf(x) < FS_INPUT_FLUSH ? 0.0f : x; }

/* sum a[i] * b[i].  Sixteen partial sums (i % 16), added pairwise at the
   end: the same bits with SSE2 and without.  Four vectors of them keep
   four adds in flight instead of waiting on one. */
static float dot(const float *restrict a, const float *restrict b, uint32_t n) {
  float lane[16] = {0.0f};
  const uint32_t whole = n & ~15u;
#if defined(FS_PERIODICITY_SSE2)
  __m128 sum[4] = {_mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps(), _mm_setzero_ps()};
  for (uint32_t i = 0; i < whole; i += 16) {
    for (uint32_t j = 0; j < 4; ++j) {
      sum[j] = _mm_add_ps(sum[j], _mm_mul_ps(_mm_loadu_ps(a + i + 4 * j), _mm_loadu_ps(b + i + 4 * j)));
    }
  }
  if (whole == n) {
    /* The pairwise sums below, on the vectors: lanes 0..7 += 8..15, then
       0..3 += 4..7, 0..1 += 2..3, 0 += 1. */
    __m128 v = _mm_add_ps(_mm_add_ps(sum[0], sum[2]), _mm_add_ps(sum[1], sum[3]));
    v = _mm_add_ps(v, _mm_movehl_ps(v, v));
    v = _mm_add_ss(v, _mm_shuffle_ps(v, v, 1));
    return _mm_cvtss_f32(v);
  }
  for (uint32_t j = 0; j < 4; ++j) {
    _mm_storeu_ps(lane + 4 * j, sum[j]);
  }
#else
  for (uint32_t i = 0; i < whole; i += 16) {
    for (uint32_t j = 0; j < 16; ++j) {
      lane[j] += a[i + j] * b[i + j];
    }
  }
#endif
  for (uint32_t i = whole; i < n; ++i) {
    lane[i - whole] += a[i] * b[i];
  }
  for (uint32_t width = 8; width > 0; width /= 2) {
    for (uint32_t j = 0; j < width; ++j) {
      lane[j] += lane[j + width];
    }
  }
  return lane[0];
}

static void decimate(fs_periodicity *p, const float *hop_in) {
  periodicity_state *s = &p->state;
  const uint32_t window = p->window, decimation = p->decimation;
  fs_sanitize_block(hop_in, p->conditioned, p->hop);
  /* Coefficients and state in locals: the ring's stores cannot then make
     the compiler reload them every sample. */
  const biquad first = p->lowpass[0], second = p->lowpass[1], high = p->highpass;
  float state0[2] = {s->lowpass_state[0][0], s->lowpass_state[0][1]};
  float state1[2] = {s->lowpass_state[1][0], s->lowpass_state[1][1]};
  uint32_t phase = s->phase, write = s->write;
  for (uint32_t i = 0; i < p->hop; ++i) {
    const float low = run_biquad(second, state1, run_biquad(first, state0, p->conditioned[i]));
    if (++phase < decimation) {
      continue;
    }
    phase = 0;
    const float kept = flush(run_biquad(high, s->highpass_state, low));
    p->ring[write] = kept;
    p->ring[write + window] = kept;
    write = write + 1 < window ? write + 1 : 0;
  }
  s->phase = phase;
  s->write = write;
  for (uint32_t j = 0; j < 2; ++j) {
    s->lowpass_state[0][j] = flush(state0[j]);
    s->lowpass_state[1][j] = flush(state1[j]);
    s->highpass_state[j] = flush(s->highpass_state[j]);
  }
}

/* The parabola through r[t - 1], r[t], r[t + 1]: where its peak lies
   from t (within half a lag) and how high it is.  The correlation of a
   period that falls between two lags reads low at both, the more so the
   more of the input's power lies near the cutoff (a pulse train half a
   lag off read 0.84): the peak is the periodicity the input has. */
static float parabola_peak(const float *r, uint32_t t, float *shift) {
  const float curvature = r[t - 1] - 2.0f * r[t] + r[t + 1];
  float offset = curvature < 0.0f ? 0.5f * (r[t - 1] - r[t + 1]) / curvature : 0.0f;
  offset = offset < 0.5f ? (offset > -0.5f ? offset : -0.5f) : 0.5f;
  *shift = offset;
  return r[t] - 0.25f * (r[t - 1] - r[t + 1]) * offset;
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
  const uint32_t n = p->compared, padded = p->padded, window = p->window;
  /* A copy with zeros past its end lets every product run over whole
     vectors: what the zeros meet adds nothing. */
  float *restrict newest = p->newest;
  memcpy(newest, x + (window - n), n * sizeof(float));
  const double energy = dot(newest, newest, padded);
  if (!(energy >= p->silence_energy)) {
    return;
  }
  const uint32_t first = p->shortest - 1u, last = p->longest + 1u;
  /* The earlier run's energy slides with the lag: one sample enters at
     its old end, one leaves at its new end.  In double, so the running
     sum does not drift over the lags. */
  const float *end = x + window; /* one past the newest sample */
  const float *oldest_run = end - n - first;
  double earlier = dot(oldest_run, oldest_run, n);
  for (uint32_t t = first; t <= last; ++t) {
    const float *run = end - n - t;
    if (t > first) {
      earlier += (double)run[0] * run[0] - (double)run[n] * run[n];
    }
    float r = 0.0f;
    if (earlier >= p->silence_energy) {
      r = (float)(dot(newest, run, padded) / sqrt(energy * earlier));
      r = r < 1.0f ? (r > -1.0f ? r : -1.0f) : 1.0f;
    }
    p->correlation[t] = r;
  }
  /* Only peaks count: a period in the range shows as one at its lag.  A
     correlation that only falls over the range is the slope of the peak
     at lag 0, or of one beyond the longest lag: low rumble and hum under
     62.5 Hz correlate well at short lags without any pitch there. */
  const float *r = p->correlation;
  float best_value = 0.0f;
  uint32_t best = 0;
  for (uint32_t t = p->shortest; t <= p->longest; ++t) {
    if (r[t] > best_value && r[t] >= r[t - 1] && r[t] >= r[t + 1]) {
      best_value = r[t];
      best = t;
    }
  }
  if (best == 0) {
    return;
  }
  float shift = 0.0f;
  const float peak = parabola_peak(p->correlation, best, &shift);
  s->value = peak > 0.0f ? (peak < 1.0f ? peak : 1.0f) : 0.0f;
  if (!(s->value > FS_PITCH_VOICED)) {
    return;
  }
  const uint32_t t = pitch_lag(p, best, best_value);
  parabola_peak(p->correlation, t, &shift);
  double f0 = p->decimated_rate / ((double)t + shift);
  f0 = f0 < FS_PITCH_LOW_HZ ? FS_PITCH_LOW_HZ : (f0 > FS_PITCH_HIGH_HZ ? FS_PITCH_HIGH_HZ : f0);
  s->pitch = (float)log2(f0 / FS_PITCH_REFERENCE_HZ);
}

/* The ring's zeros past the window never change: left out. */
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

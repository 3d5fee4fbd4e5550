#include "fs_dehum.h"

#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FS_NO_SIMD: the portable code only, with the same results. */
#if defined(__SSE2__) && !defined(FS_NO_SIMD)
#define FS_DEHUM_SSE2 1
#include <emmintrin.h>
#endif

static const uint32_t mains_hz[2] = {50, 60};

/* Per mains frequency, three combs: its nominal period and a little
   shorter and longer (FS_DEHUM_SPREAD_HZ apart, to the nearest sample),
   so a grid running a little fast or slow still meets a comb its hum
   does not slide through.  Comb c serves mains_hz[c / SPREAD]. */
#define SPREAD 3
#define COMBS (2 * SPREAD)

typedef struct {
  uint32_t length;   /* samples in the comb: a whole number of mains periods */
  uint32_t periods;  /* how many */
  uint32_t position; /* where the next sample lands */
  float learn;       /* per-visit weight of the new sample, once settled */
  uint32_t passes;   /* completed passes over the comb, until settled */
  float mean;        /* over the comb, at the last check */
  float power;       /* variance over the comb, at the last check */
  float *average;    /* the learned waveform */
} comb;

struct fs_dehum {
  uint32_t hop;
  comb combs[COMBS];
  float input_keep;     /* per-hop weight of the old input power */
  float input_power;    /* smoothed like the combs */
  float hop_power;      /* accumulating until the next check */
  float heard_power;    /* the same, over hops that were not digital silence */
  uint32_t heard_hops;  /* ...and how many those were */
  float silent_hop;     /* a hop's energy at FS_SILENCE_DBFS */
  float quiet_power;    /* the quietest recent check interval's mean power */
  float quiet_rise;     /* its growth per check while nothing is quieter */
  float quiet_fast_rise; /* ...and while it climbs back from a pause of silence */
  bool rising_fast;
  float silent_power;   /* a sample's mean square at FS_SILENCE_DBFS */
  uint32_t settle_checks; /* checks before the quiet floor means anything */
  uint32_t checks;        /* since reset, saturating at settle_checks */
  float engage_ratio;   /* FS_DEHUM_ENGAGE_DB as a power ratio */
  float contrast_ratio; /* FS_DEHUM_CONTRAST_DB as a power ratio */
  float glide_step;     /* weight change per hop */
  float weight;         /* of the subtraction, at the end of the last hop */
  float target;         /* 0 or 1 */
  int selected;         /* comb being subtracted, -1 for none */
  int previous;         /* comb it takes over from during this hop, -1 for none */
  uint32_t hops_to_check;
  float *prediction; /* hop samples of scratch */
  float *handover;   /* the same, for the comb being handed over from */
};

/* The fewest whole mains periods that make a whole number of samples at
   this rate, within the size limit; failing that, the count whose
   rounding drifts least per period. */
static void size_comb(comb *k, double rate, double hz) {
  const double period = rate / hz;
  k->periods = 1;
  k->length = (uint32_t)lround(period);
  double best_drift = fabs(period - k->length);
  /* Room is left for the neighbours, a little longer (see create()). */
  const double longest = 0.99 * FS_DEHUM_MAX_COMB;
  for (uint32_t periods = 2; periods * period <= longest && best_drift > 1e-9; ++periods) {
    const double span = periods * period;
    const double drift = fabs(span - round(span)) / periods;
    if (drift < best_drift) {
      best_drift = drift;
      k->periods = periods;
      k->length = (uint32_t)lround(span);
    }
  }
}

fs_dehum *fs_dehum_create(double sample_rate, uint32_t hop) {
  if (!(sample_rate > 0.0) || hop < 4 || hop % 4 != 0 || hop > FS_DEHUM_MAX_COMB) {
    return NULL;
  }
  fs_dehum *d = calloc(1, sizeof(*d));
  if (!d) {
    return NULL;
  }
  d->hop = hop;
  d->prediction = calloc(hop, sizeof(float));
  d->handover = calloc(hop, sizeof(float));
  if (!d->prediction || !d->handover) {
    free(d->prediction);
    free(d->handover);
    free(d);
    return NULL;
  }
  const double average_samples = FS_DEHUM_AVERAGE_MS / 1000.0 * sample_rate;
  for (int c = 0; c < COMBS; ++c) {
    comb *k = &d->combs[c];
    size_comb(k, sample_rate, mains_hz[c / SPREAD]);
    /* A comb of L samples holding `periods` periods shifts by L * df / f
       samples per df of mains frequency. */
    const double per_hz = k->length / (double)mains_hz[c / SPREAD];
    long step = lround(per_hz * FS_DEHUM_SPREAD_HZ);
    step = step < 1 ? 1 : step;
    k->length = (uint32_t)((long)k->length + step * (c % SPREAD - 1)); /* longer: lower frequency */
    /* Each point is visited once per comb length. */
    k->learn = (float)(1.0 - exp(-(double)k->length / average_samples));
    k->average = calloc(k->length, sizeof(float));
    if (!k->average || k->length > FS_DEHUM_MAX_COMB) {
      fs_dehum_destroy(d);
      return NULL;
    }
  }
  d->input_keep = (float)exp(-(double)hop / average_samples);
  d->engage_ratio = powf(10.0f, FS_DEHUM_ENGAGE_DB / 10.0f);
  d->contrast_ratio = powf(10.0f, FS_DEHUM_CONTRAST_DB / 10.0f);
  d->quiet_rise = powf(10.0f, (float)(FS_DEHUM_QUIET_RISE_DB_PER_S * FS_DEHUM_CHECK_HOPS * hop / sample_rate / 10.0));
  d->quiet_fast_rise = powf(10.0f, (float)(FS_DEHUM_QUIET_FAST_RISE_DB_PER_S * FS_DEHUM_CHECK_HOPS * hop / sample_rate / 10.0));
  d->silent_power = (float)pow(10.0, FS_SILENCE_DBFS / 10.0);
  d->silent_hop = d->silent_power * (float)hop;
  d->settle_checks = (uint32_t)ceil(FS_DEHUM_SETTLE_MS / 1000.0 * sample_rate / (FS_DEHUM_CHECK_HOPS * hop));
  d->glide_step = (float)(hop / (FS_DEHUM_GLIDE_MS / 1000.0 * sample_rate));
  if (d->glide_step > 1.0f) {
    d->glide_step = 1.0f;
  }
  fs_dehum_reset(d);
  return d;
}

void fs_dehum_destroy(fs_dehum *d) {
  if (!d) {
    return;
  }
  for (int c = 0; c < COMBS; ++c) {
    free(d->combs[c].average);
  }
  free(d->prediction);
  free(d->handover);
  free(d);
}

void fs_dehum_reset(fs_dehum *d) {
  for (int c = 0; c < COMBS; ++c) {
    comb *k = &d->combs[c];
    memset(k->average, 0, k->length * sizeof(float));
    k->position = 0;
    k->passes = 0;
    k->mean = 0.0f;
    k->power = 0.0f;
  }
  d->input_power = 0.0f;
  d->hop_power = 0.0f;
  d->heard_power = 0.0f;
  d->heard_hops = 0;
  d->quiet_power = -1.0f; /* none yet */
  d->rising_fast = false;
  d->checks = 0;
  d->weight = 0.0f;
  d->target = 0.0f;
  d->selected = -1;
  d->previous = -1;
  d->hops_to_check = FS_DEHUM_CHECK_HOPS;
}

/* Mean and variance of a comb's waveform; values too small to matter
   become zeros (a comb fed silence decays towards the denormal range). */
static void measure(comb *k) {
  /* Four lanes of partial sums keep the adds independent, so the loop
     vectorises (and the result is the same every run); a comb length
     that is not a multiple of four ends in a short tail. */
  float sum[4] = {0}, squares[4] = {0};
  float *restrict average = k->average;
  const uint32_t n = k->length, whole = n & ~3u;
#if defined(FS_DEHUM_SSE2)
  /* The four lanes as one vector each.  The compiler, left to itself,
     vectorises across i instead and adds every lane's values one by one
     (about nine instructions a sample instead of two); the sums are the
     same either way. */
  __m128 v_sum = _mm_setzero_ps(), v_squares = _mm_setzero_ps();
  const __m128 magnitude = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  const __m128 flush = _mm_set1_ps(FS_INPUT_FLUSH);
  for (uint32_t i = 0; i < whole; i += 4) {
    const __m128 x = _mm_loadu_ps(average + i);
    /* |x| < flush: +0 (all bits clear), as in the loop below. */
    const __m128 v = _mm_andnot_ps(_mm_cmplt_ps(_mm_and_ps(x, magnitude), flush), x);
    _mm_storeu_ps(average + i, v);
    v_sum = _mm_add_ps(v_sum, v);
    v_squares = _mm_add_ps(v_squares, _mm_mul_ps(v, v));
  }
  _mm_storeu_ps(sum, v_sum);
  _mm_storeu_ps(squares, v_squares);
#else
  for (uint32_t i = 0; i < whole; i += 4) {
    for (uint32_t lane = 0; lane < 4; ++lane) {
      const float v = fabsf(average[i + lane]) < FS_INPUT_FLUSH ? 0.0f : average[i + lane];
      average[i + lane] = v;
      sum[lane] += v;
      squares[lane] += v * v;
    }
  }
#endif
  for (uint32_t i = whole; i < n; ++i) {
    const float v = fabsf(average[i]) < FS_INPUT_FLUSH ? 0.0f : average[i];
    average[i] = v;
    sum[0] += v;
    squares[0] += v * v;
  }
  k->mean = ((sum[0] + sum[1]) + (sum[2] + sum[3])) / (float)n;
  const float mean_square = ((squares[0] + squares[1]) + (squares[2] + squares[3])) / (float)n;
  k->power = fmaxf(mean_square - k->mean * k->mean, 0.0f);
}

/* The share of a comb's power in the mains fundamental and the next
   FS_DEHUM_LOW_HARMONICS - 1 harmonics (Goertzel, one pass each).  Hum
   always has some there; a steady tone that merely fits the period, like
   a 1 kHz line-up tone, has none. */
static float low_harmonic_share(const comb *k) {
  const double pi = 3.14159265358979323846;
  const uint32_t n = k->length;
  double low = 0.0;
  for (uint32_t h = 1; h <= FS_DEHUM_LOW_HARMONICS; ++h) {
    const double coefficient = 2.0 * cos(2.0 * pi * h * k->periods / n);
    double s1 = 0.0, s2 = 0.0;
    for (uint32_t i = 0; i < n; ++i) {
      const double s0 = k->average[i] + coefficient * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    /* |X|^2 of a bin; a sinusoid's mean square is 2 |X|^2 / n^2. */
    low += 2.0 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / ((double)n * n);
  }
  return k->power > 0.0f ? (float)(low / k->power) : 0.0f;
}

/* Is there hum, at which frequency; where is the subtraction heading. */
static void judge(fs_dehum *d) {
  const uint32_t hops = FS_DEHUM_CHECK_HOPS;
  const float mean_hop_power = d->hop_power / (float)(hops * d->hop);
  d->hop_power = 0.0f;
  const uint32_t heard = d->heard_hops;
  const float heard_power = d->heard_power / (float)((heard ? heard : 1u) * d->hop);
  d->heard_power = 0.0f;
  d->heard_hops = 0;
  /* One smoothing step per hop the check covers. */
  for (uint32_t h = 0; h < hops; ++h) {
    d->input_power = d->input_keep * d->input_power + (1.0f - d->input_keep) * mean_hop_power;
  }
  /* Before anything was heard, digital silence says nothing: a stream
     starting, a microphone unmuted.  Once signal has come, a silent check
     interval is a pause in which the "hum" stopped with the signal (a
     clean recording's pauses, voiced speech whose pitch fits the mains
     period): the quiet floor drops to silence, and climbs back fast
     (FS_DEHUM_QUIET_FAST_RISE_DB_PER_S), so real hum after a mute is
     removed again within seconds, but pauses every few seconds keep a
     voice from ever passing for hum.  The settling time counts only what
     was heard. */
  if (heard == 0 && d->quiet_power >= 0.0f) {
    d->quiet_power = d->silent_power;
    d->rising_fast = true;
  } else if (heard > 0) {
    const float risen = d->quiet_power * (d->rising_fast ? d->quiet_fast_rise : d->quiet_rise);
    if (d->quiet_power < 0.0f || heard_power <= risen) {
      d->quiet_power = heard_power;
      d->rising_fast = false;
    } else {
      d->quiet_power = risen;
    }
  }
  int best = 0;
  for (int c = 0; c < COMBS; ++c) {
    measure(&d->combs[c]);
    best = d->combs[c].power > d->combs[best].power ? c : best;
  }
  const int family = best / SPREAD;
  float other = 0.0f;
  for (int c = 0; c < COMBS; ++c) {
    other = c / SPREAD != family && d->combs[c].power > other ? d->combs[c].power : other;
  }
  /* Neighbours hear a drifting grid better, but on a steady one they
     hear almost as much as the nominal comb: prefer the nominal unless a
     neighbour is clearly ahead. */
  const int nominal = family * SPREAD + 1;
  const int candidate = d->combs[best].power > FS_DEHUM_SWITCH_RATIO * d->combs[nominal].power ? best : nominal;
  const float hum = d->combs[best].power;
  d->checks += d->checks < d->settle_checks && heard > 0;
  const bool present = d->checks == d->settle_checks && hum > d->engage_ratio * d->input_power &&
                       hum > d->contrast_ratio * other && hum < FS_DEHUM_QUIET_RATIO * d->quiet_power &&
                       low_harmonic_share(&d->combs[best]) > FS_DEHUM_LOW_SHARE;
  if (present && (d->selected < 0 || d->weight == 0.0f)) {
    d->selected = candidate;
  } else if (present && d->selected / SPREAD == family && d->selected != candidate &&
             d->combs[candidate].power > FS_DEHUM_SWITCH_RATIO * d->combs[d->selected].power) {
    /* The grid drifted to a neighbouring comb: hand over within a hop. */
    d->previous = d->selected;
    d->selected = candidate;
  }
  /* Hum at the other mains frequency: release first, then switch. */
  d->target = present && d->selected / SPREAD == family ? 1.0f : 0.0f;
}

/* Every sample moves its point of the waveform a little towards itself:
   one exponential average per point, in runs up to the comb's wrap. */
static void learn(comb *k, const float *x, uint32_t n) {
  while (n > 0) {
    /* Start-up: the plain mean of the passes so far, so the waveform is
       there after a few periods instead of growing out of zero. */
    const float mean_rate = 1.0f / (float)(k->passes + 1u);
    const float rate = mean_rate > k->learn ? mean_rate : k->learn;
    const uint32_t run = n < k->length - k->position ? n : k->length - k->position;
    float *restrict at = k->average + k->position;
    const float *restrict from = x;
    for (uint32_t j = 0; j < run; ++j) {
      at[j] += rate * (from[j] - at[j]);
    }
    x += run;
    n -= run;
    k->position += run;
    if (k->position == k->length) {
      k->position = 0;
      k->passes += mean_rate > k->learn; /* stops counting once settled */
    }
  }
}

/* The selected comb's prediction for the next n samples (read before it
   learns from them), minus its mean. */
static void predict(const comb *k, float *prediction, uint32_t n) {
  uint32_t position = k->position;
  for (uint32_t i = 0; i < n; ++i) {
    prediction[i] = k->average[position] - k->mean;
    if (++position == k->length) {
      position = 0;
    }
  }
}

void fs_dehum_process(fs_dehum *d, float *hop) {
  const uint32_t n = d->hop;
  const float energy = fs_sum_squares(hop, n);
  /* Digital silence (see below, and judge()). */
  const bool silent = energy < d->silent_hop;
  d->hop_power += energy;
  if (!silent) {
    d->heard_power += energy;
    d->heard_hops++;
  }

  const float start = d->weight;
  float end = start;
  if (d->target > start) {
    end = fminf(start + d->glide_step, d->target);
  } else if (d->target < start) {
    end = fmaxf(start - d->glide_step, d->target);
  }
  d->weight = end;

  /* Digital silence: nothing to learn from and nothing to take out.  The
     combs keep their waveforms and only move on with the mains phase, so
     the hum is removed at once when the signal returns, and no learned
     hum is subtracted into the silence. */
  if (silent) {
    fs_dehum_skip(d);
  }
  /* The prediction is read before the combs learn this hop, so a sample
     never cancels itself. */
  const bool subtracting = !silent && d->selected >= 0 && (start > 0.0f || end > 0.0f);
  float *restrict prediction = d->prediction;
  if (subtracting) {
    predict(&d->combs[d->selected], prediction, n);
  }
  if (subtracting && d->previous >= 0) {
    float *restrict handover = d->handover;
    predict(&d->combs[d->previous], handover, n);
    for (uint32_t i = 0; i < n; ++i) {
      prediction[i] = handover[i] + (prediction[i] - handover[i]) * (float)(i + 1) / (float)n;
    }
  }
  d->previous = -1;
  for (int c = 0; !silent && c < COMBS; ++c) {
    learn(&d->combs[c], hop, n);
  }
  if (subtracting) {
    const float slope = (end - start) / (float)n;
    for (uint32_t i = 0; i < n; ++i) {
      hop[i] -= (start + slope * (float)(i + 1)) * prediction[i];
    }
  }
  if (end == 0.0f && d->target == 0.0f) {
    d->selected = -1;
  }
  if (--d->hops_to_check == 0) {
    d->hops_to_check = FS_DEHUM_CHECK_HOPS;
    judge(d);
  }
}

void fs_dehum_skip(fs_dehum *d) {
  for (int c = 0; c < COMBS; ++c) {
    comb *k = &d->combs[c];
    k->position = (uint32_t)(((uint64_t)k->position + d->hop) % k->length);
  }
}

uint32_t fs_dehum_mains_hz(const fs_dehum *d) {
  return d->selected >= 0 && d->weight > 0.0f ? mains_hz[d->selected / SPREAD] : 0u;
}

float fs_dehum_engagement(const fs_dehum *d) { return d->weight; }

bool fs_dehum_state_is_finite(const fs_dehum *d) {
  bool finite = isfinite(d->input_power) && isfinite(d->hop_power) && isfinite(d->heard_power);
  for (int c = 0; c < COMBS; ++c) {
    finite = finite && fs_all_finite(d->combs[c].average, d->combs[c].length) && isfinite(d->combs[c].power);
  }
  return finite;
}

#include "fs_noise_tracker.h"

#include "fs_fastmath.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The mutable part, laid out for one-copy snapshots. */
typedef struct {
  uint32_t updates;      /* since reset, saturating at init_updates */
  uint32_t subwindow;    /* which minimum is being gathered */
  uint32_t in_subwindow; /* updates gathered into it so far */
  uint32_t padding;
} tracker_counters;

struct fs_noise_tracker {
  uint32_t bins;
  uint32_t settle_updates; /* frames still partly made of reset zeros */
  uint32_t init_updates;   /* end of the start-up average */
  float psd_smoothing;     /* per-update weight of the old noise estimate */
  float spp_smoothing;     /* per-update weight of the old smoothed SPP */
  float likelihood_slope;  /* xi_H1 / (1 + xi_H1) */
  float odds_h0;           /* (1 - P(H1)) / P(H1) * (1 + xi_H1) */
  float minimum_smoothing; /* per-update weight of the old smoothed power */
  float cap;               /* FS_NOISE_CAP_DB as a power ratio */
  uint32_t subwindow_updates;

  tracker_counters counters;
  uint32_t hold; /* frames still to ignore after the history was cleared */
  float *psd;          /* noise power estimate */
  float *spp_average;  /* slowly smoothed presence probability */
  float *presence;     /* last presence probability (output only) */
  float *smoothed;     /* smoothed power, for the minimum search */
  float *minima;       /* FS_MINIMUM_SUBWINDOWS rows of per-bin minima */
  float *window_min;   /* scratch: their minimum */
};

fs_noise_tracker *fs_noise_tracker_create(uint32_t bins, double hop_seconds, uint32_t settle_hops) {
  if (bins == 0 || !(hop_seconds > 0.0)) {
    return NULL;
  }
  fs_noise_tracker *t = calloc(1, sizeof(*t));
  if (!t) {
    return NULL;
  }
  t->bins = bins;
  t->psd = calloc(bins, sizeof(float));
  t->spp_average = calloc(bins, sizeof(float));
  t->presence = calloc(bins, sizeof(float));
  t->smoothed = calloc(bins, sizeof(float));
  t->minima = calloc((size_t)bins * FS_MINIMUM_SUBWINDOWS, sizeof(float));
  t->window_min = calloc(bins, sizeof(float));
  if (!t->psd || !t->spp_average || !t->presence || !t->smoothed || !t->minima || !t->window_min) {
    fs_noise_tracker_destroy(t);
    return NULL;
  }
  const double hop_ms = hop_seconds * 1000.0;
  t->settle_updates = settle_hops;
  t->init_updates = settle_hops + (uint32_t)ceil(FS_NOISE_INIT_MS / hop_ms);
  t->psd_smoothing = (float)exp(-hop_ms / FS_NOISE_SMOOTH_MS);
  t->spp_smoothing = (float)exp(-hop_ms / FS_SPP_SMOOTH_MS);
  const double xi_h1 = pow(10.0, FS_SPP_XI_H1_DB / 10.0);
  t->likelihood_slope = (float)(xi_h1 / (1.0 + xi_h1));
  t->odds_h0 = (float)((1.0 - FS_SPP_PRIOR_H1) / FS_SPP_PRIOR_H1 * (1.0 + xi_h1));
  t->minimum_smoothing = (float)exp(-hop_ms / FS_MINIMUM_SMOOTH_MS);
  t->cap = (float)pow(10.0, FS_NOISE_CAP_DB / 10.0);
  t->subwindow_updates = (uint32_t)ceil(FS_MINIMUM_WINDOW_MS / FS_MINIMUM_SUBWINDOWS / hop_ms);
  fs_noise_tracker_reset(t);
  return t;
}

void fs_noise_tracker_destroy(fs_noise_tracker *t) {
  if (!t) {
    return;
  }
  free(t->psd);
  free(t->spp_average);
  free(t->presence);
  free(t->smoothed);
  free(t->minima);
  free(t->window_min);
  free(t);
}

void fs_noise_tracker_reset(fs_noise_tracker *t) {
  memset(&t->counters, 0, sizeof(t->counters));
  t->hold = 0;
  for (uint32_t k = 0; k < t->bins; ++k) {
    t->psd[k] = FS_POWER_FLOOR;
    t->spp_average[k] = 0.0f;
    t->presence[k] = 0.0f;
    t->smoothed[k] = 0.0f;
  }
  /* "No minimum yet": the cap cannot bind until a window has been seen. */
  for (size_t i = 0; i < (size_t)t->bins * FS_MINIMUM_SUBWINDOWS; ++i) {
    t->minima[i] = FLT_MAX;
  }
}

static void start_up_average(fs_noise_tracker *t, const float *power) {
  const uint32_t n = ++t->counters.updates;
  if (n <= t->settle_updates) {
    /* Frames still half zeros: only keep a rough, never-too-low estimate. */
    for (uint32_t k = 0; k < t->bins; ++k) {
      t->psd[k] = power[k] > t->psd[k] ? power[k] : t->psd[k];
    }
    return;
  }
  const float weight = 1.0f / (float)(n - t->settle_updates);
  for (uint32_t k = 0; k < t->bins; ++k) {
    t->psd[k] += weight * (power[k] - t->psd[k]);
    if (t->psd[k] < FS_POWER_FLOOR) {
      t->psd[k] = FS_POWER_FLOOR;
    }
  }
}

/* Smooth the power and keep per-subwindow minima; the oldest subwindow is
   overwritten as the newest starts, so the minima span the whole window. */
static void follow_minimum(fs_noise_tracker *t, const float *power) {
  tracker_counters *c = &t->counters;
  float *current = t->minima + (size_t)c->subwindow * t->bins;
  const float b = t->minimum_smoothing;
  const int starting = c->in_subwindow == 0;
  for (uint32_t k = 0; k < t->bins; ++k) {
    const float s = b * t->smoothed[k] + (1.0f - b) * power[k];
    t->smoothed[k] = s;
    current[k] = (starting || s < current[k]) ? s : current[k];
  }
  if (++c->in_subwindow == t->subwindow_updates) {
    c->in_subwindow = 0;
    c->subwindow = (c->subwindow + 1) % FS_MINIMUM_SUBWINDOWS;
  }
}

/* Minimum over all subwindows, bin by bin, into window_min. */
static void window_minimum(fs_noise_tracker *t) {
  memcpy(t->window_min, t->minima, t->bins * sizeof(float));
  for (uint32_t w = 1; w < FS_MINIMUM_SUBWINDOWS; ++w) {
    const float *row = t->minima + (size_t)w * t->bins;
    for (uint32_t k = 0; k < t->bins; ++k) {
      t->window_min[k] = fs_min(t->window_min[k], row[k]);
    }
  }
}

void fs_noise_tracker_update(fs_noise_tracker *t, const float *power) {
  if (t->hold > 0) {
    t->hold--;
    return;
  }
  /* Frames still half made of reset zeros would fake a minimum. */
  if (t->counters.updates == t->settle_updates) {
    memcpy(t->smoothed, power, t->bins * sizeof(float));
  }
  if (t->counters.updates >= t->settle_updates) {
    follow_minimum(t, power);
  }
  if (t->counters.updates < t->init_updates) {
    start_up_average(t, power);
    return;
  }
  window_minimum(t);
  /* Locals and restrict pointers: the arrays never alias each other or
     the struct, and saying so lets the loop vectorise. */
  const float a = t->psd_smoothing, b = t->spp_smoothing;
  const float slope = t->likelihood_slope, odds = t->odds_h0, cap = t->cap;
  const uint32_t bins = t->bins;
  float *restrict psd = t->psd;
  float *restrict spp_average = t->spp_average;
  float *restrict presence = t->presence;
  const float *restrict window_min = t->window_min;
  for (uint32_t k = 0; k < bins; ++k) {
    const float noise = psd[k];
    /* Posterior SPP: 1 / (1 + odds_h0 * exp(-slope * |Y|^2 / noise));
       fs_exp clamps its argument, so any ratio is safe. */
    float p = 1.0f / (1.0f + odds * fs_exp(-slope * power[k] / noise));
    const float average = b * spp_average[k] + (1.0f - b) * p;
    spp_average[k] = average;
    p = average > FS_SPP_STUCK_LEVEL ? fs_min(p, FS_SPP_STUCK_CAP) : p;
    presence[k] = p;
    const float expected_noise = (1.0f - p) * power[k] + p * noise;
    const float next = a * noise + (1.0f - a) * expected_noise;
    psd[k] = fs_max(fs_min(next, cap * window_min[k]), FS_POWER_FLOOR);
  }
}

const float *fs_noise_tracker_psd(const fs_noise_tracker *t) { return t->psd; }

const float *fs_noise_tracker_presence(const fs_noise_tracker *t) { return t->presence; }

size_t fs_noise_tracker_state_size(const fs_noise_tracker *t) {
  return sizeof(tracker_counters) + (4u + FS_MINIMUM_SUBWINDOWS) * t->bins * sizeof(float);
}

void fs_noise_tracker_save(const fs_noise_tracker *t, void *dst) {
  unsigned char *d = dst;
  memcpy(d, &t->counters, sizeof(tracker_counters));
  d += sizeof(tracker_counters);
  memcpy(d, t->psd, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->spp_average, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->presence, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->smoothed, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->minima, (size_t)FS_MINIMUM_SUBWINDOWS * t->bins * sizeof(float));
}

void fs_noise_tracker_load(fs_noise_tracker *t, const void *src) {
  const unsigned char *s = src;
  memcpy(&t->counters, s, sizeof(tracker_counters));
  s += sizeof(tracker_counters);
  memcpy(t->psd, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->spp_average, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->presence, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->smoothed, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->minima, s, (size_t)FS_MINIMUM_SUBWINDOWS * t->bins * sizeof(float));
}

bool fs_noise_tracker_state_is_finite(const fs_noise_tracker *t) {
  return fs_all_finite(t->psd, t->bins) && fs_all_finite(t->spp_average, t->bins) &&
         fs_all_finite(t->presence, t->bins) && fs_all_finite(t->smoothed, t->bins) &&
         fs_all_finite(t->minima, (size_t)t->bins * FS_MINIMUM_SUBWINDOWS);
}

uint32_t fs_noise_tracker_denormals(const fs_noise_tracker *t) {
  /* By the bits: with denormals-are-zero on (as in the audio callback) a
     float comparison would see every denormal as 0. */
  uint32_t count = 0;
  for (uint32_t k = 0; k < t->bins; ++k) {
    uint32_t bits;
    memcpy(&bits, &t->psd[k], sizeof(bits));
    count += (bits & 0x7f800000u) == 0 && (bits & 0x007fffffu) != 0;
  }
  return count;
}

void fs_noise_tracker_hold(fs_noise_tracker *t, uint32_t updates) { t->hold = updates; }

void fs_noise_tracker_corrupt(fs_noise_tracker *t, float value) {
  for (uint32_t k = 0; k < t->bins; k += 4) {
    t->psd[k] = value;
  }
}

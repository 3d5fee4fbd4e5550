#include "fs_learned_features.h"

#include "fs_periodicity.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static_assert(FS_LEARNED_FEATURES == 106u, "docs/LEARNED.md: 4 * 26 + 2 features");
static_assert(FS_FEATURE_PITCH + 1u == FS_LEARNED_FEATURES, "the pitch is the last feature");

/* Mutable values, kept together so a snapshot is one memcpy of them. */
typedef struct {
  float last_level[FS_BANDS]; /* ln(E + eps) of the last hop */
  uint32_t has_last;          /* 0 on the first hop after reset */
  float values[FS_LEARNED_FEATURES];
} features_state;

struct fs_learned_features {
  uint32_t bins;
  float eps;
  fs_bands *bands;
  fs_periodicity *periodicity;
  features_state state;
};

fs_learned_features *fs_learned_features_create(double sample_rate, uint32_t fft_size, uint32_t hop,
                                                float window_power) {
  if (fft_size < 2 || hop == 0 || !(window_power > 0.0f)) {
    return NULL;
  }
  fs_learned_features *f = calloc(1, sizeof(*f));
  if (!f) {
    return NULL;
  }
  f->bins = fft_size / 2 + 1;
  f->eps = FS_FEATURE_EPS_PER_WINDOW_POWER * window_power;
  f->bands = fs_bands_create(f->bins, sample_rate, fft_size);
  f->periodicity = fs_periodicity_create(sample_rate, hop);
  if (!f->bands || !f->periodicity) {
    fs_learned_features_destroy(f);
    return NULL;
  }
  fs_learned_features_reset(f);
  return f;
}

void fs_learned_features_destroy(fs_learned_features *f) {
  if (!f) {
    return;
  }
  fs_bands_destroy(f->bands);
  fs_periodicity_destroy(f->periodicity);
  free(f);
}

void fs_learned_features_reset(fs_learned_features *f) {
  memset(&f->state, 0, sizeof(f->state));
  fs_periodicity_reset(f->periodicity);
}

/* Into [-limit, limit]; NaN, which a corrupted noise estimate could bring,
   says nothing and becomes 0. */
static inline float bounded(float x) {
  if (isnan(x)) {
    return 0.0f;
  }
  return x < FS_FEATURE_LIMIT ? (x > -FS_FEATURE_LIMIT ? x : -FS_FEATURE_LIMIT) : FS_FEATURE_LIMIT;
}

const float *fs_learned_features_compute(fs_learned_features *f, const float *power, const float *noise,
                                         const float *unfloored_gain, const float *hop_in) {
  features_state *s = &f->state;
  float *v = s->values;
  float energy[FS_BANDS], noise_energy[FS_BANDS], gain[FS_BANDS];
  fs_bands_energy(f->bands, power, energy);
  fs_bands_energy(f->bands, noise, noise_energy);
  fs_bands_average(f->bands, unfloored_gain, gain);
  fs_periodicity_update(f->periodicity, hop_in);
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    const float level = logf(energy[i] + f->eps);
    const float change = s->has_last ? level - s->last_level[i] : 0.0f;
    v[FS_FEATURE_LEVEL + i] = bounded(FS_FEATURE_LEVEL_SCALE * level);
    v[FS_FEATURE_LEVEL_CHANGE + i] = bounded(FS_FEATURE_DELTA_SCALE * change);
    v[FS_FEATURE_NOISE + i] = bounded(FS_FEATURE_LEVEL_SCALE * logf(noise_energy[i] + f->eps));
    v[FS_FEATURE_GAIN + i] = bounded(gain[i]);
    /* A level that is not finite is not remembered: the next change
       starts from nothing rather than from it. */
    s->last_level[i] = isfinite(level) ? level : 0.0f;
  }
  s->has_last = 1;
  v[FS_FEATURE_PERIODICITY] = bounded(fs_periodicity_value(f->periodicity));
  v[FS_FEATURE_PITCH] = bounded(fs_periodicity_pitch(f->periodicity));
  return v;
}

const float *fs_learned_features_values(const fs_learned_features *f) { return f->state.values; }

const fs_bands *fs_learned_features_bands(const fs_learned_features *f) { return f->bands; }

float fs_learned_features_eps(const fs_learned_features *f) { return f->eps; }

size_t fs_learned_features_state_size(const fs_learned_features *f) {
  return sizeof(features_state) + fs_periodicity_state_size(f->periodicity);
}

void fs_learned_features_save(const fs_learned_features *f, void *dst) {
  unsigned char *d = dst;
  memcpy(d, &f->state, sizeof(features_state));
  fs_periodicity_save(f->periodicity, d + sizeof(features_state));
}

void fs_learned_features_load(fs_learned_features *f, const void *src) {
  const unsigned char *s = src;
  memcpy(&f->state, s, sizeof(features_state));
  fs_periodicity_load(f->periodicity, s + sizeof(features_state));
}

bool fs_learned_features_state_is_finite(const fs_learned_features *f) {
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    if (!isfinite(f->state.last_level[i])) {
      return false;
    }
  }
  for (uint32_t i = 0; i < FS_LEARNED_FEATURES; ++i) {
    if (!isfinite(f->state.values[i])) {
      return false;
    }
  }
  return fs_periodicity_state_is_finite(f->periodicity);
}

/* fs_learned_gain: see the header. */
#include "fs_learned_gain.h"

#include "fs_compiler.h"
#include "fs_fastmath.h"
#include "fs_learned_contract.h"
#include "fs_learned_features.h"
#include "fs_learned_model.h"
#include "fs_tuning.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static_assert(FS_LEARNED_MODEL_INPUTS == FS_LEARNED_FEATURES, "the network reads the contract's features");
static_assert(FS_LEARNED_MODEL_BANDS == FS_BANDS, "the network gives one gain per band");

struct fs_learned_gain {
  uint32_t bins;
  uint32_t band_low, band_high; /* speech band bins, for the loss measure */
  float glide;                  /* share moved per hop */
  float share, target;
  bool have_previous;           /* previous_band holds last hop's gains */
  fs_learned_model *model;
  float band_output[FS_BANDS];
  float previous_band[FS_BANDS];
  float *bin_gain;
  fs_learned_gain_report report;
  fs_learned_gain_hook_fn hook; /* test hook, NULL but while faults are injected */
  void *hook_context;
};

fs_learned_gain *fs_learned_gain_create(uint32_t bins, double hop_seconds, uint32_t band_low, uint32_t band_high) {
  if (bins < 4 || !(hop_seconds > 0.0) || band_low > band_high || band_high >= bins) {
    return NULL;
  }
  fs_learned_gain *s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->bins = bins;
  s->band_low = band_low;
  s->band_high = band_high;
  s->glide = (float)fmin(1.0, hop_seconds * 1000.0 / FS_LEARNED_GLIDE_MS);
  s->target = FS_LEARNED_SHARE_DEFAULT;
  s->model = fs_learned_model_create();
  s->bin_gain = calloc(bins, sizeof(float));
  if (!s->model || !s->bin_gain) {
    fs_learned_gain_destroy(s);
    return NULL;
  }
  fs_learned_gain_reset(s);
  return s;
}

void fs_learned_gain_destroy(fs_learned_gain *s) {
  if (!s) {
    return;
  }
  fs_learned_model_destroy(s->model);
  free(s->bin_gain);
  free(s);
}

void fs_learned_gain_reset(fs_learned_gain *s) {
  fs_learned_model_reset(s->model);
  s->share = s->target;
  s->have_previous = false;
  memset(&s->report, 0, sizeof(s->report));
  s->report.share = s->share;
}

void fs_learned_gain_set_share(fs_learned_gain *s, float share) {
  s->target = share > 0.0f ? (share < 1.0f ? share : 1.0f) : 0.0f;
}

float fs_learned_gain_target(const fs_learned_gain *s) { return s->target; }

void fs_learned_gain_stop(fs_learned_gain *s) {
  s->share = 0.0f;
  s->have_previous = false;
  memset(&s->report, 0, sizeof(s->report));
}

void fs_learned_gain_start(fs_learned_gain *s) {
  fs_learned_model_reset(s->model);
  s->share = 0.0f;
  s->have_previous = false;
}

/* One hop's step of the share towards its target, at most `glide`. */
static void glide_share(fs_learned_gain *s) {
  s->share += fs_max(fs_min(s->target - s->share, s->glide), -s->glide);
}

/* Network outputs the hop may use: every one finite and within [0, 1]. */
static uint32_t count_invalid(const float *band_output) {
  uint32_t invalid = 0;
  for (uint32_t b = 0; b < FS_BANDS; ++b) {
    invalid += !(band_output[b] >= 0.0f && band_output[b] <= 1.0f);
  }
  return invalid;
}

/* Mean |ln g - ln g_prev| over the bands in the speech range that have
   bins, gains held to the floor (below it nothing is heard to flicker). */
static float flicker(const fs_learned_gain *s, const fs_bands *bands, float floor_gain) {
  float sum = 0.0f;
  uint32_t count = 0;
  for (uint32_t b = 0; b < FS_BANDS; ++b) {
    const float centre = fs_bands_centre_hz(b);
    if (centre < FS_LEARNED_SPEECH_LOW_HZ || centre > FS_LEARNED_SPEECH_HIGH_HZ || !fs_bands_has_bins(bands, b)) {
      continue;
    }
    const float now = fs_max(s->band_output[b], floor_gain), before = fs_max(s->previous_band[b], floor_gain);
    sum += fabsf(fs_log2(now) - fs_log2(before));
    ++count;
  }
  return count ? sum * (float)FS_LN_2 / (float)count : 0.0f;
}

void fs_learned_gain_apply(fs_learned_gain *s, const fs_bands *bands, const float *features, const float *power,
                           float floor_gain, float *gains) {
  fs_learned_model_run(s->model, features, s->band_output);
  if (FS_UNLIKELY(s->hook)) {
    s->hook(s->hook_context, s->band_output);
  }
  fs_learned_gain_report *r = &s->report;
  /* The network's activations map a NaN to a finite value, so broken
     state can still give gains that look valid: its state is checked too
     (96 floats). */
  r->invalid = fs_learned_model_state_is_finite(s->model) ? count_invalid(s->band_output) : FS_BANDS;
  glide_share(s);
  r->share = s->share;
  if (FS_UNLIKELY(r->invalid > 0)) {
    /* Nothing of this hop's network output is heard, nor judged further:
       the classical gains stand, and the next hop starts the flicker
       measure afresh. */
    r->flicker = 0.0f;
    r->loss_db = 0.0f;
    r->share = 0.0f;
    s->have_previous = false;
    return;
  }
  r->flicker = s->have_previous ? flicker(s, bands, floor_gain) : 0.0f;
  memcpy(s->previous_band, s->band_output, sizeof(s->band_output));
  s->have_previous = true;
  /* The network corrects the classical gains (contract version 2): its
     outputs times FS_LEARNED_CORRECTION_MAX are band corrections, spread
     to the bins, that scale what each classical gain keeps above the
     floor.  A correction of 1 leaves the classical gain; 0 takes the bin
     down to the floor, never below it: the user's reduction stays the
     most the learned tier may take away. */
  fs_bands_spread(bands, s->band_output, s->bin_gain);
  const uint32_t bins = s->bins;
  float *restrict bin_gain = s->bin_gain;
  for (uint32_t k = 0; k < bins; ++k) {
    const float above = fs_max(gains[k] - floor_gain, 0.0f);
    bin_gain[k] = fs_min(floor_gain + above * FS_LEARNED_CORRECTION_MAX * bin_gain[k], 1.0f);
  }
  float learned = 0.0f, classical = 0.0f;
  for (uint32_t k = s->band_low; k <= s->band_high; ++k) {
    learned += bin_gain[k] * bin_gain[k] * power[k];
    classical += gains[k] * gains[k] * power[k];
  }
  const float tiny = 1e-30f;
  r->loss_db = FS_DB_PER_OCTAVE * (fs_log2(learned + tiny) - fs_log2(classical + tiny));
  const float share = s->share;
  if (share <= 0.0f) {
    return; /* classical heard: its gains stand, bit for bit */
  }
  for (uint32_t k = 0; k < bins; ++k) {
    gains[k] += share * (bin_gain[k] - gains[k]);
  }
}

void fs_learned_gain_hold(fs_learned_gain *s) {
  glide_share(s);
  s->have_previous = false;
  fs_learned_gain_report *r = &s->report;
  r->invalid = 0;
  r->flicker = 0.0f;
  r->loss_db = 0.0f;
  r->share = s->share;
}

const fs_learned_gain_report *fs_learned_gain_last(const fs_learned_gain *s) { return &s->report; }

size_t fs_learned_gain_state_size(const fs_learned_gain *s) { return fs_learned_model_state_size(s->model); }

void fs_learned_gain_save(const fs_learned_gain *s, void *dst) { fs_learned_model_save(s->model, dst); }

void fs_learned_gain_load(fs_learned_gain *s, const void *src) {
  fs_learned_model_load(s->model, src);
  s->have_previous = false;
}

bool fs_learned_gain_state_is_finite(const fs_learned_gain *s) { return fs_learned_model_state_is_finite(s->model); }

void fs_learned_gain_corrupt(fs_learned_gain *s, float value) { fs_learned_model_corrupt(s->model, value); }

void fs_learned_gain_clear_state(fs_learned_gain *s) {
  fs_learned_model_reset(s->model);
  s->have_previous = false;
}

void fs_learned_gain_set_hook(fs_learned_gain *s, fs_learned_gain_hook_fn hook, void *context) {
  s->hook = hook;
  s->hook_context = context;
}

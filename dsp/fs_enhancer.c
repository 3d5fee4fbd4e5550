/*
  The full path: click repair, hum removal, STFT analysis, noise tracking, suppression
  gains, overlap-add synthesis, and beside them the learned tier's
  features.  This file only wires the modules together and keeps the
  per-hop bookkeeping (reduction smoothing, stats, snapshots).  It is a
  little over 500 lines since the learned tier's wiring came in; the
  artifact statistics (protect(), the musical-noise index, the flux) are
  the next part to move out into a unit of their own.
*/
#include "fs_enhancer.h"

#include "fs_compiler.h"
#include "fs_declick.h"
#include "fs_dehum.h"
#include "fs_gain.h"
#include "fs_learned_features.h"
#include "fs_learned_gain.h"
#include "fs_noise_tracker.h"
#include "fs_reduction.h"
#include "fs_sanitize.h"
#include "fs_stft.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* FS_NO_SIMD: the portable code only, with the same results. */
#if defined(__SSE2__) && !defined(FS_NO_SIMD)
#define FS_ENHANCER_SSE2 1
#include <emmintrin.h>
#endif

/* Mutable scalars, kept together so a snapshot is one memcpy of them. */
typedef struct {
  float floor_gain;        /* smoothed towards floor_target every hop */
  float floor_target;      /* 10^(-reduction/20) */
} enhancer_controls;

struct fs_enhancer {
  fs_geometry geometry;
  uint32_t bins;
  float floor_smoothing; /* per-hop weight of the old floor gain */
  float energy_scale;    /* Parseval: 1 / FFT size */

  fs_declick *declick;
  fs_dehum *dehum;
  float hum_engaged; /* the hum remover's engagement after the last hop */
  float *conditioned; /* this hop's input, sanitised, declicked and de-hummed */
  fs_stft *stft;
  fs_noise_tracker *noise;
  fs_gain *gain;
  float *power; /* this hop's bin powers */
  float *gains; /* this hop's bin gains */
  const float *spectrum; /* this hop's analysis spectrum, for fs_enhancer_spectrum */
  /* The learned tier's input (docs/LEARNED.md), taken every hop from what
     the stages above know; nothing the enhancer outputs depends on it. */
  fs_learned_features *features;
  /* The learned tier's gains, mixed with the classical ones by the share
     the safety net allows (fs_learned_gain.h). */
  fs_learned_gain *learned;
  bool learned_watched; /* see fs_enhancer_watch_learned */
  bool learned_running; /* the learned stage ran on the last hop */
  bool learned_held;    /* ...and held its network: a frame of digital silence */

  /* For the artifact statistics: last hop's gains and powers. */
  float *previous_gains;
  float *previous_power;
  float *previous_out_power;
  uint32_t band_low, band_high; /* speech band bins for the musical-noise index */

  /* Lab hook: a noise PSD supplied by the caller (see the header). */
  const float *noise_override;

  /* Safety-net hooks. */
  fs_enhancer_hook_fn hook; /* test hook, NULL but while faults are injected */
  void *hook_context;
  float protection;
  float trim_target;  /* linear */
  float trim_gain;    /* glides to trim_target */
  bool snap_controls; /* after reset: the first settings apply at once */
  bool declicking;    /* the click repair ran on the last hop */

  enhancer_controls controls;
  fs_enhancer_stats stats;
};

fs_enhancer *fs_enhancer_create(double sample_rate) {
  fs_enhancer *e = calloc(1, sizeof(*e));
  if (!e) {
    return NULL;
  }
  e->geometry = fs_geometry_for_rate(sample_rate);
  const fs_geometry *g = &e->geometry;
  const double hop_seconds = g->hop / g->sample_rate;
  e->bins = g->analysis / 2 + 1;
  e->floor_smoothing = (float)exp(-hop_seconds * 1000.0 / FS_REDUCTION_SMOOTH_MS);
  e->energy_scale = 1.0f / (float)g->analysis;
  e->declick = fs_declick_create(g->sample_rate, g->hop);
  e->dehum = fs_dehum_create(g->sample_rate, g->hop);
  e->conditioned = calloc(g->hop, sizeof(float));
  e->stft = fs_stft_create(g->analysis, g->hop);
  /* The first FS_ANALYSIS_HOPS - 1 frames after a reset still hold reset zeros. */
  e->noise = e->stft ? fs_noise_tracker_create(e->bins, hop_seconds, FS_ANALYSIS_HOPS - 1u,
                                                fs_stft_window_power(e->stft))
                     : NULL;
  /* Bins whose centre lies below the low cut: at least DC. */
  uint32_t low_cut_bins = 1;
  while (low_cut_bins < e->bins && low_cut_bins * g->sample_rate / g->analysis < FS_LOW_CUT_HZ) {
    ++low_cut_bins;
  }
  e->gain = fs_gain_create(e->bins, low_cut_bins);
  e->features = e->stft ? fs_learned_features_create(g->sample_rate, g->analysis, g->hop,
                                                     fs_stft_window_power(e->stft))
                        : NULL;
  e->band_low = (uint32_t)(FS_ARTIFACT_BAND_LOW_HZ * g->analysis / g->sample_rate) + 1;
  e->band_high = (uint32_t)(FS_ARTIFACT_BAND_HIGH_HZ * g->analysis / g->sample_rate);
  if (e->band_high > e->bins - 2) {
    e->band_high = e->bins - 2;
  }
  e->learned = fs_learned_gain_create(e->bins, hop_seconds, e->band_low, e->band_high);
  e->power = calloc(e->bins, sizeof(float));
  e->gains = calloc(e->bins, sizeof(float));
  e->previous_gains = calloc(e->bins, sizeof(float));
  e->previous_power = calloc(e->bins, sizeof(float));
  e->previous_out_power = calloc(e->bins, sizeof(float));
  e->trim_target = 1.0f;
  if (!e->declick || !e->dehum || !e->conditioned || !e->stft || !e->noise || !e->gain || !e->features || !e->learned || !e->power || !e->gains || !e->previous_gains ||
      !e->previous_power || !e->previous_out_power) {
    fs_enhancer_destroy(e);
    return NULL;
  }
  e->controls.floor_target = fs_reduction_floor_gain(FS_REDUCTION_DEFAULT_DB);
  fs_enhancer_reset(e);
  return e;
}

void fs_enhancer_destroy(fs_enhancer *e) {
  if (!e) {
    return;
  }
  fs_declick_destroy(e->declick);
  fs_dehum_destroy(e->dehum);
  free(e->conditioned);
  fs_stft_destroy(e->stft);
  fs_noise_tracker_destroy(e->noise);
  fs_gain_destroy(e->gain);
  fs_learned_features_destroy(e->features);
  fs_learned_gain_destroy(e->learned);
  free(e->power);
  free(e->gains);
  free(e->previous_gains);
  free(e->previous_power);
  free(e->previous_out_power);
  free(e);
}

const fs_geometry *fs_enhancer_geometry(const fs_enhancer *e) { return &e->geometry; }

void fs_enhancer_reset(fs_enhancer *e) {
  fs_declick_reset(e->declick);
  fs_dehum_reset(e->dehum);
  e->hum_engaged = 0.0f;
  fs_stft_reset(e->stft);
  fs_noise_tracker_reset(e->noise);
  fs_gain_reset(e->gain);
  fs_learned_features_reset(e->features);
  fs_learned_gain_reset(e->learned);
  e->learned_running = e->learned_watched || fs_learned_gain_target(e->learned) > 0.0f;
  if (!e->learned_running) {
    fs_learned_gain_stop(e->learned);
  }
  /* The reduction setting survives a reset; its ramp does not. */
  e->controls.floor_gain = e->controls.floor_target;
  e->trim_gain = e->trim_target;
  e->snap_controls = true;
  memset(e->previous_gains, 0, e->bins * sizeof(float));
  memset(e->previous_power, 0, e->bins * sizeof(float));
  memset(e->previous_out_power, 0, e->bins * sizeof(float));
  memset(&e->stats, 0, sizeof(e->stats));
}

void fs_enhancer_set_reduction(fs_enhancer *e, float reduction_db) {
  e->controls.floor_target = fs_reduction_floor_gain(reduction_db);
  if (e->snap_controls) {
    /* Settings made before the first hop are the starting point, not a
       change: no ramp from the default. */
    e->controls.floor_gain = e->controls.floor_target;
  }
}

/* The learned stage's hook, handed on to the enhancer's own. */
static void learned_hook(void *context, float *band_gains) {
  fs_enhancer *e = context;
  const fs_enhancer_gain_view view = {
      .gains = band_gains, .band_low = 0, .band_high = FS_BANDS - 1, .floor_gain = e->controls.floor_gain};
  e->hook(e->hook_context, e, FS_ENHANCER_HOOK_LEARNED, &view);
}

void fs_enhancer_set_hook(fs_enhancer *e, fs_enhancer_hook_fn hook, void *context) {
  e->hook = hook;
  e->hook_context = context;
  fs_learned_gain_set_hook(e->learned, hook ? learned_hook : NULL, e);
}

void fs_enhancer_corrupt_overlap(fs_enhancer *e, float value) { fs_stft_corrupt(e->stft, value); }

void fs_enhancer_corrupt_noise(fs_enhancer *e, float value) { fs_noise_tracker_corrupt(e->noise, value); }

void fs_enhancer_corrupt_learned(fs_enhancer *e, float value) { fs_learned_gain_corrupt(e->learned, value); }

bool fs_enhancer_learned_state_is_finite(const fs_enhancer *e) { return fs_learned_gain_state_is_finite(e->learned); }

void fs_enhancer_restore_learned(fs_enhancer *e, const void *src) {
  if (!src) {
    fs_learned_gain_clear_state(e->learned);
    return;
  }
  /* The network's state is the snapshot's last part (see the layout below). */
  const size_t offset = fs_enhancer_snapshot_size(e) - fs_learned_gain_state_size(e->learned);
  fs_learned_gain_load(e->learned, (const unsigned char *)src + offset);
}

void fs_enhancer_set_learned_share(fs_enhancer *e, float share) { fs_learned_gain_set_share(e->learned, share); }

void fs_enhancer_watch_learned(fs_enhancer *e, bool watched) { e->learned_watched = watched; }

bool fs_enhancer_learned_held(const fs_enhancer *e) { return e->learned_held; }

const fs_learned_gain_report *fs_enhancer_learned_report(const fs_enhancer *e) { return fs_learned_gain_last(e->learned); }

uint32_t fs_enhancer_bins(const fs_enhancer *e) { return e->bins; }

void fs_enhancer_set_noise_override(fs_enhancer *e, const float *psd) { e->noise_override = psd; }

void fs_enhancer_set_protection(fs_enhancer *e, float level) {
  e->protection = level > 0.0f ? (level < 1.0f ? level : 1.0f) : 0.0f;
}

void fs_enhancer_set_trim(fs_enhancer *e, float trim_db) {
  if (!(trim_db <= 0.0f)) {
    trim_db = 0.0f;
  }
  if (trim_db < -40.0f) {
    trim_db = -40.0f;
  }
  e->trim_target = powf(10.0f, trim_db / 20.0f);
  if (e->snap_controls) {
    e->trim_gain = e->trim_target;
  }
}

uint32_t fs_enhancer_state_denormals(const fs_enhancer *e) { return fs_noise_tracker_denormals(e->noise); }

void fs_enhancer_skip_hop(fs_enhancer *e) {
  /* A hop the click repair never saw breaks the history it predicts
     from: it starts over. */
  fs_declick_reset(e->declick);
  fs_dehum_skip(e->dehum);
}

void fs_enhancer_resync(fs_enhancer *e) {
  fs_declick_reset(e->declick);
  fs_stft_reset(e->stft);
  /* The features' time-domain history and last levels go with the
     signal history: the next hop starts them afresh. */
  fs_learned_features_reset(e->features);
  /* The next frames still hold the zeros of the cleared history. */
  fs_noise_tracker_hold(e->noise, FS_ANALYSIS_HOPS - 1u);
}

/* Musical-noise protection: a gain well above both neighbours and its own
   last hop, all near the floor, is a lone twinkle, not speech (speech
   lights neighbouring bins and lasts).  It is held down to its
   surroundings; the floor rises so what remains of the noise is steadier. */
static void protect(fs_enhancer *e, float floor_gain) {
  if (e->protection <= 0.0f) {
    return;
  }
  const float raised = floor_gain * powf(10.0f, 6.0f * e->protection / 20.0f);
  const float near_floor = 2.0f * raised;
  float left = e->gains[e->band_low - 1];
  for (uint32_t k = e->band_low; k <= e->band_high; ++k) {
    const float g = e->gains[k], right = e->gains[k + 1];
    const float surroundings = fmaxf(fmaxf(left, right), e->previous_gains[k]);
    left = g;
    if (surroundings < near_floor && g > surroundings) {
      e->gains[k] = g + (fmaxf(surroundings, raised) - g) * e->protection;
    }
  }
  for (uint32_t k = 0; k < e->bins; ++k) {
    e->gains[k] = fmaxf(e->gains[k], raised > 1.0f ? 1.0f : raised);
  }
}

/* The share of speech-band bins that twinkle: well above the floor while
   both neighbours and the bin's own last hop sit near it. */
static float musical_noise_index(const fs_enhancer *e, float floor_gain) {
  const float high = 4.0f * floor_gain, low = 2.0f * floor_gain;
  if (high >= 1.0f) {
    return 0.0f; /* little or no reduction: nothing can twinkle */
  }
  /* & instead of &&: the same count without a branch per bin, so the
     loop vectorises. */
  const float *restrict gains = e->gains;
  const float *restrict previous = e->previous_gains;
  uint32_t isolated = 0;
  for (size_t k = e->band_low; k <= e->band_high; ++k) {
    isolated += (uint32_t)((gains[k] > high) & (gains[k - 1] < low) & (gains[k + 1] < low) & (previous[k] < low));
  }
  return (float)isolated / (float)(e->band_high - e->band_low + 1);
}

static void smooth_floor(fs_enhancer *e) {
  enhancer_controls *c = &e->controls;
  const float step = (1.0f - e->floor_smoothing) * (c->floor_target - c->floor_gain);
  c->floor_gain += step;
  /* Land exactly, so reduction 0 is an exact unity gain again. */
  if (fabsf(c->floor_target - c->floor_gain) < 1e-6f) {
    c->floor_gain = c->floor_target;
  }
}

/* Stats of this hop.  Four partial sums per quantity keep the adds
   independent (and the result the same every run): bin k adds into lane
   k % 4, and so do its maximum, minimum and count.  The compiler does not
   find those lanes in a running maximum by itself, so SSE2 takes them as
   one vector each; the portable loop below gives the same bits. */
static void gather_stats(fs_enhancer *e) {
  const uint32_t bins = e->bins;
  const float *restrict gains = e->gains;
  const float *restrict power = e->power;
  const float *restrict noise = e->noise_override ? e->noise_override : fs_noise_tracker_psd(e->noise);
  float in[4] = {0}, out[4] = {0}, nz[4] = {0};
  float max_lane[4] = {0.0f, 0.0f, 0.0f, 0.0f}, min_lane[4] = {1.0f, 1.0f, 1.0f, 1.0f};
  uint32_t above_lane[4] = {0};
  const uint32_t whole = bins & ~3u;
#if defined(FS_ENHANCER_SSE2)
  __m128 v_in = _mm_setzero_ps(), v_out = _mm_setzero_ps(), v_nz = _mm_setzero_ps();
  __m128 v_max = _mm_setzero_ps(), v_min = _mm_set1_ps(1.0f);
  __m128i v_above = _mm_setzero_si128();
  const __m128 one = _mm_set1_ps(1.0f);
  for (uint32_t k = 0; k < whole; k += 4) {
    const __m128 g = _mm_loadu_ps(gains + k), p = _mm_loadu_ps(power + k);
    /* MAXPS(a, b) is a > b ? a : b, as the scalar test (NaN keeps b). */
    v_max = _mm_max_ps(g, v_max);
    v_min = _mm_min_ps(g, v_min);
    v_above = _mm_sub_epi32(v_above, _mm_castps_si128(_mm_cmpgt_ps(g, one)));
    v_in = _mm_add_ps(v_in, p);
    v_out = _mm_add_ps(v_out, _mm_mul_ps(_mm_mul_ps(g, g), p));
    v_nz = _mm_add_ps(v_nz, _mm_loadu_ps(noise + k));
  }
  _mm_storeu_ps(in, v_in);
  _mm_storeu_ps(out, v_out);
  _mm_storeu_ps(nz, v_nz);
  _mm_storeu_ps(max_lane, v_max);
  _mm_storeu_ps(min_lane, v_min);
  _mm_storeu_si128((__m128i *)above_lane, v_above);
#else
  for (uint32_t k = 0; k < whole; k += 4) {
    for (uint32_t j = 0; j < 4; ++j) {
      const float g = gains[k + j];
      max_lane[j] = g > max_lane[j] ? g : max_lane[j];
      min_lane[j] = g < min_lane[j] ? g : min_lane[j];
      above_lane[j] += g > 1.0f;
      in[j] += power[k + j];
      out[j] += g * g * power[k + j];
      nz[j] += noise[k + j];
    }
  }
#endif
  for (uint32_t k = whole; k < bins; ++k) {
    const uint32_t j = k - whole;
    const float g = gains[k];
    max_lane[j] = g > max_lane[j] ? g : max_lane[j];
    min_lane[j] = g < min_lane[j] ? g : min_lane[j];
    above_lane[j] += g > 1.0f;
    in[j] += power[k];
    out[j] += g * g * power[k];
    nz[j] += noise[k];
  }
  /* A maximum or a minimum is the same in whatever order it is taken. */
  float max_gain = 0.0f, min_gain = 1.0f;
  uint32_t above = 0;
  for (uint32_t j = 0; j < 4; ++j) {
    max_gain = max_lane[j] > max_gain ? max_lane[j] : max_gain;
    min_gain = min_lane[j] < min_gain ? min_lane[j] : min_gain;
    above += above_lane[j];
  }
  /* Parseval for a real frame: the bins between DC and Nyquist count
     twice, so count everything twice and take the two ends off once. */
  const uint32_t last = bins - 1;
  const float ends_in = power[0] + power[last];
  const float ends_out = gains[0] * gains[0] * power[0] + gains[last] * gains[last] * power[last];
  const float ends_noise = noise[0] + noise[last];
  fs_enhancer_stats *s = &e->stats;
  s->max_gain = max_gain;
  s->min_gain = min_gain;
  s->bins_above_unity = above;
  s->input_energy = (2.0f * ((in[0] + in[1]) + (in[2] + in[3])) - ends_in) * e->energy_scale;
  s->output_energy = (2.0f * ((out[0] + out[1]) + (out[2] + out[3])) - ends_out) * e->energy_scale;
  s->noise_energy = (2.0f * ((nz[0] + nz[1]) + (nz[2] + nz[3])) - ends_noise) * e->energy_scale;
}

/* The artifact statistics of the hop's final gains: the musical-noise
   index and the output/input flux ratio; also remembers this hop for the
   next one. */
static void gather_artifact_stats(fs_enhancer *e, float floor_gain) {
  const uint32_t bins = e->bins;
  const float *restrict gains = e->gains;
  const float *restrict power = e->power;
  float *restrict previous_power = e->previous_power;
  float *restrict previous_out = e->previous_out_power;
  e->stats.musical_noise = musical_noise_index(e, floor_gain);
  float flux_in = 0.0f, flux_out = 0.0f, sum_in = 0.0f, sum_out = 0.0f;
  for (uint32_t k = 0; k < bins; ++k) {
    const float out_power = gains[k] * gains[k] * power[k];
    flux_in += fabsf(power[k] - previous_power[k]);
    sum_in += power[k] + previous_power[k];
    flux_out += fabsf(out_power - previous_out[k]);
    sum_out += out_power + previous_out[k];
    previous_power[k] = power[k];
    previous_out[k] = out_power;
  }
  memcpy(e->previous_gains, gains, bins * sizeof(float));
  /* Both fluxes are relative (0..1), so the ratio compares how much the
     output's spectrum changed against how much the input's did. */
  const float relative_in = flux_in / (sum_in + FS_POWER_FLOOR);
  const float relative_out = flux_out / (sum_out + FS_POWER_FLOOR);
  e->stats.flux_ratio = relative_out / fmaxf(relative_in, FS_FLUX_RATIO_FLOOR);
}

/* The learned stage starts afresh (its feature history and network state
   are of a stretch it did not hear) or stops (nothing of it is heard). */
FS_COLD static void start_or_stop_learned(fs_enhancer *e, bool start) {
  e->learned_running = start;
  if (start) {
    fs_learned_features_reset(e->features);
    fs_learned_gain_start(e->learned);
  } else {
    fs_learned_gain_stop(e->learned);
  }
}

void fs_enhancer_process_hop(fs_enhancer *e, const float *in, float *out) {
  /* Clicks, then hum, in the time domain (fs_declick.h, fs_dehum.h):
     neither a click nor hum can be told from speech once the spectral
     stage has smeared it over a frame.  `in` may be `out`, and is read
     only here. */
  fs_sanitize_block(in, e->conditioned, e->geometry.hop);
  /* At reduction 0 the full path changes nothing, clicks included; the
     click repair starts afresh when reduction comes back. */
  const bool declicking = e->controls.floor_target < 1.0f;
  if (declicking && !e->declicking) {
    fs_declick_reset(e->declick);
  }
  e->declicking = declicking;
  uint32_t revoked_from = 0, revoked_count = 0;
  const float *revoked = NULL;
  if (declicking) {
    fs_declick_process(e->declick, e->conditioned);
    revoked_count = fs_declick_revoked(e->declick, &revoked_from, &revoked);
  }
  if (FS_UNLIKELY(revoked_count > 0)) {
    /* A repair at the end of the last hop proved to be an onset: it goes
       back into the frame that is about to be analysed.  The hum remover
       subtracts, so adding back what the repair took is exact there too. */
    fs_stft_amend_last_hop(e->stft, revoked_from, revoked, revoked_count);
  }
  fs_dehum_process(e->dehum, e->conditioned);
  /* Once the hum is fully taken out, what the tracker hears changed its
     make-up: the hum its minimum search still holds would keep the
     estimate at the hum's level for a whole window, and speech over an
     estimate that high leaks into it and keeps it there. */
  const float engaged = fs_dehum_engagement(e->dehum);
  if (engaged == 1.0f && e->hum_engaged < 1.0f) {
    fs_noise_tracker_restart_minimum(e->noise);
  }
  e->hum_engaged = engaged;
  float *restrict spectrum = fs_stft_analyse(e->stft, e->conditioned);
  e->spectrum = spectrum;
  const uint32_t bins = e->bins;
  float *restrict power = e->power;
  float *restrict gains = e->gains;

  /* size_t indices: with 32-bit ones 2 * k might wrap, and the compiler
     then cannot vectorise the interleaved accesses. */
  for (size_t k = 0; k < bins; ++k) {
    const float re = spectrum[2 * k], im = spectrum[2 * k + 1];
    power[k] = re * re + im * im + FS_POWER_FLOOR;
  }
  fs_noise_tracker_update(e->noise, power);
  smooth_floor(e);
  const float floor_gain = e->controls.floor_gain;
  const float *noise = e->noise_override ? e->noise_override : fs_noise_tracker_psd(e->noise);
  fs_gain_compute(e->gain, power, noise, floor_gain, gains);
  /* The noise feature reads what the gain rule read: the tracker's
     estimate, or the lab's true PSD while one is set, so a ceiling run
     shows the learned tier the same ceiling. */
  const bool learned = e->learned_watched || fs_learned_gain_target(e->learned) > 0.0f;
  if (FS_UNLIKELY(learned != e->learned_running)) {
    start_or_stop_learned(e, learned);
  }
  if (learned) {
    fs_learned_features_compute(e->features, power, noise, fs_gain_unfloored(e->gain), e->conditioned);
    /* On a frame of digital silence the network holds (fs_learned_gain_hold):
       the features still follow, so the first hop after it sees the same
       history after any length of silence. */
    e->learned_held = fs_noise_tracker_silent(e->noise);
    if (e->learned_held) {
      fs_learned_gain_hold(e->learned);
    } else {
      fs_learned_gain_apply(e->learned, fs_learned_features_bands(e->features),
                            fs_learned_features_values(e->features), power, floor_gain, gains);
    }
  } else {
    e->learned_held = false;
  }
  if (FS_UNLIKELY(e->hook)) {
    const fs_enhancer_gain_view view = {
        .gains = e->gains, .band_low = e->band_low, .band_high = e->band_high, .floor_gain = floor_gain};
    e->hook(e->hook_context, e, FS_ENHANCER_HOOK_GAINS, &view);
  }
  protect(e, floor_gain);
  gather_stats(e);
  gather_artifact_stats(e, floor_gain);
  e->snap_controls = false;
  e->trim_gain += (e->trim_target - e->trim_gain) * FS_TRIM_GLIDE;
  const float trim = e->trim_gain;
  for (size_t k = 0; k < bins; ++k) {
    spectrum[2 * k] *= gains[k] * trim;
    spectrum[2 * k + 1] *= gains[k] * trim;
  }
  if (FS_UNLIKELY(e->hook)) {
    e->hook(e->hook_context, e, FS_ENHANCER_HOOK_OVERLAP, NULL);
  }
  fs_stft_synthesise(e->stft, out);
  if (FS_UNLIKELY(e->hook)) {
    e->hook(e->hook_context, e, FS_ENHANCER_HOOK_STATE, NULL);
  }
}

const fs_enhancer_stats *fs_enhancer_stats_last(const fs_enhancer *e) { return &e->stats; }

const float *fs_enhancer_features(const fs_enhancer *e) { return fs_learned_features_values(e->features); }

const fs_bands *fs_enhancer_bands(const fs_enhancer *e) { return fs_learned_features_bands(e->features); }

const float *fs_enhancer_power(const fs_enhancer *e) { return e->power; }

const float *fs_enhancer_spectrum(const fs_enhancer *e) { return e->spectrum; }

float fs_enhancer_feature_eps(const fs_enhancer *e) { return fs_learned_features_eps(e->features); }

bool fs_enhancer_state_is_finite(const fs_enhancer *e) {
  return isfinite(e->controls.floor_gain) && isfinite(e->controls.floor_target) &&
         fs_dehum_state_is_finite(e->dehum) && fs_stft_state_is_finite(e->stft) &&
         fs_noise_tracker_state_is_finite(e->noise) &&
         fs_gain_state_is_finite(e->gain) && fs_learned_features_state_is_finite(e->features) &&
         fs_learned_gain_state_is_finite(e->learned);
}

/* Snapshot layout: controls | stft | noise tracker | gain | features |
   network.
   Every part is a whole number of floats, so each stays float-aligned.  The hum combs
   and the click repair are left out: they follow the sanitised input
   alone, so no fault of the enhancer reaches them, and rolling them back
   would only forget what they heard.  The features are in: a replay
   from a snapshot must give the learned tier the same input again. */
size_t fs_enhancer_snapshot_size(const fs_enhancer *e) {
  return sizeof(enhancer_controls) + fs_stft_state_size(e->stft) +
         fs_noise_tracker_state_size(e->noise) + fs_gain_state_size(e->gain) +
         fs_learned_features_state_size(e->features) + fs_learned_gain_state_size(e->learned);
}

void fs_enhancer_snapshot(const fs_enhancer *e, void *dst) {
  unsigned char *d = dst;
  memcpy(d, &e->controls, sizeof(enhancer_controls));
  d += sizeof(enhancer_controls);
  fs_stft_save(e->stft, d);
  d += fs_stft_state_size(e->stft);
  fs_noise_tracker_save(e->noise, d);
  d += fs_noise_tracker_state_size(e->noise);
  fs_gain_save(e->gain, d);
  d += fs_gain_state_size(e->gain);
  fs_learned_features_save(e->features, d);
  d += fs_learned_features_state_size(e->features);
  fs_learned_gain_save(e->learned, d);
}

void fs_enhancer_restore(fs_enhancer *e, const void *src) {
  const unsigned char *s = src;
  /* The reduction the user asked for is a control, not DSP state: keep it,
     and let the restored ramp glide to it. */
  const float target = e->controls.floor_target;
  memcpy(&e->controls, s, sizeof(enhancer_controls));
  e->controls.floor_target = target;
  s += sizeof(enhancer_controls);
  fs_stft_load(e->stft, s);
  s += fs_stft_state_size(e->stft);
  fs_noise_tracker_load(e->noise, s);
  s += fs_noise_tracker_state_size(e->noise);
  fs_gain_load(e->gain, s);
  s += fs_gain_state_size(e->gain);
  fs_learned_features_load(e->features, s);
  s += fs_learned_features_state_size(e->features);
  fs_learned_gain_load(e->learned, s);
}

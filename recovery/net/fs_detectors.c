#include "fs_detectors.h"

#include "fs_compiler.h"
#include "fs_net_tuning.h"
#include "fs_sanitize.h"

#include <math.h>

/* Input: a run of this many samples at full scale means the input clipped
   before it reached us. */
#define CLIP_LEVEL 0.999f
#define CLIP_RUN 4u
/* +12 dBFS: no sane source sends that; something upstream is broken. */
#define HOT_LEVEL 4.0f
/* DC: the mean carries most of the power, and is audible in level. */
#define DC_LEVEL 0.1f
#define DC_SHARE 0.8f

/* Tiers: margins that ordinary rounding and windowing never reach. */
#define GAIN_MARGIN 1.001f
#define ENERGY_CREATED_MARGIN 1.05f
#define ENERGY_RATIO_LIMIT 4.0f     /* +6 dB over the dry signal, about a frame long */
#define ENERGY_SMOOTHING 0.3f       /* per hop: about a frame (four hops) */
#define ENERGY_FLOOR_PER_SAMPLE 1e-6f /* -60 dBFS: below it nothing is loud enough to run away */
#define CLIP_OVER_DRY 1.259f        /* +2 dB over the dry peak: more than gains <= 1 make in practice */
#define TINY_ENERGY 1e-12f
#define MUSICAL_NOISE_SMOOTHING 0.2f
#define FLUX_SMOOTHING 0.3f
#define FLUX_MIN_HOPS 3u

static void add(fs_findings *f, fs_detector detector, fs_cause cause, float value, float threshold, bool severe) {
  if (f->count < FS_MAX_FINDINGS) {
    f->items[f->count++] = (fs_finding){detector, cause, value, threshold, severe};
  }
}

void fs_input_monitor_init(fs_input_monitor *m, float smoothing_hops) {
  m->smoothing = smoothing_hops > 1.0f ? 1.0f / smoothing_hops : 1.0f;
  fs_input_monitor_reset(m);
}

void fs_input_monitor_reset(fs_input_monitor *m) {
  m->dc = 0.0f;
  m->power = 0.0f;
}

/* The longest run of samples at full scale in x (n samples). */
FS_COLD static uint32_t longest_clip_run(const float *x, uint32_t n) {
  uint32_t run = 0, longest = 0;
  for (uint32_t i = 0; i < n; ++i) {
    run = fabsf(x[i]) >= CLIP_LEVEL ? run + 1 : 0;
    longest = run > longest ? run : longest;
  }
  return longest;
}

/* For callers that have not measured the hop themselves. */
FS_NOINLINE static fs_block_measure measure_block(const float *x, uint32_t hop) { return fs_measure_block(x, hop); }

/* Peak, sum and sum of squares of the finite samples; returns how many
   were not finite. */
FS_COLD static uint32_t measure_finite_part(const float *x, uint32_t hop, float *peak, float *sum, float *squares) {
  uint32_t nonfinite = 0;
  *peak = *sum = *squares = 0.0f;
  for (uint32_t i = 0; i < hop; ++i) {
    if (!isfinite(x[i])) {
      nonfinite++;
      continue;
    }
    *peak = fs_maxf(*peak, fabsf(x[i]));
    *sum += x[i];
    *squares += x[i] * x[i];
  }
  return nonfinite;
}

void fs_input_check(fs_input_monitor *m, const float *const *in, const fs_block_measure *measured,
                    uint32_t channels, uint32_t hop, fs_findings *findings, fs_input_summary *summary) {
  float peak = 0.0f;
  uint32_t nonfinite = 0, longest_run = 0;
  double sum = 0.0, sum_squares = 0.0;
  for (uint32_t c = 0; c < channels; ++c) {
    /* One branch-free pass for the usual hop... */
    const float *x = in[c];
    const fs_block_measure measure = measured ? measured[c] : measure_block(x, hop);
    float channel_peak = fs_bits_value(measure.peak_bits), channel_sum = 0.0f, channel_squares = 0.0f;
    if (measure.peak_bits <= FS_FINITE_BITS_MAX) {
      channel_sum = measure.sum;
      channel_squares = measure.sum_squares;
    } else {
      /* ...and a careful one when something is not finite. */
      nonfinite += measure_finite_part(x, hop, &channel_peak, &channel_sum, &channel_squares);
    }
    if (FS_UNLIKELY(channel_peak >= CLIP_LEVEL)) {
      const uint32_t run = longest_clip_run(x, hop);
      longest_run = run > longest_run ? run : longest_run;
    }
    if (c < FS_INPUT_MAX_CHANNELS) {
      summary->channel_peak[c] = channel_peak;
      summary->channel_energy[c] = channel_squares;
    }
    peak = fs_maxf(peak, channel_peak);
    sum += channel_sum;
    sum_squares += channel_squares;
  }
  const float n = (float)(hop * channels);
  m->dc += ((float)(sum / n) - m->dc) * m->smoothing;
  m->power += ((float)(sum_squares / n) - m->power) * m->smoothing;
  if (!isfinite(m->dc) || !isfinite(m->power)) {
    fs_input_monitor_reset(m);
  }

  if (nonfinite > 0) {
    add(findings, FS_DETECTOR_INPUT_NONFINITE, FS_CAUSE_INPUT_NONFINITE, (float)nonfinite, 0.0f, false);
  }
  if (peak > HOT_LEVEL) {
    add(findings, FS_DETECTOR_INPUT_HOT, FS_CAUSE_INPUT_EXTREME, peak, HOT_LEVEL, false);
  } else if (longest_run >= CLIP_RUN) {
    add(findings, FS_DETECTOR_INPUT_CLIPPED, FS_CAUSE_INPUT_CLIPPED, (float)longest_run, (float)CLIP_RUN, false);
  }
  if (fabsf(m->dc) > DC_LEVEL && m->dc * m->dc > DC_SHARE * m->power) {
    add(findings, FS_DETECTOR_INPUT_DC, FS_CAUSE_INPUT_EXTREME, fabsf(m->dc), DC_LEVEL, false);
  }
  summary->peak = peak;
  summary->nonfinite = nonfinite;
}

void fs_tier_monitor_reset(fs_tier_monitor *m) {
  m->out_energy = 0.0f;
  m->ref_energy = 0.0f;
  m->musical_noise = 0.0f;
  m->flux = 1.0f;
  m->flux_hops = 0;
}

void fs_tier_check(fs_tier_monitor *m, const fs_tier_thresholds *t, const fs_tier_observation *o,
                   fs_findings *findings) {
  /* Broken state first: it explains everything after it. */
  if (!o->state_finite) {
    add(findings, FS_DETECTOR_STATE_NONFINITE, FS_CAUSE_STATE_CORRUPT, 1.0f, 0.0f, true);
  } else if (o->state_denormals > 0) {
    add(findings, FS_DETECTOR_STATE_DENORMAL, FS_CAUSE_STATE_CORRUPT, (float)o->state_denormals, 0.0f, true);
  }
  if (o->nonfinite > 0) {
    add(findings, FS_DETECTOR_OUTPUT_NONFINITE, o->state_finite ? FS_CAUSE_RUNAWAY_GAIN : FS_CAUSE_STATE_CORRUPT,
        (float)o->nonfinite, 0.0f, true);
    return; /* energies and peaks mean nothing now */
  }
  if (o->has_spectrum) {
    if (o->bins_above_unity > 0 || o->max_gain > GAIN_MARGIN) {
      add(findings, FS_DETECTOR_GAIN_OVER_UNITY, FS_CAUSE_RUNAWAY_GAIN, o->max_gain, 1.0f, true);
    } else if (o->spectrum_out_energy > o->spectrum_in_energy * ENERGY_CREATED_MARGIN + TINY_ENERGY) {
      add(findings, FS_DETECTOR_ENERGY_CREATED, FS_CAUSE_RUNAWAY_GAIN,
          o->spectrum_out_energy / (o->spectrum_in_energy + TINY_ENERGY), ENERGY_CREATED_MARGIN, true);
    }
  }
  m->out_energy += (o->out_energy - m->out_energy) * ENERGY_SMOOTHING;
  m->ref_energy += (o->ref_energy - m->ref_energy) * ENERGY_SMOOTHING;
  if (!isfinite(m->out_energy) || !isfinite(m->ref_energy)) {
    m->out_energy = m->ref_energy = 0.0f;
  }
  const float floor = ENERGY_FLOOR_PER_SAMPLE * (float)o->samples;
  if (m->out_energy > floor && m->out_energy > (m->ref_energy + floor) * ENERGY_RATIO_LIMIT) {
    add(findings, FS_DETECTOR_ENERGY_RATIO, FS_CAUSE_RUNAWAY_GAIN, m->out_energy / (m->ref_energy + floor),
        ENERGY_RATIO_LIMIT, true);
  } else if (o->out_peak > t->ceiling && o->out_peak > o->ref_peak * CLIP_OVER_DRY) {
    add(findings, FS_DETECTOR_OUTPUT_CLIPPING, FS_CAUSE_OUTPUT_CLIPPING, o->out_peak, t->ceiling, false);
  }
  if (o->has_spectrum) {
    m->musical_noise += (o->musical_noise - m->musical_noise) * MUSICAL_NOISE_SMOOTHING;
    if (m->musical_noise > t->musical_noise_threshold) {
      add(findings, FS_DETECTOR_MUSICAL_NOISE, FS_CAUSE_MUSICAL_NOISE, m->musical_noise, t->musical_noise_threshold,
          false);
    }
    m->flux += (o->flux_ratio - m->flux) * FLUX_SMOOTHING;
    m->flux_hops = m->flux > t->flux_threshold ? m->flux_hops + 1 : 0;
    if (m->flux_hops >= FLUX_MIN_HOPS) {
      add(findings, FS_DETECTOR_SPECTRAL_FLUX, FS_CAUSE_SPECTRAL_FLUX, m->flux, t->flux_threshold, false);
    }
    if (!isfinite(m->musical_noise) || !isfinite(m->flux)) {
      fs_tier_monitor_reset(m);
    }
  }
}

/* Hops in `ms`, at least one. */
static uint32_t hops_in(double ms, double hop_seconds) {
  const double hops = ms / (hop_seconds * 1000.0);
  return hops < 1.0 ? 1u : (uint32_t)(hops + 0.5);
}

/* One-pole weight with a time constant of `ms`. */
static float smoothing_for(double ms, double hop_seconds) {
  return (float)(1.0 - exp(-hop_seconds * 1000.0 / ms));
}

void fs_learned_thresholds_init(fs_learned_thresholds *t, double hop_seconds) {
  t->flicker_smoothing = smoothing_for(FS_NET_LEARNED_FLICKER_SMOOTH_MS, hop_seconds);
  t->loss_smoothing = smoothing_for(FS_NET_SPEECH_LOSS_SMOOTH_MS, hop_seconds);
  t->flicker_hold = hops_in(FS_NET_LEARNED_FLICKER_HOLD_MS, hop_seconds);
  t->loss_hold = hops_in(FS_NET_SPEECH_LOSS_HOLD_MS, hop_seconds);
  t->flicker_limit = FS_NET_LEARNED_FLICKER_LIMIT;
  t->loss_db = FS_NET_SPEECH_LOSS_DB;
  t->voiced = FS_NET_SPEECH_VOICED;
}

void fs_learned_monitor_reset(fs_learned_monitor *m) {
  m->flicker = 0.0f;
  m->loss_db = 0.0f;
  m->flicker_hops = 0;
  m->loss_hops = 0;
}

void fs_learned_check(fs_learned_monitor *m, const fs_learned_thresholds *t, const fs_learned_observation *o,
                      fs_findings *findings) {
  if (o->invalid > 0) {
    /* Already heard classical, in this very hop; its flicker and loss are
       not measured (the report gives 0), so the smoothing holds still. */
    add(findings, FS_DETECTOR_LEARNED_INVALID, FS_CAUSE_LEARNED_INVALID, (float)o->invalid, 0.0f, true);
    return;
  }
  m->flicker += (o->flicker - m->flicker) * t->flicker_smoothing;
  /* The loss is judged on voiced hops only: in noise and in pauses a
     network should take far more away than the classical gains do.  A
     pause neither adds to the run nor ends it, so a network that still
     throws voice away is found on the first voiced hop after it. */
  const bool voiced = o->periodicity > t->voiced;
  if (voiced) {
    m->loss_db += (o->loss_db - m->loss_db) * t->loss_smoothing;
  }
  if (!isfinite(m->flicker) || !isfinite(m->loss_db)) {
    fs_learned_monitor_reset(m);
  }
  m->flicker_hops = m->flicker > t->flicker_limit ? m->flicker_hops + 1 : 0;
  if (m->flicker_hops >= t->flicker_hold) {
    add(findings, FS_DETECTOR_LEARNED_FLICKER, FS_CAUSE_LEARNED_FLICKER, m->flicker, t->flicker_limit, false);
  }
  if (voiced) {
    m->loss_hops = m->loss_db < t->loss_db ? m->loss_hops + 1 : 0;
  }
  if (voiced && m->loss_hops >= t->loss_hold) {
    add(findings, FS_DETECTOR_SPEECH_LOSS, FS_CAUSE_SPEECH_LOSS, m->loss_db, t->loss_db, false);
  }
}

void fs_deadline_check(double elapsed_ns, double budget_ns, fs_findings *findings) {
  if (elapsed_ns > budget_ns) {
    add(findings, FS_DETECTOR_DEADLINE, FS_CAUSE_DEADLINE, (float)(elapsed_ns / 1000.0), (float)(budget_ns / 1000.0),
        true);
  }
}

const char *fs_detector_name(int detector) {
  static const char *const names[FS_DETECTOR_COUNT] = {
      "none",           "input_nonfinite", "input_clipped",   "input_hot",      "input_dc",
      "output_nonfinite", "state_nonfinite", "state_denormal", "gain_over_unity", "energy_created",
      "energy_ratio",   "output_clipping", "musical_noise",   "spectral_flux",  "deadline",
      "learned_invalid", "learned_flicker", "speech_loss", "controls",
  };
  return (detector >= 0 && detector < FS_DETECTOR_COUNT) ? names[detector] : "unknown";
}

/*
  fs_detectors: per-hop checks that turn observations into findings.

  Allocation-free and lock-free: each detector is a comparison on numbers
  the supervisor already has (hop peaks and energies, the enhancer's own
  per-hop statistics, a state check, the clock), plus a little smoothing
  state where a single hop would be too jumpy to judge.

  Input checks blame the input, never a tier: the guard keeps the output
  safe and the incident is reported.  Tier checks blame the tier that
  produced the hop, heard or in shadow.

  All functions are audio class.
*/
#ifndef FS_DETECTORS_H
#define FS_DETECTORS_H

#include "fs_cause.h"
#include "fs_sanitize.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
  FS_DETECTOR_NONE = 0,
  FS_DETECTOR_INPUT_NONFINITE = 1,
  FS_DETECTOR_INPUT_CLIPPED = 2,
  FS_DETECTOR_INPUT_HOT = 3, /* far over full scale */
  FS_DETECTOR_INPUT_DC = 4,
  FS_DETECTOR_OUTPUT_NONFINITE = 5,
  FS_DETECTOR_STATE_NONFINITE = 6,
  FS_DETECTOR_STATE_DENORMAL = 7,
  FS_DETECTOR_GAIN_OVER_UNITY = 8,
  FS_DETECTOR_ENERGY_CREATED = 9, /* spectral: output energy above input energy */
  FS_DETECTOR_ENERGY_RATIO = 10,  /* time domain: runaway output/input ratio */
  FS_DETECTOR_OUTPUT_CLIPPING = 11,
  FS_DETECTOR_MUSICAL_NOISE = 12,
  FS_DETECTOR_SPECTRAL_FLUX = 13,
  FS_DETECTOR_DEADLINE = 14,
  FS_DETECTOR_LEARNED_INVALID = 15, /* the network's gains or state unusable */
  FS_DETECTOR_LEARNED_FLICKER = 16, /* the network's gains flicker: musical noise */
  FS_DETECTOR_SPEECH_LOSS = 17,     /* the network drops voiced speech the classical gains keep */
  FS_DETECTOR_CONTROLS = 18,        /* a control value out of range or NaN (fs_controls_check) */
  FS_DETECTOR_COUNT
} fs_detector;

typedef struct {
  fs_detector detector;
  fs_cause cause;
  float value;
  float threshold;
  bool severe; /* open the tier's breaker at once, whatever its threshold */
} fs_finding;

#define FS_MAX_FINDINGS 8u

typedef struct {
  fs_finding items[FS_MAX_FINDINGS];
  uint32_t count;
} fs_findings;

/* ---- Input ---------------------------------------------------------- */

typedef struct {
  float dc;    /* smoothed mean */
  float power; /* smoothed mean square */
  float smoothing;
} fs_input_monitor;

#define FS_INPUT_MAX_CHANNELS 2u

typedef struct {
  float peak;         /* largest finite |x| of the hop, all channels */
  uint32_t nonfinite; /* NaN/Inf samples */
  /* Per channel, of the finite samples (NaN/Inf counted as 0): what the
     tiers and the detectors downstream need, so nothing reads the hop twice. */
  float channel_peak[FS_INPUT_MAX_CHANNELS];
  float channel_energy[FS_INPUT_MAX_CHANNELS]; /* sum x^2 */
} fs_input_summary;

/* smoothing_hops: time constant of the DC and power trackers, in hops. */
void fs_input_monitor_init(fs_input_monitor *monitor, float smoothing_hops);
void fs_input_monitor_reset(fs_input_monitor *monitor);

/* Checks one hop of raw input; appends findings; fills summary.
   `measured` holds each channel's fs_measure_block() when the caller has
   read the hop already (the supervisor copies it as it measures), or is
   NULL to have it measured here. */
void fs_input_check(fs_input_monitor *monitor, const float *const *in, const fs_block_measure *measured,
                    uint32_t channels, uint32_t hop, fs_findings *findings, fs_input_summary *summary);

/* ---- Tiers ---------------------------------------------------------- */

/* What one tier did this hop. */
typedef struct {
  uint32_t samples;     /* samples observed (hop x channels) */
  uint32_t nonfinite;   /* non-finite output samples */
  float out_peak;       /* largest |y| */
  float ref_peak;       /* largest |dry| of the same (aligned) samples */
  float out_energy;     /* sum y^2 */
  float ref_energy;     /* sum dry^2 */
  bool state_finite;    /* DSP state check */
  uint32_t state_denormals;
  bool has_spectrum;    /* the fields below are valid (full tier) */
  float max_gain;
  uint32_t bins_above_unity;
  float spectrum_in_energy;
  float spectrum_out_energy;
  float musical_noise; /* isolated-peak index of the hop, 0..1 */
  float flux_ratio;    /* output/input spectral flux */
} fs_tier_observation;

typedef struct {
  float out_energy;    /* smoothed over about a frame: one hop can hold */
  float ref_energy;    /* pre-echo or start-up spread that is not a fault */
  float musical_noise; /* smoothed isolated-peak index */
  float flux;          /* smoothed flux ratio */
  uint32_t flux_hops;  /* consecutive hops over the flux threshold */
} fs_tier_monitor;

typedef struct {
  float ceiling;                 /* linear */
  float musical_noise_threshold; /* on the smoothed index */
  float flux_threshold;
} fs_tier_thresholds;

void fs_tier_monitor_reset(fs_tier_monitor *monitor);

/* Checks one tier's hop; appends findings. */
void fs_tier_check(fs_tier_monitor *monitor, const fs_tier_thresholds *thresholds, const fs_tier_observation *obs,
                   fs_findings *findings);

/* ---- The learned tier ---------------------------------------------- */

/* One channel's shadow report on the network (fs_learned_gain.h), and the
   voicing of its input. */
typedef struct {
  uint32_t invalid;  /* band gains unusable this hop (the hop was heard classical) */
  float flicker;     /* mean |ln g - ln g_prev| of the speech bands */
  float loss_db;     /* speech-band energy, learned gains over classical */
  float periodicity; /* 0..1: voiced when high */
} fs_learned_observation;

/* Per hop weights and hold times, made from milliseconds at init. */
typedef struct {
  float flicker_smoothing;
  float loss_smoothing;
  uint32_t flicker_hold; /* hops over the flicker limit before a finding */
  uint32_t loss_hold;    /* voiced hops below the loss limit before a finding */
  float flicker_limit;
  float loss_db;
  float voiced;
} fs_learned_thresholds;

typedef struct {
  float flicker;         /* smoothed */
  float loss_db;         /* smoothed over voiced hops */
  uint32_t flicker_hops; /* consecutive hops over the limit */
  uint32_t loss_hops;    /* voiced hops in a row below the limit (unvoiced ones in between skipped) */
} fs_learned_monitor;

/* Instantiation.  The thresholds of fs_net_tuning.h for hops of
   `hop_seconds`. */
void fs_learned_thresholds_init(fs_learned_thresholds *thresholds, double hop_seconds);

void fs_learned_monitor_reset(fs_learned_monitor *monitor);

/* Checks one channel's learned report for a hop; appends findings (at
   most one of each learned detector). */
void fs_learned_check(fs_learned_monitor *monitor, const fs_learned_thresholds *thresholds,
                      const fs_learned_observation *obs, fs_findings *findings);

/* ---- Deadline ------------------------------------------------------- */

/* A finding when `elapsed_ns` spent on the full path exceeds `budget_ns`. */
void fs_deadline_check(double elapsed_ns, double budget_ns, fs_findings *findings);

const char *fs_detector_name(int detector);

#endif

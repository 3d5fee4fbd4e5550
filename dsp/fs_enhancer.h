/*
  fs_enhancer: tier 0, the full path.  Single-channel noise suppression
  for speech, on the fixed internal hop (see fs_geometry.h): mains hum
  removal in the time domain (fs_dehum.h), then spectral suppression.

  Opaque handle; every buffer and FFT plan is made in create(), so
  process_hop() never allocates, locks or waits.

  Threading:
  - create/destroy: instantiation class (may allocate, takes the FFTW
    planner lock).
  - everything else: audio class (real-time safe, bounded time).
*/
#ifndef FS_ENHANCER_H
#define FS_ENHANCER_H

#include "fs_bands.h"
#include "fs_geometry.h"
#include "fs_learned_gain.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_REDUCTION_MIN_DB 0.0f
#define FS_REDUCTION_MAX_DB 40.0f

typedef struct fs_enhancer fs_enhancer;

/* What the last hop did, for the safety net's detectors.  Energies are of
   the windowed analysis frame (time-domain scale, by Parseval), before and
   after the gains. */
typedef struct {
  float max_gain;            /* largest bin gain; never above 1 by design */
  float min_gain;            /* smallest bin gain */
  float input_energy;        /* sum of squares of the windowed input frame */
  float output_energy;       /* the same after the gains */
  float noise_energy;        /* the noise estimate, same scale */
  uint32_t bins_above_unity; /* bins whose gain exceeded 1 (should stay 0) */
  float musical_noise;       /* share of speech-band bins that are isolated gain peaks
                                (well above the floor while their neighbours in
                                frequency and their own last hop sit near it) */
  float flux_ratio;          /* spectral flux of the output over that of the input:
                                gains that flicker on their own raise it */
} fs_enhancer_stats;

/* Where a test hook is called inside a hop (see fs_enhancer_set_hook). */
typedef enum {
  FS_ENHANCER_HOOK_GAINS = 0,   /* the gain rule's bin gains are made, not yet applied */
  FS_ENHANCER_HOOK_OVERLAP = 1, /* the gains are applied; the overlap-add comes next */
  FS_ENHANCER_HOOK_STATE = 2,   /* the hop is done; its state is what the next check sees */
  FS_ENHANCER_HOOK_LEARNED = 3, /* the network's band gains are made, not yet checked nor used */
} fs_enhancer_hook_point;

/* What a hook may touch at FS_ENHANCER_HOOK_GAINS: the bin gains, the
   speech band's bins and the gain floor in force.  At
   FS_ENHANCER_HOOK_LEARNED: the network's FS_BANDS band gains (band_low 0,
   band_high FS_BANDS - 1) and the floor.  NULL at the others. */
typedef struct {
  float *gains;
  uint32_t band_low, band_high; /* inclusive */
  float floor_gain;
} fs_enhancer_gain_view;

typedef void (*fs_enhancer_hook_fn)(void *context, fs_enhancer *enhancer, fs_enhancer_hook_point point,
                                    const fs_enhancer_gain_view *gains);

/* Instantiation.  Returns NULL when memory or an FFT plan cannot be had. */
fs_enhancer *fs_enhancer_create(double sample_rate);

/* Instantiation.  Accepts NULL. */
void fs_enhancer_destroy(fs_enhancer *enhancer);

/* Frame, hop and latencies this instance runs with. */
const fs_geometry *fs_enhancer_geometry(const fs_enhancer *enhancer);

/* Audio.  Back to the freshly created state (noise estimate forgotten).
   The reduction setting is kept, and its ramp jumps to it. */
void fs_enhancer_reset(fs_enhancer *enhancer);

/* Audio.  Maximum noise attenuation in dB; clamped to
   [FS_REDUCTION_MIN_DB, FS_REDUCTION_MAX_DB], NaN gives the minimum.
   Changes are smoothed inside, so calling it every hop is fine. */
void fs_enhancer_set_reduction(fs_enhancer *enhancer, float reduction_db);

/* Audio.  Exactly one hop of input in, one hop of output out, the output
   late by geometry.hop_latency samples.  `in` and `out` may alias. */
void fs_enhancer_process_hop(fs_enhancer *enhancer, const float *in, float *out);

/* Audio.  Test hook: `hook` is called at each fs_enhancer_hook_point of
   every processed hop, until set to NULL.  The safety net injects its
   faults through it (the enhancer does not know what they are for): it may
   rewrite the gains, and corrupt the state with the two calls below.  With
   no hook a hop pays one test per point. */
void fs_enhancer_set_hook(fs_enhancer *enhancer, fs_enhancer_hook_fn hook, void *context);

/* Audio.  Test hook: writes `value` into the overlap-add memory (at
   FS_ENHANCER_HOOK_OVERLAP it reaches this hop's output). */
void fs_enhancer_corrupt_overlap(fs_enhancer *enhancer, float value);

/* Audio.  Test hook: writes `value` into the noise estimate. */
void fs_enhancer_corrupt_noise(fs_enhancer *enhancer, float value);

/* Audio.  Test hook: writes `value` into the learned tier's network state. */
void fs_enhancer_corrupt_learned(fs_enhancer *enhancer, float value);

/* Audio.  True when the learned tier's network state is finite (96
   floats; fs_enhancer_state_is_finite() includes it). */
bool fs_enhancer_learned_state_is_finite(const fs_enhancer *enhancer);

/* Audio.  Rolls only the learned tier's network state back to the one in
   snapshot `src` (from fs_enhancer_snapshot() of this instance), or to
   zero when `src` is NULL.  Everything else, the classical path included,
   carries on untouched: a broken network is mended without a glitch in
   what the classical gains make. */
void fs_enhancer_restore_learned(fs_enhancer *enhancer, const void *src);

/* Audio.  How much of the learned tier's gains is heard, 0 (the classical
   gains) to 1; clamped, NaN is 0.  It glides there over
   FS_LEARNED_GLIDE_MS (from 0 when the learned stage starts). */
void fs_enhancer_set_learned_share(fs_enhancer *enhancer, float share);

/* Audio.  Whether the learned gains are watched while not heard (the net
   judging them in shadow, a tool reading the features).  The learned
   stage, features and network, runs while it is watched or its share is
   above 0, and costs nothing otherwise: it starts afresh (network state
   and feature history zero, share gliding up from 0) on the first hop it
   runs again.  Not watched after create. */
void fs_enhancer_watch_learned(fs_enhancer *enhancer, bool watched);

/* Any thread, between hops.  The learned gain stage's report on the last
   hop: invalid gains, flicker, speech-band loss against the classical
   gains, and the share heard. */
const fs_learned_gain_report *fs_enhancer_learned_report(const fs_enhancer *enhancer);

/* Any thread, between hops.  The learned stage ran on the last hop but
   held its network there, the frame being digital silence
   (fs_learned_gain_hold): the training tool leaves such hops out, as the
   network never sees them. */
bool fs_enhancer_learned_held(const fs_enhancer *enhancer);

/* Any thread.  Spectrum bins per hop: geometry.analysis / 2 + 1. */
uint32_t fs_enhancer_bins(const fs_enhancer *enhancer);

/* Audio.  Lab use only: drive the gain rule with this noise PSD (bins
   values, the power an fs_stft of geometry.analysis and geometry.hop
   gives) instead of the tracker's estimate, until called with NULL.  The
   caller keeps the array alive and may rewrite it between hops.  The
   benchmark uses it to score the gain rule with the true noise PSD,
   which no real input offers: the ceiling any noise tracker could reach. */
void fs_enhancer_set_noise_override(fs_enhancer *enhancer, const float *psd);

/* Audio.  Musical-noise protection, 0 (off) .. 1: isolated gain peaks are
   held down to their surroundings and the floor rises by up to 6 dB.
   The safety net turns this up when it hears musical noise. */
void fs_enhancer_set_protection(fs_enhancer *enhancer, float level);

/* Audio.  Output trim in dB (<= 0; clamped to [-40, 0]), glided over a
   few hops.  The safety net lowers it when the full path clips. */
void fs_enhancer_set_trim(fs_enhancer *enhancer, float trim_db);

/* Audio.  Denormal values in the state (never there by design). */
uint32_t fs_enhancer_state_denormals(const fs_enhancer *enhancer);

/* Audio.  A hop the caller did not process (the safety net rested the
   full path): keeps the state that runs in step with the input's own
   time, the hum combs, in step.  Call once per skipped hop, then
   fs_enhancer_resync() before the next processed one. */
void fs_enhancer_skip_hop(fs_enhancer *enhancer);

/* Audio.  Clears the signal history and overlap-add memory but keeps the
   noise estimate: for a path that skipped hops, or was rolled back to an
   older snapshot, so it does not overlap old audio with new. */
void fs_enhancer_resync(fs_enhancer *enhancer);

/* Audio.  Stats of the last processed hop (all zero after create/reset). */
const fs_enhancer_stats *fs_enhancer_stats_last(const fs_enhancer *enhancer);

/* Audio.  The learned tier's FS_LEARNED_FEATURES features of the last
   processed hop (fs_learned_features.h, docs/LEARNED.md), all zero after
   create and reset.  Taken every hop; they change nothing the enhancer
   outputs. */
const float *fs_enhancer_features(const fs_enhancer *enhancer);

/* Any class.  The bands the features are taken over, for tools that work
   in them (training targets, band gains back to bins). */
const fs_bands *fs_enhancer_bands(const fs_enhancer *enhancer);

/* Audio.  The last hop's bin powers (fs_enhancer_bins() of them): the
   spectrum after click repair and hum removal, as the gain rule saw it. */
const float *fs_enhancer_power(const fs_enhancer *enhancer);

/* Audio.  The hop's analysis spectrum (fs_enhancer_bins() bins, re and
   im interleaved) after click repair and hum removal.  Inside a hook at
   FS_ENHANCER_HOOK_GAINS it is the spectrum the gains are about to scale;
   after the hop it holds the scaled one.  NULL before the first hop.  The
   training tool reads it to score gains against the clean speech. */
const float *fs_enhancer_spectrum(const fs_enhancer *enhancer);

/* Any class.  The features' eps, in the units of fs_enhancer_power(). */
float fs_enhancer_feature_eps(const fs_enhancer *enhancer);

/* Audio.  True when every noise estimate, gain memory and filter memory
   is finite.  Cost: one pass over the state. */
bool fs_enhancer_state_is_finite(const fs_enhancer *enhancer);

/* Snapshots of all mutable DSP state (history, overlap-add memory, noise
   estimate, gain memory, reduction ramp, the features' memory), so a
   caller can roll an instance back.  The reduction setting itself is a control and is left
   as it is by restore().  The buffer is the caller's, preallocated with at least
   fs_enhancer_snapshot_size() bytes and aligned for float (any malloc'd
   block is).  A snapshot restores only into an instance created at the
   same sample rate.
   - snapshot_size: any class.
   - snapshot / restore: audio class (a memcpy of the state, no allocation). */
size_t fs_enhancer_snapshot_size(const fs_enhancer *enhancer);
void fs_enhancer_snapshot(const fs_enhancer *enhancer, void *dst);
void fs_enhancer_restore(fs_enhancer *enhancer, const void *src);

#endif

/*
  fs_noise_tracker: per-bin noise power estimate that follows changing
  noise without a "learn" button.

  Method: the speech-presence-probability MMSE estimator.  For each bin the
  posterior probability that speech is present is computed from how far the
  bin's power sits above the current estimate, given an assumed typical
  speech SNR.  The noise power expected given that probability (the
  observed power where speech is absent, the old estimate where it is
  present) is then smoothed into the estimate.  A slow average of the
  probability catches bins stuck at "speech" after a jump in the noise
  level and caps their probability, so the estimate can still climb.
  It follows rising noise within seconds and needs no bias correction.

  One safety cap borrowed from minimum statistics: the estimate may not
  exceed the minimum of the smoothed power over the last 1.5 s by more
  than FS_NOISE_CAP_DB.  It rarely binds on real noise, but it is what
  pulls the estimate off speech when a stream opens with speech instead
  of noise (the SPP rule would otherwise take that speech for noise).

  For the first FS_NOISE_INIT_MS the estimate is the plain average of the
  input, on the usual assumption that a stream opens with noise.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_NOISE_TRACKER_H
#define FS_NOISE_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_noise_tracker fs_noise_tracker;

/* bins: spectrum bins per frame; hop_seconds: time between updates;
   settle_hops: updates to ignore after reset or silence (frames still
   partly made of it); window_power: sum of the squared analysis window,
   which turns a mean square into a bin power. */
fs_noise_tracker *fs_noise_tracker_create(uint32_t bins, double hop_seconds, uint32_t settle_hops,
                                          float window_power);
void fs_noise_tracker_destroy(fs_noise_tracker *tracker);
void fs_noise_tracker_reset(fs_noise_tracker *tracker);

/* One frame's bin powers in (each >= FS_POWER_FLOOR). */
void fs_noise_tracker_update(fs_noise_tracker *tracker, const float *power);

/* The last frame was digital silence or near it (under FS_SILENCE_DBFS
   over the frame): it said nothing of the noise, and was left out. */
bool fs_noise_tracker_silent(const fs_noise_tracker *tracker);

/* The current noise power estimate per bin (each >= FS_POWER_FLOOR). */
const float *fs_noise_tracker_psd(const fs_noise_tracker *tracker);

/* Speech presence probability per bin from the last update, in [0, 1]. */
const float *fs_noise_tracker_presence(const fs_noise_tracker *tracker);

size_t fs_noise_tracker_state_size(const fs_noise_tracker *tracker);
void fs_noise_tracker_save(const fs_noise_tracker *tracker, void *dst);
void fs_noise_tracker_load(fs_noise_tracker *tracker, const void *src);
bool fs_noise_tracker_state_is_finite(const fs_noise_tracker *tracker);

/* Non-zero values below FLT_MIN in the estimate: never there by design
   (the estimate is floored), so any is a sign of corruption. */
uint32_t fs_noise_tracker_denormals(const fs_noise_tracker *tracker);

/* Ignore the next `updates` frames: after the signal history was cleared
   they are partly made of zeros and would drag the estimate down. */
void fs_noise_tracker_hold(fs_noise_tracker *tracker, uint32_t updates);

/* Audio.  What feeds the tracker changed its make-up (the hum remover
   engaged): the minimum search starts afresh with the next frame, so the
   cap it sets follows the new input within a subwindow instead of
   holding what was removed for a whole window. */
void fs_noise_tracker_restart_minimum(fs_noise_tracker *tracker);

/* Fault injection for the safety net's tests and the chaos port: writes
   `value` (NaN, a denormal...) into every fourth bin of the estimate. */
void fs_noise_tracker_corrupt(fs_noise_tracker *tracker, float value);

#endif

/*
  fs_gain: the suppression rule.  Turns bin powers and a noise estimate
  into per-bin gains in [floor, 1].

  - A-priori SNR by the decision-directed rule: mostly the previous hop's
    clean-speech estimate, a little of this hop's excess power.  This
    smoothing is what keeps residual noise from "twinkling" (musical noise).
  - Gain by the MMSE log-spectral amplitude estimator,
      G = xi / (1 + xi) * exp(E1(v) / 2),   v = xi / (1 + xi) * gamma,
    where exp(E1(v)/2) comes from a table built at create(), so no special
    function is evaluated per bin per hop.
  - Below, the floor from the reduction control, except in spectral
    valleys: a bin whose power sits under FS_VALLEY_FILL times the noise
    estimate gets floor * sqrt(FS_VALLEY_FILL / gamma) instead, so the
    residual noise keeps a steady level and does not twinkle as holes
    open and close (the LSA rule behaves the same way above the floor).
  - Bins centred below FS_LOW_CUT_HZ (at 512 points and 48 kHz only DC
    and its 94 Hz neighbourhood) get the floor: rumble, a DC offset and
    low-frequency noise have much there, voices little.  A bin standing
    FS_LOW_CUT_PASS_DB above its noise keeps the gain rule's gain: the low
    end of a plosive or a thump, or anything over a silent floor, is sound
    (cut, it cost a recorded clean file 14 dB SI-SDR).
  - The floor bounds the attenuation; the gain never exceeds 1.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_GAIN_H
#define FS_GAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_gain fs_gain;

/* bins: spectrum bins; low_cut_bins: how many of the lowest bins always
   get the floor (0 .. bins). */
fs_gain *fs_gain_create(uint32_t bins, uint32_t low_cut_bins);
void fs_gain_destroy(fs_gain *gain);
void fs_gain_reset(fs_gain *gain);

/* power, noise: per-bin powers (>= FS_POWER_FLOOR).  floor_gain in
   (0, 1].  Writes bins gains, each in [floor_gain, 1]. */
void fs_gain_compute(fs_gain *gain, const float *power, const float *noise, float floor_gain,
                     float *gains);

/* The LSA gains of the last fs_gain_compute(), bins values in [0, 1],
   before the floor, its valley filling and the low cut: what the rule
   thinks of each bin whatever the user's reduction (the learned tier's
   features read them, docs/LEARNED.md).  Valid until the next compute;
   zero after create and reset. */
const float *fs_gain_unfloored(const fs_gain *gain);

/* exp(E1(v) / 2) from the table; exposed for tests.  v > 0. */
float fs_gain_lsa_factor(const fs_gain *gain, float v);

size_t fs_gain_state_size(const fs_gain *gain);
void fs_gain_save(const fs_gain *gain, void *dst);
void fs_gain_load(fs_gain *gain, const void *src);
bool fs_gain_state_is_finite(const fs_gain *gain);

#endif

/*
  fs_learned_features: the learned tier's input, FS_LEARNED_FEATURES
  values per hop, exactly as docs/LEARNED.md's table says (contract
  version FS_LEARNED_CONTRACT_VERSION):

    0..25    0.1 * ln(E[i] + eps), E the band energies of the hop's power
    26..51   0.5 * the change of ln(E[i] + eps) since the last hop
             (0 on the first hop after create or reset)
    52..77   0.1 * ln(N[i] + eps), N the band energies of the noise PSD
    78..103  the band means of the classical gain before its floor
    104      periodicity of the time-domain input (fs_periodicity.h)
    105      pitch, log2(f0 / 150 Hz), 0 when not voiced

  eps = FS_FEATURE_EPS_PER_WINDOW_POWER * the analysis window's power
  sum; every value is finite and within +-FS_FEATURE_LIMIT (NaN counts
  as 0).  The bands are this module's own (fs_learned_features_bands).

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_LEARNED_FEATURES_H
#define FS_LEARNED_FEATURES_H

#include "fs_bands.h"
#include "fs_learned_contract.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_LEARNED_FEATURES (4u * FS_BANDS + 2u)

/* Where each group starts in the vector. */
#define FS_FEATURE_LEVEL 0u
#define FS_FEATURE_LEVEL_CHANGE FS_BANDS
#define FS_FEATURE_NOISE (2u * FS_BANDS)
#define FS_FEATURE_GAIN (3u * FS_BANDS)
#define FS_FEATURE_PERIODICITY (4u * FS_BANDS)
#define FS_FEATURE_PITCH (4u * FS_BANDS + 1u)

typedef struct fs_learned_features fs_learned_features;

/* For spectra of fft_size / 2 + 1 bins at sample_rate, hops of `hop`
   samples, and an analysis window whose squares sum to window_power
   (fs_stft_window_power).  NULL on failure. */
fs_learned_features *fs_learned_features_create(double sample_rate, uint32_t fft_size, uint32_t hop,
                                                float window_power);
void fs_learned_features_destroy(fs_learned_features *features);

/* Forget the last hop and the time-domain history: the next hop is a
   first one (no change since the last). */
void fs_learned_features_reset(fs_learned_features *features);

/* One hop: power (the hop's bin powers), noise (the noise PSD the gain
   rule used), unfloored_gain (fs_gain_unfloored), each fft_size / 2 + 1
   bins, and the hop's time-domain input as the spectrum saw it.
   Returns the FS_LEARNED_FEATURES values, valid until the next call. */
const float *fs_learned_features_compute(fs_learned_features *features, const float *power, const float *noise,
                                         const float *unfloored_gain, const float *hop_in);

/* The last computed values (all zero after create and reset). */
const float *fs_learned_features_values(const fs_learned_features *features);

/* The bands the features are taken over; any class, read-only. */
const fs_bands *fs_learned_features_bands(const fs_learned_features *features);

/* eps of the table, in the power's units. */
float fs_learned_features_eps(const fs_learned_features *features);

/* Mutable state (last levels, time-domain history) for snapshots. */
size_t fs_learned_features_state_size(const fs_learned_features *features);
void fs_learned_features_save(const fs_learned_features *features, void *dst);
void fs_learned_features_load(fs_learned_features *features, const void *src);
bool fs_learned_features_state_is_finite(const fs_learned_features *features);

#endif

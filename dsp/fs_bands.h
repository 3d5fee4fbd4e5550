/*
  fs_bands: the learned tier's FS_BANDS triangular bands (docs/LEARNED.md,
  "Bands").  They are defined in Hz, so every sample rate and FFT size sees
  the same bands: a bin at frequency f between centres c[i] and c[i + 1]
  belongs to band i with weight (c[i + 1] - f) / (c[i + 1] - c[i]) and to
  band i + 1 with the rest.  The weights of a bin sum to 1.

  Bands whose centre lies above the Nyquist frequency get no bins: the
  last centre at or below Nyquist takes every bin above it with weight 1,
  as the last centre of all does above 20 kHz.

  Everything rate-dependent (each bin's lower band and weight, each band's
  total weight) is worked out at create(), so the per-hop passes are one
  loop over the bins with no division.

  Threading: create/destroy instantiation class; the rest any class (the
  handle is read-only after create, so several users may share it).
*/
#ifndef FS_BANDS_H
#define FS_BANDS_H

#include <stdbool.h>
#include <stdint.h>

#define FS_BANDS 26u

typedef struct fs_bands fs_bands;

/* Band centre in Hz, band < FS_BANDS (the contract's table). */
float fs_bands_centre_hz(uint32_t band);

/* bins spectrum bins, bin k at k * sample_rate / fft_size Hz (bins is
   normally fft_size / 2 + 1).  NULL on a bad argument or no memory. */
fs_bands *fs_bands_create(uint32_t bins, double sample_rate, uint32_t fft_size);
void fs_bands_destroy(fs_bands *bands);

uint32_t fs_bands_bins(const fs_bands *bands);

/* Whether any bin has a weight in the band; false for bands above
   Nyquist and for band >= FS_BANDS. */
bool fs_bands_has_bins(const fs_bands *bands, uint32_t band);

/* sum_k w[band][k]: the band's width in bins (0 for an empty band). */
float fs_bands_weight_sum(const fs_bands *bands, uint32_t band);

/* Bin `bin`'s two weights: band *lower gets *lower_weight, band
   *lower + 1 gets *upper_weight (0 when *lower + 1 is FS_BANDS, past the
   last band).  Every other band's weight is 0.  bin < fs_bands_bins(). */
void fs_bands_bin_weights(const fs_bands *bands, uint32_t bin, uint32_t *lower, float *lower_weight,
                          float *upper_weight);

/* Band energies E[i] = sum_k w[i][k] * power[k]: bins values in,
   FS_BANDS out (0 for an empty band). */
void fs_bands_energy(const fs_bands *bands, const float *power, float *band_energy);

/* Band values back to the bins through the same triangles:
   bin_value[k] = sum_i w[i][k] * band_value[i].  FS_BANDS in, bins out. */
void fs_bands_spread(const fs_bands *bands, const float *band_value, float *bin_value);

/* Weighted mean of a per-bin quantity per band,
   sum_k w[i][k] * x[k] / sum_k w[i][k], 0 for an empty band. */
void fs_bands_average(const fs_bands *bands, const float *bin_value, float *band_average);

#endif

#include "fs_bands.h"

#include <assert.h>
#include <stdlib.h>

/* docs/LEARNED.md, contract version 2: change both together. */
static const float band_centres_hz[] = {0.0f,    150.0f,  300.0f,  450.0f,  600.0f,  750.0f,  900.0f,
                                        1100.0f, 1300.0f, 1500.0f, 1750.0f, 2000.0f, 2300.0f, 2650.0f,
                                        3000.0f, 3500.0f, 4000.0f, 4700.0f, 5500.0f, 6500.0f, 7700.0f,
                                        9200.0f, 11000.0f, 13500.0f, 16500.0f, 20000.0f};
static_assert(sizeof(band_centres_hz) / sizeof(band_centres_hz[0]) == FS_BANDS, "one centre per band");

struct fs_bands {
  uint32_t bins;
  /* Per bin: the band below it (the one whose triangle it sits on the
     falling side of) and the weights it gives that band and the next.
     A bin at or above the last centre in use gives its lower band 1 and
     the next 0; the padding entry of the per-hop arrays takes that 0. */
  uint32_t *lower;
  /* The bins whose lower band is i: first_bin[i] .. first_bin[i + 1] - 1
     (the lower band never falls as the bins rise). */
  uint32_t first_bin[FS_BANDS + 1];
  float *lower_weight;
  float *upper_weight;
  float weight_sum[FS_BANDS];
  float inverse_weight_sum[FS_BANDS]; /* 0 for an empty band */
};

float fs_bands_centre_hz(uint32_t band) { return band < FS_BANDS ? band_centres_hz[band] : 0.0f; }

fs_bands *fs_bands_create(uint32_t bins, double sample_rate, uint32_t fft_size) {
  if (bins == 0 || fft_size == 0 || !(sample_rate > 0.0)) {
    return NULL;
  }
  fs_bands *b = calloc(1, sizeof(*b));
  if (!b) {
    return NULL;
  }
  b->bins = bins;
  b->lower = calloc(bins, sizeof(uint32_t));
  b->lower_weight = calloc(bins, sizeof(float));
  b->upper_weight = calloc(bins, sizeof(float));
  if (!b->lower || !b->lower_weight || !b->upper_weight) {
    fs_bands_destroy(b);
    return NULL;
  }
  /* The last band a bin may reach: the last centre at or below Nyquist. */
  const double nyquist = 0.5 * sample_rate;
  uint32_t last = 0;
  while (last + 1 < FS_BANDS && band_centres_hz[last + 1] <= nyquist) {
    ++last;
  }
  double sums[FS_BANDS] = {0};
  uint32_t band = 0;
  for (uint32_t k = 0; k < bins; ++k) {
    const double f = (double)k * sample_rate / fft_size;
    while (band < last && band_centres_hz[band + 1] <= f) {
      ++band;
    }
    double weight = 1.0;
    if (band < last) {
      const double low = band_centres_hz[band], high = band_centres_hz[band + 1];
      weight = (high - f) / (high - low);
    }
    b->lower[k] = band;
    b->lower_weight[k] = (float)weight;
    b->upper_weight[k] = (float)(1.0 - weight);
    sums[band] += weight;
    if (band + 1 < FS_BANDS) {
      sums[band + 1] += 1.0 - weight;
    }
  }
  uint32_t k = 0;
  for (uint32_t i = 0; i <= FS_BANDS; ++i) {
    while (k < bins && b->lower[k] < i) {
      ++k;
    }
    b->first_bin[i] = k;
  }
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    b->weight_sum[i] = (float)sums[i];
    b->inverse_weight_sum[i] = sums[i] > 0.0 ? (float)(1.0 / sums[i]) : 0.0f;
  }
  return b;
}

void fs_bands_destroy(fs_bands *b) {
  if (!b) {
    return;
  }
  free(b->lower);
  free(b->lower_weight);
  free(b->upper_weight);
  free(b);
}

uint32_t fs_bands_bins(const fs_bands *b) { return b->bins; }

bool fs_bands_has_bins(const fs_bands *b, uint32_t band) { return band < FS_BANDS && b->weight_sum[band] > 0.0f; }

float fs_bands_weight_sum(const fs_bands *b, uint32_t band) { return band < FS_BANDS ? b->weight_sum[band] : 0.0f; }

void fs_bands_bin_weights(const fs_bands *b, uint32_t bin, uint32_t *lower, float *lower_weight,
                          float *upper_weight) {
  *lower = b->lower[bin];
  *lower_weight = b->lower_weight[bin];
  *upper_weight = b->upper_weight[bin];
}

/* sum_k w[i][k] * x[k] into FS_BANDS + 1 sums (the last one takes the
   zero weights past the last band).  Band by band over its run of bins,
   so the sums stay in registers: one pass over the bins all the same. */
static void weighted_sums(const fs_bands *b, const float *x, float *sums) {
  const float *restrict lower_weight = b->lower_weight;
  const float *restrict upper_weight = b->upper_weight;
  sums[0] = 0.0f;
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    float own = 0.0f, next = 0.0f;
    for (uint32_t k = b->first_bin[i]; k < b->first_bin[i + 1]; ++k) {
      own += lower_weight[k] * x[k];
      next += upper_weight[k] * x[k];
    }
    sums[i] += own;
    sums[i + 1] = next;
  }
}

void fs_bands_energy(const fs_bands *b, const float *power, float *band_energy) {
  float sums[FS_BANDS + 1];
  weighted_sums(b, power, sums);
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    band_energy[i] = sums[i];
  }
}

void fs_bands_average(const fs_bands *b, const float *bin_value, float *band_average) {
  float sums[FS_BANDS + 1];
  weighted_sums(b, bin_value, sums);
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    band_average[i] = sums[i] * b->inverse_weight_sum[i];
  }
}

void fs_bands_spread(const fs_bands *b, const float *band_value, float *bin_value) {
  float padded[FS_BANDS + 1];
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    padded[i] = band_value[i];
  }
  padded[FS_BANDS] = 0.0f;
  const uint32_t *restrict lower = b->lower;
  const float *restrict lower_weight = b->lower_weight;
  const float *restrict upper_weight = b->upper_weight;
  for (uint32_t k = 0; k < b->bins; ++k) {
    bin_value[k] = lower_weight[k] * padded[lower[k]] + upper_weight[k] * padded[lower[k] + 1];
  }
}

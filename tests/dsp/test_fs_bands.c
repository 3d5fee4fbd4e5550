/* fs_bands: the triangles share every bin out whole, flat spectra give the
   bands' widths, gains spread back unchanged, and the bands are the same
   in Hz at every rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_bands.h"
#include "fs_geometry.h"
#include "test_support.h"

static fs_bands *bands_for_rate(double rate, uint32_t *bins) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  *bins = g.analysis / 2 + 1;
  fs_bands *b = fs_bands_create(*bins, rate, g.analysis);
  assert_non_null(b);
  return b;
}

static void centres_rise(void **state) {
  (void)state;
  assert_true(fs_bands_centre_hz(0) == 0.0f);
  assert_true(fs_bands_centre_hz(FS_BANDS - 1) == 20000.0f);
  for (uint32_t i = 1; i < FS_BANDS; ++i) {
    assert_true(fs_bands_centre_hz(i) > fs_bands_centre_hz(i - 1));
  }
}

static void weights_of_a_bin_sum_to_one(void **state) {
  (void)state;
  const double rates[] = {22050.0, 44100.0, 48000.0, 96000.0, 192000.0};
  for (int r = 0; r < 5; ++r) {
    uint32_t bins;
    fs_bands *b = bands_for_rate(rates[r], &bins);
    float ones[FS_BANDS], *spread = malloc(bins * sizeof(float)), *each = malloc(bins * sizeof(float));
    for (uint32_t i = 0; i < FS_BANDS; ++i) {
      ones[i] = 1.0f;
    }
    /* Spreading all ones gives each bin its weights' sum... */
    fs_bands_spread(b, ones, spread);
    for (uint32_t k = 0; k < bins; ++k) {
      assert_float_equal(spread[k], 1.0f, 1e-6f);
    }
    /* ...and spreading one band at a time gives its weights, each in
       [0, 1], summing over the bands to 1 again: the weights
       fs_bands_bin_weights gives. */
    for (uint32_t k = 0; k < bins; ++k) {
      spread[k] = 0.0f;
    }
    for (uint32_t band = 0; band < FS_BANDS; ++band) {
      float unit[FS_BANDS] = {0};
      unit[band] = 1.0f;
      fs_bands_spread(b, unit, each);
      double width = 0.0;
      for (uint32_t k = 0; k < bins; ++k) {
        assert_true(each[k] >= 0.0f && each[k] <= 1.0f);
        /* fs_bands_bin_weights names the same weight, and only its two
           bands have any. */
        uint32_t lower;
        float lower_weight, upper_weight;
        fs_bands_bin_weights(b, k, &lower, &lower_weight, &upper_weight);
        const float named = band == lower ? lower_weight : band == lower + 1 ? upper_weight : 0.0f;
        assert_float_equal(each[k], named, 0.0f);
        spread[k] += each[k];
        width += each[k];
      }
      assert_float_equal(width, fs_bands_weight_sum(b, band), 1e-4);
      assert_true(fs_bands_has_bins(b, band) == (width > 0.0));
    }
    for (uint32_t k = 0; k < bins; ++k) {
      assert_float_equal(spread[k], 1.0f, 1e-6f);
    }
    free(spread);
    free(each);
    fs_bands_destroy(b);
  }
}

/* A flat spectrum of 1 per bin gives each band its width in bins: half
   the distance between its neighbours' centres, over the bin spacing. */
static void flat_power_gives_the_band_widths(void **state) {
  (void)state;
  uint32_t bins;
  fs_bands *b = bands_for_rate(48000.0, &bins);
  const double spacing = 48000.0 / (2.0 * (bins - 1));
  float *power = malloc(bins * sizeof(float)), energy[FS_BANDS], average[FS_BANDS];
  for (uint32_t k = 0; k < bins; ++k) {
    power[k] = 1.0f;
  }
  fs_bands_energy(b, power, energy);
  fs_bands_average(b, power, average);
  for (uint32_t i = 1; i + 1 < FS_BANDS; ++i) {
    const double width = (fs_bands_centre_hz(i + 1) - fs_bands_centre_hz(i - 1)) / 2.0 / spacing;
    assert_float_equal(energy[i], width, 0.5);
    assert_float_equal(energy[i], fs_bands_weight_sum(b, i), 1e-3);
    assert_float_equal(average[i], 1.0f, 1e-5f);
  }
  /* The last band takes everything above 20 kHz too. */
  assert_true(energy[FS_BANDS - 1] > (24000.0 - 20000.0) / spacing);
  free(power);
  fs_bands_destroy(b);
}

static void constant_gains_spread_to_that_constant(void **state) {
  (void)state;
  uint32_t bins;
  fs_bands *b = bands_for_rate(44100.0, &bins);
  float *gains = malloc(bins * sizeof(float));
  const float constants[] = {0.0f, 0.125f, 0.7f, 1.0f};
  for (int c = 0; c < 4; ++c) {
    float band[FS_BANDS];
    for (uint32_t i = 0; i < FS_BANDS; ++i) {
      band[i] = constants[c];
    }
    fs_bands_spread(b, band, gains);
    for (uint32_t k = 0; k < bins; ++k) {
      assert_float_equal(gains[k], constants[c], 1e-6f);
    }
  }
  free(gains);
  fs_bands_destroy(b);
}

/* At 22.05 kHz (Nyquist 11025 Hz) the bands of 13.5, 16.5 and 20 kHz get
   nothing: no weight, zero energy and a zero average. */
static void bands_above_nyquist_are_empty(void **state) {
  (void)state;
  uint32_t bins;
  fs_bands *b = bands_for_rate(22050.0, &bins);
  float *power = malloc(bins * sizeof(float)), energy[FS_BANDS], average[FS_BANDS];
  for (uint32_t k = 0; k < bins; ++k) {
    power[k] = 1.0f + (float)k;
  }
  fs_bands_energy(b, power, energy);
  fs_bands_average(b, power, average);
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    const bool above = fs_bands_centre_hz(i) > 11025.0f;
    assert_true(fs_bands_has_bins(b, i) == !above);
    if (above) {
      assert_true(energy[i] == 0.0f && average[i] == 0.0f && fs_bands_weight_sum(b, i) == 0.0f);
    } else {
      assert_true(energy[i] > 0.0f && average[i] > 0.0f);
    }
  }
  assert_false(fs_bands_has_bins(b, FS_BANDS));
  free(power);
  fs_bands_destroy(b);
}

/* White noise of one power density has a bin power proportional to the
   bin width: scaled per bin width, every rate sees the same band
   energies in Hz (up to the band of 16.5 kHz, whose triangle ends where
   the last band's catch-all begins). */
static void band_energies_agree_across_rates(void **state) {
  (void)state;
  const double rates[] = {44100.0, 48000.0, 96000.0};
  float energies[3][FS_BANDS];
  for (int r = 0; r < 3; ++r) {
    uint32_t bins;
    fs_bands *b = bands_for_rate(rates[r], &bins);
    const float spacing = (float)(rates[r] / (2.0 * (bins - 1)));
    float *power = malloc(bins * sizeof(float));
    for (uint32_t k = 0; k < bins; ++k) {
      power[k] = spacing; /* density 1 per Hz */
    }
    fs_bands_energy(b, power, energies[r]);
    free(power);
    fs_bands_destroy(b);
  }
  for (uint32_t i = 1; i + 1 < FS_BANDS; ++i) {
    /* The triangle's area in Hz, which the bins sample: a narrow band
       (150 Hz a side, under two bins) is met within a quarter of a bin,
       a wide one within a percent. */
    const double area = (fs_bands_centre_hz(i + 1) - fs_bands_centre_hz(i - 1)) / 2.0;
    const double bins_a_side = (fs_bands_centre_hz(i) - fs_bands_centre_hz(i - 1)) / 94.0;
    const double tolerance = bins_a_side >= 5.0 ? 0.01 * area : 0.25 * 94.0;
    for (int r = 0; r < 3; ++r) {
      assert_float_equal(energies[r][i], area, tolerance);
      assert_float_equal(energies[r][i], energies[0][i], tolerance);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(centres_rise),
      cmocka_unit_test(weights_of_a_bin_sum_to_one),
      cmocka_unit_test(flat_power_gives_the_band_widths),
      cmocka_unit_test(constant_gains_spread_to_that_constant),
      cmocka_unit_test(bands_above_nyquist_are_empty),
      cmocka_unit_test(band_energies_agree_across_rates),
  };
  return cmocka_run_group_tests_name("fs_bands", tests, NULL, NULL);
}

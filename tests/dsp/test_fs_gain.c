/* fs_gain: gains stay in [floor, 1]; the LSA table matches the special
   function; the fast math is accurate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fs_fastmath.h"
#include "fs_gain.h"
#include "fs_tuning.h"
#include "test_support.h"

#define BINS 257u

static void gains_stay_between_floor_and_one(void **state) {
  (void)state;
  fs_gain *g = fs_gain_create(BINS, 1);
  assert_non_null(g);
  float power[BINS], noise[BINS], gains[BINS];
  uint32_t seed = 7;
  const float floors[] = {1.0f, 0.5f, 0.178f, 0.01f};
  for (int f = 0; f < 4; ++f) {
    for (int hop = 0; hop < 300; ++hop) {
      for (uint32_t k = 0; k < BINS; ++k) {
        /* Powers spread over 160 dB, noise over 100 dB. */
        power[k] = FS_POWER_FLOOR + powf(10.0f, 8.0f * (test_uniform(&seed) + 0.2f));
        noise[k] = FS_POWER_FLOOR + powf(10.0f, 5.0f * test_uniform(&seed));
      }
      fs_gain_compute(g, power, noise, floors[f], gains);
      for (uint32_t k = 0; k < BINS; ++k) {
        assert_true(gains[k] <= 1.0f);
        assert_true(gains[k] >= floors[f]);
      }
      if (power[0] <= powf(10.0f, FS_LOW_CUT_PASS_DB / 10.0f) * noise[0]) {
        assert_float_equal(gains[0], floors[f], 0.0f); /* the low cut */
      }
    }
    assert_true(fs_gain_state_is_finite(g));
  }
  fs_gain_destroy(g);
}

static void loud_speech_passes_noise_is_floored(void **state) {
  (void)state;
  fs_gain *g = fs_gain_create(BINS, 1);
  float power[BINS], noise[BINS], gains[BINS];
  for (uint32_t k = 0; k < BINS; ++k) {
    noise[k] = 1.0f;
    power[k] = k < 100 ? 1000.0f : 1.0f; /* 30 dB SNR low, noise-only high */
  }
  for (int hop = 0; hop < 200; ++hop) {
    fs_gain_compute(g, power, noise, 0.1f, gains);
  }
  for (uint32_t k = 1; k < 100; ++k) {
    assert_true(gains[k] > 0.95f);
  }
  for (uint32_t k = 100; k < BINS; ++k) {
    assert_true(gains[k] < 0.15f);
  }
  fs_gain_destroy(g);
}

static void lsa_table_matches_exponential_integral(void **state) {
  (void)state;
  fs_gain *g = fs_gain_create(BINS, 0);
  /* exp(E1(v)/2) at reference points (E1 from tables). */
  const double v[] = {0.01, 0.1, 1.0, 5.0};
  const double e1[] = {4.0379295765, 1.8229239584, 0.2193839344, 0.0011482956};
  for (int i = 0; i < 4; ++i) {
    const double expected = exp(0.5 * e1[i]);
    assert_float_equal(fs_gain_lsa_factor(g, (float)v[i]), (float)expected, (float)(2e-3 * expected));
  }
  assert_float_equal(fs_gain_lsa_factor(g, 1e9f), 1.0f, 1e-6f);
  assert_true(isfinite(fs_gain_lsa_factor(g, 0.0f)));
  fs_gain_destroy(g);
}

static void fast_math_is_accurate(void **state) {
  (void)state;
  for (float y = -120.0f; y < 120.0f; y += 0.37f) {
    assert_float_equal(fs_exp2(y), exp2f(y), 2e-5f * exp2f(y));
  }
  for (float x = 1e-30f; x < 1e30f; x *= 3.7f) {
    assert_float_equal(fs_log2(x), log2f(x), 2e-5f * (1.0f + fabsf(log2f(x))));
  }
  assert_true(fs_exp2(-1000.0f) > 0.0f); /* clamped, never denormal */
  assert_true(isfinite(fs_exp2(1000.0f)));
}

/* The rule bin by bin, as fs_gain.c defines it.  fs_gain_compute() may
   take several bins at once (SSE2), but every gain and every remembered
   prior must have these bits, for any number of bins. */
static void same_bits(float a, float b) {
  uint32_t x, y;
  memcpy(&x, &a, sizeof(x));
  memcpy(&y, &b, sizeof(y));
  assert_true(x == y || (isnan(a) && isnan(b)));
}

/* The low cut floors rumble and low-frequency noise, but the low end of a
   thump or a plosive, far above the noise (or over a silent floor), is
   sound and keeps the gain rule's gain. */
static void the_low_cut_lets_a_thump_through(void **state) {
  (void)state;
  fs_gain *g = fs_gain_create(BINS, 1);
  assert_non_null(g);
  float power[BINS], noise[BINS], gains[BINS];
  for (uint32_t k = 0; k < BINS; ++k) {
    noise[k] = 1.0f;
    power[k] = 1.0f;
  }
  const float floor_gain = 0.178f;
  fs_gain_compute(g, power, noise, floor_gain, gains);
  assert_float_equal(gains[0], floor_gain, 0.0f);
  power[0] = 3.0f; /* noise's own scatter: still cut */
  fs_gain_compute(g, power, noise, floor_gain, gains);
  assert_float_equal(gains[0], floor_gain, 0.0f);
  for (int hop = 0; hop < 10; ++hop) { /* a thump 40 dB over the floor */
    power[0] = 10000.0f;
    fs_gain_compute(g, power, noise, floor_gain, gains);
  }
  printf("# a thump 40 dB over the noise at DC: gain %.3f\n", gains[0]);
  assert_true(gains[0] > 0.9f);
  fs_gain_destroy(g);
}

/* The unfloored gains are the rule's own, whatever the floor: the same
   input at two reductions gives the same unfloored gains. */
static void unfloored_gains_ignore_the_reduction(void **state) {
  (void)state;
  fs_gain *loose = fs_gain_create(BINS, 1), *strict = fs_gain_create(BINS, 1);
  assert_true(fs_gain_unfloored(loose)[0] == 0.0f);
  float power[BINS], noise[BINS], gains[BINS];
  uint32_t seed = 3;
  for (int hop = 0; hop < 50; ++hop) {
    for (uint32_t k = 0; k < BINS; ++k) {
      power[k] = FS_POWER_FLOOR + powf(10.0f, 3.0f * test_uniform(&seed));
      noise[k] = 1.0f;
    }
    fs_gain_compute(loose, power, noise, 0.5f, gains);
    fs_gain_compute(strict, power, noise, 0.01f, gains);
    assert_memory_equal(fs_gain_unfloored(loose), fs_gain_unfloored(strict), BINS * sizeof(float));
    for (uint32_t k = 0; k < BINS; ++k) {
      const float u = fs_gain_unfloored(strict)[k];
      assert_true(u >= 0.0f && u <= 1.0f);
      if (k >= 1) {
        assert_true(gains[k] >= u);
      }
    }
  }
  fs_gain_reset(loose);
  assert_true(fs_gain_unfloored(loose)[BINS - 1] == 0.0f);
  fs_gain_destroy(loose);
  fs_gain_destroy(strict);
}

static void gains_have_the_bits_of_the_rule_bin_by_bin(void **state) {
  (void)state;
  const uint32_t sizes[] = {257u, 13u, 3u};
  for (int s = 0; s < 3; ++s) {
    const uint32_t bins = sizes[s], low_cut = 2;
    fs_gain *g = fs_gain_create(bins, low_cut);
    assert_non_null(g);
    const float xi_min = powf(10.0f, FS_XI_MIN_DB / 10.0f);
    float power[BINS], noise[BINS], gains[BINS], prior[BINS] = {0}, saved[BINS];
    uint32_t seed = 11;
    for (int hop = 0; hop < 200; ++hop) {
      const float floor_gain = hop < 100 ? 0.178f : 0.01f;
      for (uint32_t k = 0; k < bins; ++k) {
        power[k] = FS_POWER_FLOOR + powf(10.0f, 8.0f * (test_uniform(&seed) + 0.2f));
        noise[k] = FS_POWER_FLOOR + powf(10.0f, 5.0f * test_uniform(&seed));
      }
      /* Edges: no signal, equal, far above and below, not a number. */
      power[3 % bins] = FS_POWER_FLOOR;
      power[5 % bins] = noise[5 % bins];
      power[7 % bins] = 1e30f;
      noise[9 % bins] = 1e30f;
      if (hop == 150) {
        noise[10 % bins] = NAN;
      }
      fs_gain_compute(g, power, noise, floor_gain, gains);
      for (uint32_t k = 0; k < bins; ++k) {
        const float gamma = fs_min(fs_max(power[k] / noise[k], 1e-6f), 1e6f);
        const float excess = fs_max(gamma - 1.0f, 0.0f);
        const float xi = fs_max(FS_DD_WEIGHT * prior[k] + (1.0f - FS_DD_WEIGHT) * excess, xi_min);
        const float ratio = xi / (1.0f + xi);
        const float lsa = fs_min(ratio * fs_gain_lsa_factor(g, ratio * gamma), 1.0f);
        prior[k] = lsa * lsa * gamma;
        const float lifted =
            fs_min(floor_gain * floor_gain * fs_max(FS_VALLEY_FILL / gamma, 1.0f), 1.0f);
        const bool cut = k < low_cut && !(power[k] > powf(10.0f, FS_LOW_CUT_PASS_DB / 10.0f) * noise[k]);
        same_bits(gains[k], cut ? floor_gain : fs_max(lsa, sqrtf(lifted)));
        /* Before the floor, its valleys and the low cut: the LSA gain. */
        same_bits(fs_gain_unfloored(g)[k], lsa);
      }
      fs_gain_save(g, saved);
      for (uint32_t k = 0; k < bins; ++k) {
        same_bits(saved[k], prior[k]);
      }
    }
    fs_gain_destroy(g);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gains_stay_between_floor_and_one),
      cmocka_unit_test(loud_speech_passes_noise_is_floored),
      cmocka_unit_test(lsa_table_matches_exponential_integral),
      cmocka_unit_test(fast_math_is_accurate),
      cmocka_unit_test(the_low_cut_lets_a_thump_through),
      cmocka_unit_test(gains_have_the_bits_of_the_rule_bin_by_bin),
      cmocka_unit_test(unfloored_gains_ignore_the_reduction),
  };
  return cmocka_run_group_tests_name("fs_gain", tests, NULL, NULL);
}

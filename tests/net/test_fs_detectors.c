/* fs_detectors: each detector fires on its fault and stays quiet on clean hops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_detectors.h"

#define HOP 128u

static bool has(const fs_findings *f, fs_detector d) {
  for (uint32_t i = 0; i < f->count; ++i) {
    if (f->items[i].detector == d) {
      return true;
    }
  }
  return false;
}

static fs_findings check_input(fs_input_monitor *m, const float *x) {
  fs_findings f = {0};
  fs_input_summary s;
  const float *in[1] = {x};
  fs_input_check(m, in, NULL, 1, HOP, &f, &s);
  return f;
}

static void input_faults_are_recognised(void **state) {
  (void)state;
  fs_input_monitor m;
  fs_input_monitor_init(&m, 8.0f);
  float x[HOP];
  for (uint32_t i = 0; i < HOP; ++i) {
    x[i] = 0.5f * sinf((float)i * 0.3f);
  }
  assert_int_equal(check_input(&m, x).count, 0);
  x[10] = NAN;
  assert_true(has((fs_findings[]){check_input(&m, x)}, FS_DETECTOR_INPUT_NONFINITE));
  x[10] = 0.0f;
  for (uint32_t i = 20; i < 26; ++i) {
    x[i] = 1.0f;
  }
  assert_true(has((fs_findings[]){check_input(&m, x)}, FS_DETECTOR_INPUT_CLIPPED));
  x[30] = 100.0f;
  assert_true(has((fs_findings[]){check_input(&m, x)}, FS_DETECTOR_INPUT_HOT));

  fs_input_monitor_reset(&m);
  for (uint32_t i = 0; i < HOP; ++i) {
    x[i] = 0.5f + 0.01f * sinf((float)i);
  }
  fs_findings f = {0};
  for (int k = 0; k < 40; ++k) {
    f = check_input(&m, x);
  }
  assert_true(has(&f, FS_DETECTOR_INPUT_DC));
}

static fs_tier_observation clean_observation(void) {
  return (fs_tier_observation){.samples = 128,
                               .out_peak = 0.5f,
                               .ref_peak = 0.6f,
                               .out_energy = 10.0f,
                               .ref_energy = 12.0f,
                               .state_finite = true,
                               .has_spectrum = true,
                               .max_gain = 1.0f,
                               .spectrum_in_energy = 12.0f,
                               .spectrum_out_energy = 10.0f,
                               .musical_noise = 0.01f,
                               .flux_ratio = 1.0f};
}

static void tier_faults_are_recognised(void **state) {
  (void)state;
  const fs_tier_thresholds t = {.ceiling = 0.89f, .musical_noise_threshold = 0.15f, .flux_threshold = 4.0f};
  fs_tier_monitor m;
  fs_tier_monitor_reset(&m);
  fs_findings f = {0};
  fs_tier_observation o = clean_observation();
  for (int k = 0; k < 50; ++k) {
    fs_tier_check(&m, &t, &o, &f);
  }
  assert_int_equal(f.count, 0);

  const struct {
    fs_tier_observation obs;
    fs_detector expected;
    fs_cause cause;
  } cases[] = {
      {.obs = {.nonfinite = 3, .state_finite = true}, FS_DETECTOR_OUTPUT_NONFINITE, FS_CAUSE_RUNAWAY_GAIN},
      {.obs = {.state_finite = false}, FS_DETECTOR_STATE_NONFINITE, FS_CAUSE_STATE_CORRUPT},
      {.obs = {.state_finite = true, .state_denormals = 40}, FS_DETECTOR_STATE_DENORMAL, FS_CAUSE_STATE_CORRUPT},
  };
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); ++k) {
    fs_findings one = {0};
    fs_tier_check(&m, &t, &cases[k].obs, &one);
    assert_true(has(&one, cases[k].expected));
    assert_true(one.items[0].cause == cases[k].cause);
    assert_true(one.items[0].severe);
  }

  fs_findings one = {0};
  o = clean_observation();
  o.max_gain = 3.0f;
  o.bins_above_unity = 12;
  fs_tier_check(&m, &t, &o, &one);
  assert_true(has(&one, FS_DETECTOR_GAIN_OVER_UNITY));

  one.count = 0;
  o = clean_observation();
  o.spectrum_out_energy = 20.0f;
  fs_tier_check(&m, &t, &o, &one);
  assert_true(has(&one, FS_DETECTOR_ENERGY_CREATED));

  /* A runaway that lasts: judged over about a frame, not a single hop. */
  one.count = 0;
  o = clean_observation();
  o.out_energy = 100.0f;
  fs_tier_check(&m, &t, &o, &one);
  assert_false(has(&one, FS_DETECTOR_ENERGY_RATIO));
  for (int k = 0; k < 6; ++k) {
    fs_tier_check(&m, &t, &o, &one);
  }
  assert_true(has(&one, FS_DETECTOR_ENERGY_RATIO));
  fs_tier_monitor_reset(&m);

  /* Output out of silence (STFT spread at start-up): below the floor. */
  one.count = 0;
  o = clean_observation();
  o.ref_energy = 0.0f;
  o.out_energy = 1e-5f;
  for (int k = 0; k < 6; ++k) {
    fs_tier_check(&m, &t, &o, &one);
  }
  assert_false(has(&one, FS_DETECTOR_ENERGY_RATIO));

  one.count = 0;
  o = clean_observation();
  o.out_peak = 1.5f;
  o.ref_peak = 0.8f;
  fs_tier_check(&m, &t, &o, &one);
  assert_true(has(&one, FS_DETECTOR_OUTPUT_CLIPPING));
  assert_false(one.items[0].severe);

  /* Input that is itself over the ceiling is not the tier's clipping. */
  one.count = 0;
  o.ref_peak = 1.5f;
  fs_tier_check(&m, &t, &o, &one);
  assert_false(has(&one, FS_DETECTOR_OUTPUT_CLIPPING));
}

static void musical_noise_and_flux_need_persistence(void **state) {
  (void)state;
  const fs_tier_thresholds t = {.ceiling = 0.89f, .musical_noise_threshold = 0.15f, .flux_threshold = 4.0f};
  fs_tier_monitor m;
  fs_tier_monitor_reset(&m);
  fs_tier_observation o = clean_observation();
  fs_findings f = {0};
  o.musical_noise = 0.6f;
  fs_tier_check(&m, &t, &o, &f); /* one noisy hop is not musical noise */
  assert_false(has(&f, FS_DETECTOR_MUSICAL_NOISE));
  for (int k = 0; k < 10; ++k) {
    fs_tier_check(&m, &t, &o, &f);
  }
  assert_true(has(&f, FS_DETECTOR_MUSICAL_NOISE));

  fs_tier_monitor_reset(&m);
  f.count = 0;
  o = clean_observation();
  o.flux_ratio = 30.0f;
  fs_tier_check(&m, &t, &o, &f);
  assert_false(has(&f, FS_DETECTOR_SPECTRAL_FLUX));
  for (int k = 0; k < 6; ++k) {
    fs_tier_check(&m, &t, &o, &f);
  }
  assert_true(has(&f, FS_DETECTOR_SPECTRAL_FLUX));
}

static void deadline_fires_over_budget_only(void **state) {
  (void)state;
  fs_findings f = {0};
  fs_deadline_check(900e3, 1000e3, &f);
  assert_int_equal(f.count, 0);
  fs_deadline_check(1100e3, 1000e3, &f);
  assert_true(has(&f, FS_DETECTOR_DEADLINE));
  assert_string_equal(fs_detector_name(FS_DETECTOR_DEADLINE), "deadline");
  assert_string_equal(fs_detector_name(99), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(input_faults_are_recognised),
      cmocka_unit_test(tier_faults_are_recognised),
      cmocka_unit_test(musical_noise_and_flux_need_persistence),
      cmocka_unit_test(deadline_fires_over_budget_only),
  };
  return cmocka_run_group_tests_name("fs_detectors", tests, NULL, NULL);
}

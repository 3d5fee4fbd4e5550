/* fs_detectors: each detector fires on its fault and stays quiet on clean hops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_detectors.h"
#include "fs_net_tuning.h"

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


/* ---- The learned tier ---------------------------------------------- */

#define HOP_SECONDS (256.0 / 48000.0)

static fs_learned_observation calm_learned(void) {
  return (fs_learned_observation){.invalid = 0, .flicker = 0.02f, .loss_db = -3.0f, .periodicity = 0.9f};
}

/* Hops of `obs` until the first finding of `detector` (0: none within `max`). */
static uint32_t hops_until(fs_learned_monitor *m, const fs_learned_thresholds *t, const fs_learned_observation *obs,
                           fs_detector detector, uint32_t max) {
  for (uint32_t k = 1; k <= max; ++k) {
    fs_findings f = {0};
    fs_learned_check(m, t, obs, &f);
    if (has(&f, detector)) {
      return k;
    }
  }
  return 0;
}

static void learned_thresholds_follow_the_tuning(void **state) {
  (void)state;
  fs_learned_thresholds t;
  fs_learned_thresholds_init(&t, HOP_SECONDS);
  assert_float_equal(t.flicker_limit, FS_NET_LEARNED_FLICKER_LIMIT, 0.0f);
  assert_float_equal(t.loss_db, FS_NET_SPEECH_LOSS_DB, 0.0f);
  assert_float_equal(t.voiced, FS_NET_SPEECH_VOICED, 0.0f);
  /* 100 ms of 5.33 ms hops, 20 ms likewise; the same times at 96 kHz. */
  assert_int_equal(t.loss_hold, 19);
  assert_int_equal(t.flicker_hold, 4);
  fs_learned_thresholds t96;
  fs_learned_thresholds_init(&t96, 512.0 / 96000.0);
  assert_int_equal(t96.loss_hold, t.loss_hold);
  assert_true(t.flicker_smoothing > 0.0f && t.flicker_smoothing < 0.2f);
  assert_string_equal(fs_detector_name(FS_DETECTOR_SPEECH_LOSS), "speech_loss");
  assert_string_equal(fs_detector_name(FS_DETECTOR_LEARNED_INVALID), "learned_invalid");
  assert_string_equal(fs_detector_name(FS_DETECTOR_LEARNED_FLICKER), "learned_flicker");
}

static void an_invalid_network_is_severe_at_once(void **state) {
  (void)state;
  fs_learned_thresholds t;
  fs_learned_thresholds_init(&t, HOP_SECONDS);
  fs_learned_monitor m;
  fs_learned_monitor_reset(&m);
  fs_learned_observation o = calm_learned();
  fs_findings f = {0};
  fs_learned_check(&m, &t, &o, &f);
  assert_int_equal(f.count, 0);
  o.invalid = 26;
  fs_learned_check(&m, &t, &o, &f);
  assert_int_equal(f.count, 1);
  assert_int_equal(f.items[0].detector, FS_DETECTOR_LEARNED_INVALID);
  assert_int_equal(f.items[0].cause, FS_CAUSE_LEARNED_INVALID);
  assert_true(f.items[0].severe);
}

static void learned_flicker_needs_persistence(void **state) {
  (void)state;
  fs_learned_thresholds t;
  fs_learned_thresholds_init(&t, HOP_SECONDS);
  fs_learned_monitor m;
  fs_learned_monitor_reset(&m);
  fs_learned_observation o = calm_learned();
  /* As much as the classical gains' own band gains ever flicker on the
     tests' speech (0.31 smoothed): never a finding. */
  o.flicker = 0.31f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_LEARNED_FLICKER, 2000), 0);
  /* Gains jumping between the floor and 1 (1.7 at 15 dB): within about
     50 ms, not in one hop. */
  fs_learned_monitor_reset(&m);
  o.flicker = 1.7f;
  const uint32_t hops = hops_until(&m, &t, &o, FS_DETECTOR_LEARNED_FLICKER, 100);
  assert_true(hops > t.flicker_hold && hops * HOP_SECONDS <= 0.05);
  /* A single burst of flicker is not musical noise. */
  fs_learned_monitor_reset(&m);
  fs_findings f = {0};
  fs_learned_check(&m, &t, &o, &f);
  o.flicker = 0.0f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_LEARNED_FLICKER, 100), 0);
}

static void speech_loss_needs_voiced_input_for_100_ms(void **state) {
  (void)state;
  fs_learned_thresholds t;
  fs_learned_thresholds_init(&t, HOP_SECONDS);
  fs_learned_monitor m;
  fs_learned_monitor_reset(&m);
  fs_learned_observation o = calm_learned();
  /* The initial, untrained weights' worst on speech (-6.1 dB): never a
     finding. */
  o.loss_db = -6.1f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 2000), 0);
  /* Learned gains at the floor on voiced speech: -15 dB, found once the
     smoothed loss has stayed under -10 dB for 100 ms. */
  fs_learned_monitor_reset(&m);
  o.loss_db = -15.0f;
  const uint32_t hops = hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 200);
  assert_true(hops >= t.loss_hold && hops * HOP_SECONDS >= 0.1 && hops * HOP_SECONDS <= 0.2);
  /* The same loss on unvoiced input (noise, pauses) is the network's
     business: suppressing what is not speech. */
  fs_learned_monitor_reset(&m);
  o.periodicity = 0.2f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 2000), 0);
  /* A voiced stretch shorter than 100 ms is not enough either, when
     voice the network keeps follows it. */
  fs_learned_monitor_reset(&m);
  for (int burst = 0; burst < 20; ++burst) {
    o.periodicity = 0.9f;
    o.loss_db = -15.0f;
    assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, t.loss_hold - 1), 0);
    o.loss_db = 0.0f;
    assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 12), 0);
  }
  /* A pause neither ends a run of lost voice nor adds to it: the loss is
     found again on the first voiced hop after it. */
  fs_learned_monitor_reset(&m);
  o.periodicity = 0.9f;
  o.loss_db = -15.0f;
  assert_true(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 200) > 0);
  o.periodicity = 0.1f;
  o.loss_db = -40.0f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 50), 0);
  o.periodicity = 0.9f;
  o.loss_db = -15.0f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 1), 1);
  /* And a network that takes noise away in the pause is not blamed for
     it when voice comes back. */
  fs_learned_monitor_reset(&m);
  o.periodicity = 0.1f;
  o.loss_db = -40.0f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 100), 0);
  o.periodicity = 0.9f;
  o.loss_db = -3.0f;
  assert_int_equal(hops_until(&m, &t, &o, FS_DETECTOR_SPEECH_LOSS, 100), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(input_faults_are_recognised),
      cmocka_unit_test(tier_faults_are_recognised),
      cmocka_unit_test(musical_noise_and_flux_need_persistence),
      cmocka_unit_test(deadline_fires_over_budget_only),
      cmocka_unit_test(learned_thresholds_follow_the_tuning),
      cmocka_unit_test(an_invalid_network_is_severe_at_once),
      cmocka_unit_test(learned_flicker_needs_persistence),
      cmocka_unit_test(speech_loss_needs_voiced_input_for_100_ms),
  };
  return cmocka_run_group_tests_name("fs_detectors", tests, NULL, NULL);
}

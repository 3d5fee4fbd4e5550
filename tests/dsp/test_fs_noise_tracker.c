/* fs_noise_tracker: converges on stationary noise, follows a level change,
   stays finite and floored on silence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_noise_tracker.h"
#include "fs_stft.h"
#include "fs_tuning.h"
#include "test_support.h"

#define HOP 256u /* the hop at 48 kHz */
#define FRAME (HOP * FS_ANALYSIS_HOPS)
#define BINS (FRAME / 2 + 1)
#define HOP_SECONDS (HOP / 48000.0)

/* Feed `seconds` of white noise of the given std through a real STFT and
   the tracker; return the mean log error (dB) of the estimate against the
   true PSD of windowed white noise, over bins 2 .. BINS-3. */
static double track_white(fs_noise_tracker *t, fs_stft *stft, float std, double seconds, uint32_t *seed) {
  const uint32_t hops = (uint32_t)(seconds / HOP_SECONDS);
  float hop[HOP], power[BINS];
  for (uint32_t h = 0; h < hops; ++h) {
    for (uint32_t i = 0; i < HOP; ++i) {
      hop[i] = std * test_gauss(seed);
    }
    const float *spectrum = fs_stft_analyse(stft, hop);
    for (uint32_t k = 0; k < BINS; ++k) {
      power[k] = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1] + FS_POWER_FLOOR;
    }
    fs_noise_tracker_update(t, power);
    float dummy[HOP];
    fs_stft_synthesise(stft, dummy);
  }
  /* E|X_k|^2 = sigma^2 * sum(w^2) for white noise. */
  const double truth = (double)std * std * fs_stft_window_power(stft);
  const float *psd = fs_noise_tracker_psd(t);
  double error = 0.0;
  for (uint32_t k = 2; k < BINS - 2; ++k) {
    error += 10.0 * log10(psd[k] / truth);
  }
  return error / (BINS - 4);
}

static void converges_on_stationary_noise(void **state) {
  (void)state;
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u);
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  uint32_t seed = 42;
  const double error = track_white(t, stft, 0.1f, 3.0, &seed);
  /* Then 12 dB louder, and back down: followed within a few seconds. */
  const double louder = track_white(t, stft, 0.4f, 5.0, &seed);
  const double quieter = track_white(t, stft, 0.1f, 3.0, &seed);
  printf("# mean log error: %.2f dB, after +12 dB %.2f dB, after -12 dB %.2f dB\n", error, louder, quieter);
  assert_true(fabs(error) < 3.0);
  assert_true(fabs(louder) < 3.0);
  assert_true(fabs(quieter) < 3.0);
  assert_true(fs_noise_tracker_state_is_finite(t));
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

static void silence_keeps_the_floor(void **state) {
  (void)state;
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u);
  float power[BINS];
  for (uint32_t k = 0; k < BINS; ++k) {
    power[k] = FS_POWER_FLOOR;
  }
  for (int h = 0; h < 2000; ++h) {
    fs_noise_tracker_update(t, power);
  }
  const float *psd = fs_noise_tracker_psd(t);
  const float *presence = fs_noise_tracker_presence(t);
  for (uint32_t k = 0; k < BINS; ++k) {
    assert_true(psd[k] >= FS_POWER_FLOOR);
    assert_true(test_sample_is_clean(psd[k]));
    assert_true(presence[k] >= 0.0f && presence[k] <= 1.0f);
  }
  fs_noise_tracker_reset(t);
  assert_true(fs_noise_tracker_state_is_finite(t));
  fs_noise_tracker_destroy(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(converges_on_stationary_noise),
      cmocka_unit_test(silence_keeps_the_floor),
  };
  return cmocka_run_group_tests_name("fs_noise_tracker", tests, NULL, NULL);
}

/* fs_level_follower: reads how far a noise floor moved as a whole, and
   leaves a floor alone when speech lifts only some of its bins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_level_follower.h"
#include "fs_tuning.h"
#include "test_support.h"

#define BINS 257u
#define HOP_SECONDS (256.0 / 48000.0)
#define SILENT_BIN 1e-12f

/* One frame of Gaussian noise's bin powers at `level` times the estimate
   (exponentially distributed), with the bins k % every == 0 from `first`
   lifted `lift` times higher still (speech's harmonics), or none. */
static void noise_frame(float *power, const float *psd, float level, uint32_t first, uint32_t every, float lift,
                        uint32_t *seed) {
  for (uint32_t k = 0; k < BINS; ++k) {
    const float u = 0.5f + 0.5f * test_uniform(seed); /* [0, 1) */
    power[k] = level * psd[k] * -logf(1.0f - u + 1e-9f);
    if (every > 0 && k >= first && k % every == 0) {
      power[k] *= lift;
    }
  }
}

/* Feeds `frames` frames of noise at `level` times `truth` into the
   follower, moving the estimate `psd` by every step it asks for, as the
   tracker does; returns the sum of the steps. */
static double follow(fs_level_follower *f, const float *truth, float *psd, float level, uint32_t every, float lift,
                     uint32_t frames, uint32_t *seed, bool *minima_moved) {
  float power[BINS], presence[BINS] = {0};
  double total = 0.0;
  for (uint32_t i = 0; i < frames; ++i) {
    noise_frame(power, truth, level, 2, every, lift, seed);
    bool with_minima = false;
    const float step = fs_level_follower_update(f, power, psd, presence, &with_minima);
    const float factor = powf(10.0f, step / 10.0f);
    for (uint32_t k = 0; k < BINS; ++k) {
      psd[k] *= factor;
    }
    total += step;
    *minima_moved = *minima_moved || (step != 0.0f && with_minima);
  }
  return total;
}

/* The floor 10 dB up, as a whole: the estimate is moved about +10 dB
   within a quarter of a second, minima included, and then stays. */
static void a_floor_that_moved_is_read(void **state) {
  (void)state;
  fs_level_follower *f = fs_level_follower_create(BINS, HOP_SECONDS, SILENT_BIN);
  assert_non_null(f);
  float truth[BINS], psd[BINS];
  for (uint32_t k = 0; k < BINS; ++k) {
    truth[k] = psd[k] = 1e-4f * (1.0f + (float)k / BINS); /* any colour: the reading is per bin */
  }
  uint32_t seed = 3;
  bool minima = false;
  const double moved = follow(f, truth, psd, 10.0f, 0, 1.0f, (uint32_t)(0.25 / HOP_SECONDS), &seed, &minima);
  const double more = follow(f, truth, psd, 10.0f, 0, 1.0f, (uint32_t)(0.5 / HOP_SECONDS), &seed, &minima);
  printf("# +10 dB floor: the estimate moved %+.1f dB in 0.25 s, %+.1f dB in the next 0.5 s\n", moved, more);
  assert_true(fabs(moved - 10.0) < 1.5);
  assert_true(fabs(more) < 1.5);
  assert_true(minima);
  assert_true(fs_level_follower_state_is_finite(f));
  fs_level_follower_destroy(f);
}

/* Speech over a steady floor: a third of the bins 20 dB up, frame after
   frame.  The floor has not moved, and the follower does not move it. */
static void speech_over_a_steady_floor_moves_nothing(void **state) {
  (void)state;
  fs_level_follower *f = fs_level_follower_create(BINS, HOP_SECONDS, SILENT_BIN);
  assert_non_null(f);
  float truth[BINS], psd[BINS];
  for (uint32_t k = 0; k < BINS; ++k) {
    truth[k] = psd[k] = 1e-4f;
  }
  uint32_t seed = 5;
  bool minima = false;
  const double moved = follow(f, truth, psd, 1.0f, 3, 100.0f, (uint32_t)(1.0 / HOP_SECONDS), &seed, &minima);
  printf("# a third of the bins 20 dB up for 1 s: the estimate moved %+.1f dB\n", moved);
  assert_true(fabs(moved) < 1.0);
  fs_level_follower_destroy(f);
}

/* Its state survives a save and a load, and a reset forgets it. */
static void state_round_trips(void **state) {
  (void)state;
  fs_level_follower *f = fs_level_follower_create(BINS, HOP_SECONDS, SILENT_BIN);
  fs_level_follower *g = fs_level_follower_create(BINS, HOP_SECONDS, SILENT_BIN);
  float truth[BINS], psd[BINS], power[BINS], presence[BINS] = {0};
  for (uint32_t k = 0; k < BINS; ++k) {
    truth[k] = psd[k] = 1e-4f;
  }
  uint32_t seed = 7;
  bool minima = false;
  (void)follow(f, truth, psd, 2.0f, 0, 1.0f, 3, &seed, &minima); /* mid-way: a mismatch held */
  unsigned char saved[64];
  assert_true(fs_level_follower_state_size() <= sizeof(saved));
  fs_level_follower_save(f, saved);
  fs_level_follower_load(g, saved);
  noise_frame(power, psd, 2.0f, 2, 0, 1.0f, &seed);
  bool a = false, b = false;
  const float step_f = fs_level_follower_update(f, power, psd, presence, &a);
  const float step_g = fs_level_follower_update(g, power, psd, presence, &b);
  assert_memory_equal(&step_f, &step_g, sizeof(float));
  assert_int_equal(a, b);
  fs_level_follower_reset(f);
  fs_level_follower_reset(g);
  assert_true(fs_level_follower_state_is_finite(f));
  fs_level_follower_destroy(f);
  fs_level_follower_destroy(g);
}

static void refuses_bad_arguments(void **state) {
  (void)state;
  assert_null(fs_level_follower_create(2, HOP_SECONDS, SILENT_BIN));
  assert_null(fs_level_follower_create(BINS, 0.0, SILENT_BIN));
  assert_null(fs_level_follower_create(BINS, NAN, SILENT_BIN));
  assert_null(fs_level_follower_create(BINS, HOP_SECONDS, 0.0f));
  fs_level_follower_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(a_floor_that_moved_is_read),
      cmocka_unit_test(speech_over_a_steady_floor_moves_nothing),
      cmocka_unit_test(state_round_trips),
      cmocka_unit_test(refuses_bad_arguments),
  };
  return cmocka_run_group_tests_name("fs_level_follower", tests, NULL, NULL);
}

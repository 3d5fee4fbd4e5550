/* fs_ar_fill: a gap in a steady tone is filled with the tone, both ways
   and forward only; silence is filled with silence; the output stays
   bounded on anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "fs_ar_fill.h"
#include "fs_tuning.h"
#include "test_support.h"

static const double pi = 3.14159265358979323846;

/* The order and fit fs_declick uses at 48 kHz; gaps of up to 512 samples. */
#define ORDER 24u
#define FIT 768u
#define LONGEST 512u
#define N 2048
#define FROM 1024

/* Two partials, 0.5 and 0.2 at 440 and 1130 Hz: a voiced sound's few
   strongest harmonics, held still. */
static void tone(float *x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = (float)(0.5 * sin(2.0 * pi * 440.0 * i / 48000.0) + 0.2 * sin(2.0 * pi * 1130.0 * i / 48000.0 + 1.0));
  }
}

/* Fills x[FROM .. FROM + length - 1], spoilt first, with `right` good
   samples after it; returns the largest error against the clean tone. */
static float fill_error(uint32_t length, uint32_t right) {
  fs_ar_fill *f = fs_ar_fill_create(ORDER, FIT, LONGEST, 1e-4);
  assert_non_null(f);
  float clean[N], x[N];
  tone(clean, N);
  memcpy(x, clean, sizeof(x));
  for (uint32_t i = 0; i < length; ++i) {
    x[FROM + i] = i % 2 ? 0.8f : -0.8f;
  }
  fs_ar_fill_fit(f, x + FROM);
  fs_ar_fill_gap(f, x, FROM, FROM + (int32_t)length - 1, right);
  float error = 0.0f;
  for (size_t i = 0; i < N; ++i) {
    assert_true(test_sample_is_clean(x[i]));
    error = fmaxf(error, fabsf(x[i] - clean[i]));
  }
  fs_ar_fill_destroy(f);
  return error;
}

/* A tone's amplitude is 0.7: the fill is within a few % of it up to
   60 samples (1.25 ms, the longest click), and much closer over a click's
   usual length when both sides are known.  A right side shorter than the
   model gets the recursion's lower order, which predicts a short gap
   only. */
static void gap_in_a_tone_is_filled_with_the_tone(void **state) {
  (void)state;
  const uint32_t lengths[] = {1, 5, 24, 60};
  for (size_t k = 0; k < sizeof(lengths) / sizeof(lengths[0]); ++k) {
    const uint32_t length = lengths[k];
    assert_true(fill_error(length, ORDER) < (length <= 24u ? 0.002f : 0.03f)); /* both sides */
    assert_true(fill_error(length, 0) < 0.03f);                                /* forward only */
    if (length <= 5u) {
      assert_true(fill_error(length, ORDER / 3u) < 0.002f); /* a short right side */
    }
  }
}

static void silence_is_filled_with_silence(void **state) {
  (void)state;
  fs_ar_fill *f = fs_ar_fill_create(ORDER, FIT, LONGEST, 1e-4);
  assert_non_null(f);
  float x[N] = {0};
  x[FROM] = 1.0f;
  fs_ar_fill_fit(f, x + FROM);
  fs_ar_fill_gap(f, x, FROM, FROM + 9, ORDER);
  for (size_t i = 0; i < N; ++i) {
    assert_true(x[i] == 0.0f);
  }
  fs_ar_fill_destroy(f);
}

/* Noise at the input limit, and a fit on a lone impulse: whatever the
   model, the fill stays within the input limit and clean. */
static void fill_stays_bounded(void **state) {
  (void)state;
  fs_ar_fill *f = fs_ar_fill_create(ORDER, FIT, LONGEST, 1e-4);
  assert_non_null(f);
  static float x[N];
  uint32_t seed = 1;
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < N; ++i) {
      x[i] = round == 0 ? FS_INPUT_LIMIT * test_uniform(&seed) : (i == FROM - 3 ? FS_INPUT_LIMIT : 0.0f);
    }
    fs_ar_fill_fit(f, x + FROM);
    fs_ar_fill_gap(f, x, FROM, FROM + (int32_t)LONGEST - 1, round == 0 ? ORDER : 0);
    for (size_t i = 0; i < N; ++i) {
      assert_true(test_sample_is_clean(x[i]) && fabsf(x[i]) <= FS_INPUT_LIMIT);
    }
  }
  fs_ar_fill_destroy(f);
}

static void create_rejects_what_cannot_be_fitted(void **state) {
  (void)state;
  assert_null(fs_ar_fill_create(1, FIT, LONGEST, 1e-4));
  assert_null(fs_ar_fill_create(ORDER, 4u * ORDER - 1u, LONGEST, 1e-4));
  assert_null(fs_ar_fill_create(ORDER, FIT, 0, 1e-4));
  fs_ar_fill_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(gap_in_a_tone_is_filled_with_the_tone),
      cmocka_unit_test(silence_is_filled_with_silence),
      cmocka_unit_test(fill_stays_bounded),
      cmocka_unit_test(create_rejects_what_cannot_be_fitted),
  };
  return cmocka_run_group_tests_name("fs_ar_fill", tests, NULL, NULL);
}

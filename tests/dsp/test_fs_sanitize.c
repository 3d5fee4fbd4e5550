/* fs_sanitize.h: the block helpers the safety net reads every hop agree
   with each other to the bit, whatever the block holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include "fs_sanitize.h"
#include "test_support.h"

enum { MAX_BLOCK = 1024 };

static void check_block(const float *x, size_t n) {
  float copy[MAX_BLOCK];
  memset(copy, 0xff, sizeof(copy));
  const fs_block_measure a = fs_measure_block(x, n);
  const fs_block_measure b = fs_measure_and_copy(x, copy, n);
  assert_memory_equal(&a, &b, sizeof(a));
  assert_memory_equal(copy, x, n * sizeof(float));
  const uint32_t exact = fs_peak_bits(x, n);
  const float sum = fs_sum(x, n), squares = fs_sum_squares(x, n);
  /* The sums: the same lanes in the same order, so the same bits. */
  assert_memory_equal(&a.sum, &sum, sizeof(sum));
  assert_memory_equal(&a.sum_squares, &squares, sizeof(squares));
  if (exact > FS_FINITE_BITS_MAX) {
    assert_true(a.peak_bits > FS_FINITE_BITS_MAX); /* a NaN or Inf is flagged */
  } else {
    /* Finite: the same peak (a denormal peak may read as zero or itself). */
    assert_true(a.peak_bits == exact || (exact < 0x00800000u && a.peak_bits < 0x00800000u));
  }
}

static void measure_agrees_with_the_single_helpers(void **state) {
  (void)state;
  uint32_t seed = 17;
  float x[MAX_BLOCK];
  const size_t sizes[] = {0, 1, 15, 16, 17, 64, 128, 255, 256, 1000, 1024};
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
    const size_t n = sizes[s];
    for (int kind = 0; kind < 8; ++kind) {
      for (size_t i = 0; i < n; ++i) {
        x[i] = test_gauss(&seed) * (kind == 1 ? 1e-3f : kind == 2 ? 50.0f : 0.3f);
      }
      if (n > 0) {
        const size_t at = test_random(&seed) % n;
        switch (kind) {
        case 3: x[at] = NAN; break;
        case 4: x[at] = -INFINITY; break;
        case 5: x[at] = 3e20f; break;   /* finite, but its square is not */
        case 6: x[at] = 1e-40f; break;  /* a denormal */
        case 7: x[at] = -0.0f; break;
        default: break;
        }
      }
      check_block(x, n);
    }
  }
  /* All zeros, all denormals. */
  for (size_t i = 0; i < 256; ++i) {
    x[i] = 0.0f;
  }
  check_block(x, 256);
  for (size_t i = 0; i < 256; ++i) {
    x[i] = (i & 1) ? 1e-40f : -2e-41f;
  }
  check_block(x, 256);
}

static void sanitised_blocks_are_clean(void **state) {
  (void)state;
  const float in[] = {NAN, INFINITY, -INFINITY, 1e-40f, 5e3f, -5e3f, 0.5f, -0.0f};
  float out[8];
  fs_sanitize_block(in, out, 8);
  const float expected[] = {0.0f, 0.0f, 0.0f, 0.0f, FS_INPUT_LIMIT, -FS_INPUT_LIMIT, 0.5f, 0.0f};
  for (int i = 0; i < 8; ++i) {
    assert_true(out[i] == expected[i]);
    assert_true(out[i] == fs_sanitize_sample(in[i]));
  }
  assert_true(fs_all_finite(out, 8));
  assert_false(fs_all_finite(in, 8));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(measure_agrees_with_the_single_helpers),
      cmocka_unit_test(sanitised_blocks_are_clean),
  };
  return cmocka_run_group_tests_name("fs_sanitize", tests, NULL, NULL);
}

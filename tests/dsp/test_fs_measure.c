/* fs_measure: every measuring pass gives the bits of the baseline pass,
   copy included, whatever the block holds and however long it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "fs_measure.h"
#include "test_support.h"

enum { MAX_BLOCK = 1040 };

static void same_bits(fs_measure_fn pass, const float *x, size_t n) {
  float expected_copy[MAX_BLOCK], copy[MAX_BLOCK];
  memset(expected_copy, 0xa5, sizeof(expected_copy));
  memset(copy, 0xa5, sizeof(copy));
  const fs_block_measure expected = fs_measure_baseline(x, expected_copy, n);
  const fs_block_measure copied = pass(x, copy, n);
  const fs_block_measure read_only = pass(x, NULL, n);
  assert_memory_equal(&copied, &expected, sizeof(expected));
  assert_memory_equal(&read_only, &expected, sizeof(expected));
  assert_memory_equal(copy, expected_copy, sizeof(copy)); /* nothing written past n either */
}

static void check_pass(fs_measure_fn pass) {
  uint32_t seed = 5;
  float x[MAX_BLOCK];
  const size_t sizes[] = {0, 1, 7, 8, 9, 15, 16, 17, 31, 64, 200, 255, 256, 257, 1024, 1040};
  for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
    const size_t n = sizes[s];
    for (int kind = 0; kind < 9; ++kind) {
      for (size_t i = 0; i < n; ++i) {
        x[i] = test_gauss(&seed) * (kind == 1 ? 1e-3f : kind == 2 ? 50.0f : 0.3f);
      }
      if (n > 0) {
        const size_t at = test_random(&seed) % n;
        switch (kind) {
        case 3: x[at] = NAN; break;
        case 4: x[at] = -INFINITY; break;
        case 5: x[at] = 3e20f; break;  /* finite, but its square is not */
        case 6: x[at] = 1e-40f; break; /* a denormal */
        case 7: x[at] = -0.0f; break;
        case 8: x[at] = INFINITY, x[n - 1 - at] = NAN; break;
        default: break;
        }
      }
      same_bits(pass, x, n);
    }
  }
}

static void the_chosen_pass_matches_the_baseline(void **state) {
  (void)state;
  check_pass(fs_measure_best());
}

static void the_avx_pass_matches_the_baseline(void **state) {
  (void)state;
  if (!fs_measure_avx || !fs_measure_has_avx()) {
    skip(); /* no AVX here: nothing to compare */
  }
  check_pass(fs_measure_avx);
  assert_true(fs_measure_best() == fs_measure_avx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_chosen_pass_matches_the_baseline),
      cmocka_unit_test(the_avx_pass_matches_the_baseline),
  };
  return cmocka_run_group_tests_name("fs_measure", tests, NULL, NULL);
}

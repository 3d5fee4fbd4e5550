/* fs_measure: every measuring pass - the baseline (SSE2 on x86-64), the
   AVX one where the CPU has it, and the one chosen - gives the bits of a
   plain-C reference written here from the contract (16 lanes, the tail
   into the first lanes, halves folded), copy included, whatever the block
   holds and however long it is.  So each is checked on every machine,
   never a pass against itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "fs_measure.h"
#include "fs_random.h"
#include "test_support.h"

enum { MAX_BLOCK = 1040, LANES = 16 };

/* The contract in plain C, one sample at a time: sample i of the whole
   groups of 16 goes to lane i % 16, the tail's sample k to lane k; the
   lanes fold in halves (8, 4, 2, 1).  The peak is the largest |x| as bits,
   which for finite values orders as the values do, and is above
   FS_FINITE_BITS_MAX when a NaN or Inf is there. */
static fs_block_measure reference(const float *x, float *copy, size_t n) {
  float sum[LANES] = {0.0f}, squares[LANES] = {0.0f};
  const size_t whole = n - n % LANES;
  uint32_t peak = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t lane = i < whole ? i % LANES : i - whole;
    sum[lane] += x[i];
    squares[lane] += x[i] * x[i];
    uint32_t bits;
    memcpy(&bits, &x[i], sizeof(bits));
    bits &= 0x7fffffffu;
    peak = bits > peak ? bits : peak;
    if (copy) {
      copy[i] = x[i];
    }
  }
  for (size_t width = LANES / 2; width > 0; width /= 2) {
    for (size_t j = 0; j < width; ++j) {
      sum[j] += sum[j + width];
      squares[j] += squares[j + width];
    }
  }
  return (fs_block_measure){peak, sum[0], squares[0]};
}

static void same_bits(fs_measure_fn pass, const float *x, size_t n) {
  float expected_copy[MAX_BLOCK], copy[MAX_BLOCK];
  memset(expected_copy, 0xa5, sizeof(expected_copy));
  memset(copy, 0xa5, sizeof(copy));
  const fs_block_measure expected = reference(x, expected_copy, n);
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

static void the_baseline_pass_matches_plain_c(void **state) {
  (void)state;
  check_pass(fs_measure_baseline);
}

static void the_chosen_pass_matches_plain_c(void **state) {
  (void)state;
  check_pass(fs_measure_best());
}

/* The project's generator and the tests' copy of it are one sequence. */
static void the_tests_draw_the_project_sequence(void **state) {
  (void)state;
  uint32_t a = 1, b = 1;
  for (int i = 0; i < 1000; ++i) {
    assert_int_equal(fs_random_next(&a), test_random(&b));
  }
}

static void the_avx_pass_matches_plain_c(void **state) {
  (void)state;
  if (!fs_measure_avx || !fs_measure_has_avx()) {
    skip(); /* no AVX here: nothing to compare */
  }
  check_pass(fs_measure_avx);
  assert_true(fs_measure_best() == fs_measure_avx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(the_baseline_pass_matches_plain_c),
      cmocka_unit_test(the_chosen_pass_matches_plain_c),
      cmocka_unit_test(the_avx_pass_matches_plain_c),
      cmocka_unit_test(the_tests_draw_the_project_sequence),
  };
  return cmocka_run_group_tests_name("fs_measure", tests, NULL, NULL);
}

/* fs_delay: exact integer delay, any block size, in place. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "fs_delay.h"

#define N 1000

static void impulse_comes_out_delay_samples_late(void **state) {
  (void)state;
  const uint32_t delays[] = {0, 1, 7, 384};
  for (size_t k = 0; k < sizeof(delays) / sizeof(delays[0]); ++k) {
    fs_delay *d = fs_delay_create(delays[k]);
    assert_non_null(d);
    float buf[N] = {0};
    buf[3] = 1.0f;
    fs_delay_process(d, buf, buf, N); /* in place */
    for (uint32_t i = 0; i < N; ++i) {
      assert_true(buf[i] == (i == 3 + delays[k] ? 1.0f : 0.0f));
    }
    fs_delay_destroy(d);
  }
}

static void block_pattern_does_not_matter(void **state) {
  (void)state;
  float in[N], whole[N], pieces[N];
  for (int i = 0; i < N; ++i) {
    in[i] = (float)((i * 7919) % 101) - 50.0f;
  }
  fs_delay *a = fs_delay_create(37);
  fs_delay *b = fs_delay_create(37);
  fs_delay_process(a, in, whole, N);
  uint32_t done = 0, step = 1;
  while (done < N) {
    uint32_t n = step < N - done ? step : N - done;
    fs_delay_process(b, in + done, pieces + done, n);
    done += n;
    step = step * 3 % 61 + 1;
  }
  assert_memory_equal(whole, pieces, sizeof(whole));
  fs_delay_reset(a);
  float again[N];
  fs_delay_process(a, in, again, N);
  assert_memory_equal(whole, again, sizeof(whole));
  fs_delay_destroy(a);
  fs_delay_destroy(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(impulse_comes_out_delay_samples_late),
      cmocka_unit_test(block_pattern_does_not_matter),
  };
  return cmocka_run_group_tests_name("fs_delay", tests, NULL, NULL);
}

/* fs_mixer: fade length, reversal and redirection without jumps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_mixer.h"

static float sum(const fs_mixer *m) { return m->weight[0] + m->weight[1] + m->weight[2]; }

static void fade_takes_exactly_its_length(void **state) {
  (void)state;
  fs_mixer m;
  fs_mixer_reset(&m, 0);
  assert_true(fs_mixer_settled(&m));
  fs_mixer_set_target(&m, 1);
  uint32_t steps = 0;
  while (!fs_mixer_settled(&m)) {
    fs_mixer_step(&m, 480.0f);
    assert_float_equal(sum(&m), 1.0f, 1e-5f);
    steps++;
    assert_true(steps <= 481);
  }
  assert_true(steps >= 479 && steps <= 481);
  assert_int_equal(fs_mixer_dominant(&m), 1);
}

static void reversal_mid_fade_is_continuous(void **state) {
  (void)state;
  fs_mixer m;
  fs_mixer_reset(&m, 0);
  fs_mixer_set_target(&m, 2);
  for (int i = 0; i < 100; ++i) {
    fs_mixer_step(&m, 400.0f);
  }
  const float before = m.weight[2];
  fs_mixer_set_target(&m, 0); /* back where it came from */
  fs_mixer_step(&m, 400.0f);
  assert_true(fabsf(m.weight[2] - before) <= 1.0f / 400.0f + 1e-6f);
  uint32_t steps = 1;
  while (!fs_mixer_settled(&m)) {
    fs_mixer_step(&m, 400.0f);
    steps++;
  }
  assert_true(steps >= 99 && steps <= 101); /* as far back as it had come */
  assert_float_equal(m.weight[0], 1.0f, 0.0f);
}

static void redirection_to_a_third_tier_keeps_the_sum(void **state) {
  (void)state;
  fs_mixer m;
  fs_mixer_reset(&m, 0);
  fs_mixer_set_target(&m, 1);
  for (int i = 0; i < 50; ++i) {
    fs_mixer_step(&m, 100.0f);
  }
  fs_mixer_set_target(&m, 2);
  float previous[3] = {m.weight[0], m.weight[1], m.weight[2]};
  while (!fs_mixer_settled(&m)) {
    fs_mixer_step(&m, 100.0f);
    assert_float_equal(sum(&m), 1.0f, 1e-5f);
    for (int t = 0; t < 3; ++t) {
      assert_true(fabsf(m.weight[t] - previous[t]) <= 0.0101f);
      previous[t] = m.weight[t];
    }
  }
  assert_float_equal(m.weight[2], 1.0f, 0.0f);
  fs_mixer_set_target(&m, 7); /* ignored */
  assert_int_equal(m.target, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fade_takes_exactly_its_length),
      cmocka_unit_test(reversal_mid_fade_is_continuous),
      cmocka_unit_test(redirection_to_a_third_tier_keeps_the_sum),
  };
  return cmocka_run_group_tests_name("fs_mixer", tests, NULL, NULL);
}

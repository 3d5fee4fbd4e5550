/* fs_controls: every raw value a host can send ends inside its range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_controls.h"

static void defaults_match_the_turtle(void **state) {
  (void)state;
  const fs_controls c = fs_controls_default();
  assert_true(c.enabled);
  assert_float_equal(c.reduction_db, 15.0f, 0.0f);
  assert_float_equal(c.ceiling_db, -1.0f, 0.0f);
  assert_float_equal(c.xfade_ms, 10.0f, 0.0f);
  assert_float_equal(c.budget_pct, 50.0f, 0.0f);
  assert_int_equal(c.chaos, FS_CHAOS_OFF);
  assert_false(c.freewheel);
}

static void nan_takes_the_default_and_is_counted(void **state) {
  (void)state;
  const float nan_value = NAN;
  const float *raw[FS_CONTROL_COUNT];
  for (int i = 0; i < FS_CONTROL_COUNT; ++i) {
    raw[i] = &nan_value;
  }
  fs_controls c;
  assert_int_equal(fs_controls_clamp(raw, &c), FS_CONTROL_COUNT);
  const fs_controls d = fs_controls_default();
  assert_int_equal(c.enabled, d.enabled);
  assert_float_equal(c.reduction_db, d.reduction_db, 0.0f);
  assert_float_equal(c.ceiling_db, d.ceiling_db, 0.0f);
  assert_int_equal(c.chaos, d.chaos);
}

static void infinities_and_absurd_values_clamp(void **state) {
  (void)state;
  const float big = INFINITY, small = -INFINITY, huge = 1e30f;
  const float *high[FS_CONTROL_COUNT], *low[FS_CONTROL_COUNT];
  for (int i = 0; i < FS_CONTROL_COUNT; ++i) {
    high[i] = (i % 2) ? &big : &huge;
    low[i] = &small;
  }
  fs_controls c;
  assert_int_equal(fs_controls_clamp(high, &c), FS_CONTROL_COUNT);
  assert_true(c.enabled);
  assert_float_equal(c.reduction_db, 40.0f, 0.0f);
  assert_float_equal(c.ceiling_db, 0.0f, 0.0f);
  assert_float_equal(c.xfade_ms, 100.0f, 0.0f);
  assert_float_equal(c.budget_pct, 100.0f, 0.0f);
  assert_int_equal(c.chaos, FS_CHAOS_COUNT - 1);
  assert_true(c.freewheel);

  assert_int_equal(fs_controls_clamp(low, &c), FS_CONTROL_COUNT);
  assert_false(c.enabled);
  assert_float_equal(c.reduction_db, 0.0f, 0.0f);
  assert_float_equal(c.ceiling_db, -12.0f, 0.0f);
  assert_float_equal(c.xfade_ms, 1.0f, 0.0f);
  assert_float_equal(c.budget_pct, 5.0f, 0.0f);
  assert_int_equal(c.chaos, 0);
  assert_false(c.freewheel);
}

static void unconnected_ports_take_defaults_silently(void **state) {
  (void)state;
  const float *none[FS_CONTROL_COUNT] = {0};
  fs_controls c;
  assert_int_equal(fs_controls_clamp(none, &c), 0);
  assert_float_equal(c.ceiling_db, -1.0f, 0.0f);
}

static void in_range_values_pass_unchanged(void **state) {
  (void)state;
  const float values[FS_CONTROL_COUNT] = {0.0f, 12.5f, -3.0f, 25.0f, 80.0f, 3.4f, 1.0f};
  const float *raw[FS_CONTROL_COUNT];
  for (int i = 0; i < FS_CONTROL_COUNT; ++i) {
    raw[i] = &values[i];
  }
  fs_controls c;
  assert_int_equal(fs_controls_clamp(raw, &c), 0);
  assert_false(c.enabled);
  assert_float_equal(c.reduction_db, 12.5f, 0.0f);
  assert_float_equal(c.ceiling_db, -3.0f, 0.0f);
  assert_float_equal(c.xfade_ms, 25.0f, 0.0f);
  assert_float_equal(c.budget_pct, 80.0f, 0.0f);
  assert_int_equal(c.chaos, 3); /* integer port: nearest value */
  assert_true(c.freewheel);
}

static void ranges_are_published(void **state) {
  (void)state;
  for (int i = 0; i < FS_CONTROL_COUNT; ++i) {
    const fs_control_range *r = fs_control_range_of((fs_control_id)i);
    assert_non_null(r);
    assert_true(r->minimum < r->maximum);
    assert_true(r->fallback >= r->minimum && r->fallback <= r->maximum);
  }
  assert_null(fs_control_range_of(FS_CONTROL_COUNT));
}

static void chaos_names_go_both_ways(void **state) {
  (void)state;
  for (int mode = 0; mode < FS_CHAOS_COUNT; ++mode) {
    assert_non_null(fs_chaos_name(mode));
    assert_int_equal(fs_chaos_from_name(fs_chaos_name(mode)), mode);
    assert_string_not_equal(fs_chaos_label(mode), "unknown");
  }
  assert_string_equal(fs_chaos_name(FS_CHAOS_RUNAWAY_GAIN), "runaway");
  /* The learned tier's faults, appended (the numbers are the port's). */
  assert_int_equal(fs_chaos_from_name("learned_nan"), 7);
  assert_int_equal(fs_chaos_from_name("learned_flicker"), 8);
  assert_int_equal(fs_chaos_from_name("learned_mute"), 9);
  assert_null(fs_chaos_name(FS_CHAOS_COUNT));
  assert_null(fs_chaos_name(-1));
  assert_string_equal(fs_chaos_label(FS_CHAOS_COUNT), "unknown");
  assert_int_equal(fs_chaos_from_name("meltdown"), -1);
  assert_int_equal(fs_chaos_from_name(NULL), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(defaults_match_the_turtle),
      cmocka_unit_test(nan_takes_the_default_and_is_counted),
      cmocka_unit_test(infinities_and_absurd_values_clamp),
      cmocka_unit_test(unconnected_ports_take_defaults_silently),
      cmocka_unit_test(in_range_values_pass_unchanged),
      cmocka_unit_test(ranges_are_published),
      cmocka_unit_test(chaos_names_go_both_ways),
  };
  return cmocka_run_group_tests_name("fs_controls", tests, NULL, NULL);
}

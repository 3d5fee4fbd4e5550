/* fs_controls: every raw value a host can send ends inside its range, the
   values replaced are named, and the supervisor reports a control newly
   out of range once, as a `configuration` incident in the event ring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_controls.h"
#include "fs_event_ring.h"
#include "fs_supervisor.h"

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
  assert_false(c.learned); /* the classical gains unless the user asks */
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
  assert_int_equal(c.out_of_range, (1u << FS_CONTROL_COUNT) - 1u);
  const fs_controls d = fs_controls_default();
  assert_int_equal(d.out_of_range, 0);
  assert_int_equal(c.enabled, d.enabled);
  assert_float_equal(c.reduction_db, d.reduction_db, 0.0f);
  assert_float_equal(c.ceiling_db, d.ceiling_db, 0.0f);
  assert_int_equal(c.chaos, d.chaos);
  assert_int_equal(c.learned, d.learned);
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
  assert_true(c.learned);

  assert_int_equal(fs_controls_clamp(low, &c), FS_CONTROL_COUNT);
  assert_false(c.enabled);
  assert_float_equal(c.reduction_db, 0.0f, 0.0f);
  assert_float_equal(c.ceiling_db, -12.0f, 0.0f);
  assert_float_equal(c.xfade_ms, 1.0f, 0.0f);
  assert_float_equal(c.budget_pct, 5.0f, 0.0f);
  assert_int_equal(c.chaos, 0);
  assert_false(c.freewheel);
  assert_false(c.learned);
}

static void unconnected_ports_take_defaults_silently(void **state) {
  (void)state;
  const float *none[FS_CONTROL_COUNT] = {0};
  fs_controls c;
  assert_int_equal(fs_controls_clamp(none, &c), 0);
  assert_int_equal(c.out_of_range, 0); /* unconnected is the host's right */
  assert_float_equal(c.ceiling_db, -1.0f, 0.0f);
}

static void in_range_values_pass_unchanged(void **state) {
  (void)state;
  const float values[FS_CONTROL_COUNT] = {0.0f, 12.5f, -3.0f, 25.0f, 80.0f, 3.4f, 1.0f, 0.0f};
  const float *raw[FS_CONTROL_COUNT];
  for (int i = 0; i < FS_CONTROL_COUNT; ++i) {
    raw[i] = &values[i];
  }
  fs_controls c;
  assert_int_equal(fs_controls_clamp(raw, &c), 0);
  assert_int_equal(c.out_of_range, 0);
  assert_false(c.enabled);
  assert_float_equal(c.reduction_db, 12.5f, 0.0f);
  assert_float_equal(c.ceiling_db, -3.0f, 0.0f);
  assert_float_equal(c.xfade_ms, 25.0f, 0.0f);
  assert_float_equal(c.budget_pct, 80.0f, 0.0f);
  assert_int_equal(c.chaos, 3); /* integer port: nearest value */
  assert_true(c.freewheel);
  assert_false(c.learned);
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

/* Controls from raw values: every port at its default but `id`, set to
   `value` (NAN included), and freewheeling, so that no deadline (the
   machine's speed) can come into what the tests count. */
static fs_controls controls_with(int id, float value) {
  float raw[FS_CONTROL_COUNT];
  const float *ptr[FS_CONTROL_COUNT];
  for (int k = 0; k < FS_CONTROL_COUNT; ++k) {
    raw[k] = k == id ? value : fs_control_range_of((fs_control_id)k)->fallback;
    ptr[k] = &raw[k];
  }
  if (id != FS_CONTROL_FREEWHEEL) raw[FS_CONTROL_FREEWHEEL] = 1.0f;
  fs_controls c;
  fs_controls_clamp(ptr, &c);
  return c;
}

/* The finding names the controls newly out of range; staying out, or
   coming back in, is no news. */
static void a_control_newly_out_of_range_is_one_finding(void **state) {
  (void)state;
  const fs_controls fine = fs_controls_default();
  const fs_controls hot = controls_with(FS_CONTROL_REDUCTION, 60.0f);
  fs_controls both = hot;
  both.out_of_range |= 1u << FS_CONTROL_CEILING;
  assert_int_equal(hot.out_of_range, 1u << FS_CONTROL_REDUCTION);
  assert_int_equal(controls_with(FS_CONTROL_XFADE, NAN).out_of_range, 1u << FS_CONTROL_XFADE);
  assert_int_equal(controls_with(FS_CONTROL_BUDGET, -INFINITY).out_of_range, 1u << FS_CONTROL_BUDGET);

  fs_findings f = {.count = 0};
  assert_true(fs_controls_check(&fine, &hot, &f));
  assert_int_equal(f.count, 1);
  assert_int_equal(f.items[0].cause, FS_CAUSE_CONFIGURATION);
  assert_int_equal(f.items[0].detector, FS_DETECTOR_CONTROLS);
  assert_float_equal(f.items[0].value, (float)(1u << FS_CONTROL_REDUCTION), 0.0f);
  assert_false(f.items[0].severe);
  assert_false(fs_controls_check(&hot, &hot, &f)); /* still out: nothing new */
  assert_false(fs_controls_check(&hot, &fine, &f)); /* back in */
  assert_true(fs_controls_check(&hot, &both, &f)); /* one more out */
  assert_float_equal(f.items[1].value, (float)(1u << FS_CONTROL_CEILING), 0.0f);
  assert_float_equal(f.items[1].threshold, (float)both.out_of_range, 0.0f);
  f.count = FS_MAX_FINDINGS; /* no room: dropped, never written past the end */
  assert_false(fs_controls_check(&fine, &hot, &f));
  assert_int_equal(f.count, FS_MAX_FINDINGS);
  assert_string_equal(fs_detector_name(FS_DETECTOR_CONTROLS), "controls");
}

/* Configuration incidents waiting in the ring (draining it): their ONSETs,
   the last one into *last. */
static unsigned configuration_onsets(fs_supervisor *sup, fs_event *last) {
  fs_event e;
  unsigned onsets = 0;
  while (fs_event_ring_pop(fs_supervisor_events(sup), &e)) {
    if (e.cause == FS_CAUSE_CONFIGURATION && e.kind == FS_EVENT_ONSET) {
      ++onsets;
      *last = e;
    }
  }
  return onsets;
}

/* Blocks of silence through the supervisor as run() sends them: the raw
   controls clamped, then handed over, every block. */
static void play(fs_supervisor *sup, const fs_controls *controls, unsigned blocks) {
  float in[256] = {0}, out[256];
  const float *ins[1] = {in};
  float *outs[1] = {out};
  for (unsigned b = 0; b < blocks; ++b) {
    fs_supervisor_set_controls(sup, controls);
    fs_supervisor_process(sup, ins, outs, 256);
  }
}

/* What reaches the worker: one configuration incident per control newly
   out of range (never one per block while it stays there), with the
   clamped values in its context; none while all is in range; again after
   activation when a control is out of range from the start. */
static void the_supervisor_reports_it_once_per_change(void **state) {
  (void)state;
  fs_supervisor *sup = fs_supervisor_create(48000.0, 1);
  assert_non_null(sup);
  const fs_controls fine = controls_with(-1, 0.0f);
  const fs_controls hot = controls_with(FS_CONTROL_REDUCTION, 60.0f);
  fs_controls also_nan = controls_with(FS_CONTROL_CEILING, NAN);
  also_nan.reduction_db = hot.reduction_db;
  also_nan.out_of_range |= hot.out_of_range;
  fs_event e;

  play(sup, &fine, 40);
  assert_int_equal(configuration_onsets(sup, &e), 0);

  play(sup, &hot, 200); /* about a second, held out of range */
  assert_int_equal(configuration_onsets(sup, &e), 1);
  assert_int_equal(e.detector, FS_DETECTOR_CONTROLS);
  assert_float_equal(e.value, (float)(1u << FS_CONTROL_REDUCTION), 0.0f);
  assert_float_equal(e.reduction_db, 40.0f, 0.0f); /* clamped before anything saw it */
  assert_int_equal(e.action, FS_STRATEGY_NONE);
  fs_status status;
  fs_supervisor_status(sup, &status);
  assert_int_equal(status.cause, FS_CAUSE_CONFIGURATION);
  assert_int_equal(status.tier, FS_TIER_FULL); /* reported, nothing else */

  play(sup, &also_nan, 100);
  assert_int_equal(configuration_onsets(sup, &e), 1);
  assert_float_equal(e.value, (float)(1u << FS_CONTROL_CEILING), 0.0f);
  assert_float_equal(e.threshold, (float)also_nan.out_of_range, 0.0f);

  play(sup, &fine, 100);
  assert_int_equal(configuration_onsets(sup, &e), 0);
  play(sup, &hot, 100);
  assert_int_equal(configuration_onsets(sup, &e), 1);

  fs_supervisor_set_controls(sup, &hot);
  fs_supervisor_reset(sup); /* activate() with the control still out */
  play(sup, &hot, 100);
  assert_int_equal(configuration_onsets(sup, &e), 1);
  fs_supervisor_status(sup, &status);
  assert_int_equal(status.events_dropped, 0);
  fs_supervisor_destroy(sup);
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
      cmocka_unit_test(a_control_newly_out_of_range_is_one_finding),
      cmocka_unit_test(the_supervisor_reports_it_once_per_change),
  };
  return cmocka_run_group_tests_name("fs_controls", tests, NULL, NULL);
}

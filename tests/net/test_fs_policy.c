/* fs_policy: the net's decisions alone, with plain findings and a clock -
   no enhancer, no audio.  Which strategy a finding gets, which breaker
   trips, what the full path is asked to do, which tier is chosen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fs_net_tuning.h"
#include "fs_policy.h"
#include "fs_supervisor.h"

#define RATE 48000.0

typedef struct {
  fs_event_ring *ring;
  fs_policy policy;
  fs_strategy_table table;
  fs_event context;
} rig;

static int setup(void **state) {
  static rig r;
  r.ring = fs_event_ring_create(64);
  assert_non_null(r.ring);
  fs_policy_init(&r.policy, RATE, r.ring);
  fs_policy_reset(&r.policy, 0);
  fs_strategy_table_default(&r.table);
  r.context = (fs_event){0};
  *state = &r;
  return 0;
}

static int teardown(void **state) {
  rig *r = *state;
  fs_event_ring_destroy(r->ring);
  return 0;
}

static fs_findings one(fs_cause cause, fs_detector detector, bool severe) {
  fs_findings f = {.count = 1};
  f.items[0] = (fs_finding){.detector = detector, .cause = cause, .value = 2.0f, .threshold = 1.0f, .severe = severe};
  return f;
}

static void the_full_tier_is_chosen_when_all_is_well(void **state) {
  rig *r = *state;
  assert_int_equal(fs_policy_choose_tier(&r->policy, true, 0), FS_TIER_FULL);
  assert_int_equal(fs_policy_choose_tier(&r->policy, false, 0), FS_TIER_BYPASS);
  fs_policy_reset(&r->policy, 4800); /* the table's pre-emptive start on light */
  assert_int_equal(fs_policy_choose_tier(&r->policy, true, 0), FS_TIER_LIGHT);
  assert_int_equal(fs_policy_choose_tier(&r->policy, true, 4800), FS_TIER_FULL);
}

static void broken_state_asks_for_a_rebuild_and_opens_the_full_breaker(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_STATE_CORRUPT, FS_DETECTOR_STATE_NONFINITE, true);
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_FULL, FS_TIER_FULL, 1000, false, &r->context);
  assert_true(r->policy.rebuild_full);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].state, FS_BREAKER_OPEN);
  assert_false(r->policy.full_resting); /* a fault, not an overrun: probes go on */
  assert_int_equal(fs_policy_choose_tier(&r->policy, true, 1000), FS_TIER_LIGHT);
  assert_int_equal(r->policy.incidents.count, 1);
  assert_int_equal(fs_event_ring_size(r->ring), 1); /* the ONSET record */
}

static void musical_noise_is_tuned_first_then_lifted_after_calm(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_MUSICAL_NOISE, FS_DETECTOR_MUSICAL_NOISE, false);
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_FULL, FS_TIER_FULL, 1000, false, &r->context);
  assert_true(r->policy.adjusted);
  assert_false(r->policy.rebuild_full);
  assert_float_equal(r->policy.protection, FS_NET_PROTECTION_STEP, 0.0f);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].state, FS_BREAKER_CLOSED);
  assert_int_equal(fs_policy_choose_tier(&r->policy, true, 1000), FS_TIER_FULL);
  r->policy.adjusted = false; /* the supervisor took them */

  const uint64_t calm = (uint64_t)(FS_NET_ADJUST_CALM_MS * RATE / 1000.0 + 0.5);
  assert_false(fs_policy_adjustments_due(&r->policy, 1000 + calm));
  assert_true(fs_policy_adjustments_due(&r->policy, 1001 + calm));
  fs_policy_end_adjustments(&r->policy);
  assert_true(r->policy.adjusted);
  assert_float_equal(r->policy.protection, 0.0f, 0.0f);
  assert_false(fs_policy_adjustments_due(&r->policy, 2 * calm));
}

static void output_clipping_trims_the_full_path(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_OUTPUT_CLIPPING, FS_DETECTOR_OUTPUT_CLIPPING, false);
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_FULL, FS_TIER_FULL, 1000, false, &r->context);
  assert_true(r->policy.adjusted);
  assert_float_equal(r->policy.trim_db, FS_NET_TRIM_STEP_DB, 0.0f);
}

static void an_overrun_rests_the_full_tier(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_DEADLINE, FS_DETECTOR_DEADLINE, true);
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_FULL, FS_TIER_FULL, 1000, false, &r->context);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].state, FS_BREAKER_OPEN);
  assert_true(r->policy.full_resting); /* not even run in shadow while it cools */
  const uint64_t cooldown = (uint64_t)(FS_NET_COOLDOWN_DEADLINE_MS * RATE / 1000.0 + 0.5);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].config.cooldown, cooldown);
}

static void a_shadow_tier_only_counts_against_its_breaker(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_SPECTRAL_FLUX, FS_DETECTOR_SPECTRAL_FLUX, false);
  for (uint32_t k = 0; k + 1 < FS_NET_FAILURES_TO_OPEN; ++k) {
    fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_LIGHT, FS_TIER_FULL, 1000 + k, false, &r->context);
    assert_int_equal(r->policy.breaker[FS_TIER_LIGHT].state, FS_BREAKER_CLOSED);
  }
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_LIGHT, FS_TIER_FULL, 2000, false, &r->context);
  assert_int_equal(r->policy.breaker[FS_TIER_LIGHT].state, FS_BREAKER_OPEN);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].state, FS_BREAKER_CLOSED);
  assert_int_equal(fs_policy_choose_tier(&r->policy, true, 2000), FS_TIER_FULL);
}

static void input_faults_are_reported_not_acted_on(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_INPUT_NONFINITE, FS_DETECTOR_INPUT_NONFINITE, true);
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_POLICY_NO_TIER, FS_TIER_FULL, 1000, false, &r->context);
  assert_int_equal(r->policy.incidents.count, 1);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].state, FS_BREAKER_CLOSED);
  assert_false(r->policy.rebuild_full);
  assert_false(r->policy.adjusted);
}

static void only_severe_findings_count_while_rewarming(void **state) {
  (void)state;
  fs_findings f = {.count = 3};
  f.items[0] = (fs_finding){.cause = FS_CAUSE_MUSICAL_NOISE, .severe = false};
  f.items[1] = (fs_finding){.cause = FS_CAUSE_STATE_CORRUPT, .severe = true};
  f.items[2] = (fs_finding){.cause = FS_CAUSE_SPECTRAL_FLUX, .severe = false};
  fs_policy_keep_severe(&f);
  assert_int_equal(f.count, 1);
  assert_int_equal(f.items[0].cause, FS_CAUSE_STATE_CORRUPT);
}

static void a_probe_of_the_full_tier_is_announced(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_STATE_CORRUPT, FS_DETECTOR_STATE_NONFINITE, true);
  fs_policy_handle_findings(&r->policy, &r->table, &f, FS_TIER_FULL, FS_TIER_FULL, 1000, false, &r->context);
  bool probed = false;
  for (uint64_t now = 1000; now < 1000 + 10 * (uint64_t)RATE && !probed; now += 256) {
    probed = fs_policy_tick_breakers(&r->policy, now);
  }
  assert_true(probed);
  assert_int_equal(r->policy.breaker[FS_TIER_FULL].state, FS_BREAKER_HALF_OPEN);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(the_full_tier_is_chosen_when_all_is_well, setup, teardown),
      cmocka_unit_test_setup_teardown(broken_state_asks_for_a_rebuild_and_opens_the_full_breaker, setup, teardown),
      cmocka_unit_test_setup_teardown(musical_noise_is_tuned_first_then_lifted_after_calm, setup, teardown),
      cmocka_unit_test_setup_teardown(output_clipping_trims_the_full_path, setup, teardown),
      cmocka_unit_test_setup_teardown(an_overrun_rests_the_full_tier, setup, teardown),
      cmocka_unit_test_setup_teardown(a_shadow_tier_only_counts_against_its_breaker, setup, teardown),
      cmocka_unit_test_setup_teardown(input_faults_are_reported_not_acted_on, setup, teardown),
      cmocka_unit_test(only_severe_findings_count_while_rewarming),
      cmocka_unit_test_setup_teardown(a_probe_of_the_full_tier_is_announced, setup, teardown),
  };
  return cmocka_run_group_tests_name("fs_policy", tests, NULL, NULL);
}

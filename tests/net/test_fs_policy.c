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


/* ---- The learned breaker ------------------------------------------- */

static uint64_t ms(double milliseconds) { return (uint64_t)(milliseconds * RATE / 1000.0 + 0.5); }

/* Ticks the learned breaker hop by hop (256 samples) from `from` until it
   is closed again or `until`; returns when it closed (UINT64_MAX: never). */
static uint64_t learned_closes(fs_policy *p, uint64_t from, uint64_t until) {
  for (uint64_t now = from; now <= until; now += 256) {
    fs_policy_tick_learned(p, now);
    if (fs_policy_learned_allowed(p)) {
      return now;
    }
  }
  return UINT64_MAX;
}

static void a_learned_finding_drops_to_classical_and_never_takes_the_tier_down(void **state) {
  rig *r = *state;
  const fs_cause causes[] = {FS_CAUSE_LEARNED_INVALID, FS_CAUSE_LEARNED_FLICKER, FS_CAUSE_SPEECH_LOSS};
  const fs_detector detectors[] = {FS_DETECTOR_LEARNED_INVALID, FS_DETECTOR_LEARNED_FLICKER, FS_DETECTOR_SPEECH_LOSS};
  for (int k = 0; k < 3; ++k) {
    fs_policy_reset(&r->policy, 0);
    assert_true(fs_policy_learned_allowed(&r->policy));
    const fs_findings f = one(causes[k], detectors[k], k == 0);
    fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, 1000, false, &r->context);
    /* One finding is enough: the detectors hold their own persistence. */
    assert_false(fs_policy_learned_allowed(&r->policy));
    assert_int_equal(r->policy.learned.state, FS_BREAKER_OPEN);
    assert_true(fs_breaker_closed(&r->policy.breaker[FS_TIER_FULL]));
    assert_true(fs_breaker_closed(&r->policy.breaker[FS_TIER_LIGHT]));
    assert_false(r->policy.rebuild_full);
    assert_int_equal(fs_policy_choose_tier(&r->policy, true, 1000), FS_TIER_FULL);
    assert_int_equal(r->policy.repair_learned, k == 0); /* only a broken network needs mending */
    assert_int_equal(r->policy.incidents.last_cause, causes[k]);
  }
}

static void the_learned_probe_closes_after_a_clean_window(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_LEARNED_FLICKER, FS_DETECTOR_LEARNED_FLICKER, false);
  fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, 0, false, &r->context);
  /* Cooldown: still open before FS_NET_LEARNED_COOLDOWN_MS. */
  assert_false(fs_policy_tick_learned(&r->policy, ms(FS_NET_LEARNED_COOLDOWN_MS) - 1));
  assert_int_equal(r->policy.learned.state, FS_BREAKER_OPEN);
  /* The probe begins within the cooldown and its jitter, and says so. */
  bool began = false;
  uint64_t now = ms(FS_NET_LEARNED_COOLDOWN_MS);
  for (; now <= ms(FS_NET_LEARNED_COOLDOWN_MS * (1.0 + FS_NET_JITTER)) + 256 && !began; now += 256) {
    began = fs_policy_tick_learned(&r->policy, now);
  }
  assert_true(began);
  assert_true(fs_breaker_probing(&r->policy.learned));
  assert_false(fs_policy_learned_allowed(&r->policy)); /* in shadow while probing */
  /* Clean for the probe window: closed, the learned gains are heard again. */
  const uint64_t closed = learned_closes(&r->policy, now, now + ms(FS_NET_LEARNED_PROBE_MS) + 256);
  assert_true(closed != UINT64_MAX);
  assert_true(closed - now + 256 >= ms(FS_NET_LEARNED_PROBE_MS));
  assert_true(closed <= ms(250.0)); /* a fault of one hop: back within 250 ms */
}

static void a_failed_learned_probe_backs_off(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_SPEECH_LOSS, FS_DETECTOR_SPEECH_LOSS, false);
  fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, 0, false, &r->context);
  const uint64_t first = r->policy.learned.reopen_at;
  uint64_t now = 0;
  while (!fs_breaker_probing(&r->policy.learned)) {
    now += 256;
    fs_policy_tick_learned(&r->policy, now);
  }
  /* The fault is still there in shadow: the probe fails, a longer cooldown. */
  fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, now, false, &r->context);
  assert_int_equal(r->policy.learned.state, FS_BREAKER_OPEN);
  assert_true(r->policy.learned.reopen_at - now > first);
  /* ...but never longer than the cap with its jitter. */
  for (int repeat = 0; repeat < 6; ++repeat) {
    while (!fs_breaker_probing(&r->policy.learned)) {
      now += 256;
      fs_policy_tick_learned(&r->policy, now);
    }
    fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, now, false, &r->context);
    assert_true(r->policy.learned.reopen_at - now <= ms(FS_NET_LEARNED_COOLDOWN_CAP_MS * (1.0 + FS_NET_JITTER)) + 1);
  }
  /* The fault ends: back within the cap, the probe and the 10 ms glide. */
  const uint64_t end = now;
  const uint64_t closed = learned_closes(&r->policy, now + 256, now + ms(1000.0));
  assert_true(closed != UINT64_MAX);
  assert_true(closed - end + ms(10.0) <= ms(250.0));
  assert_true(fs_breaker_closed(&r->policy.breaker[FS_TIER_FULL]));
}

static void learned_quarantine_by_chaos_is_lifted(void **state) {
  rig *r = *state;
  const fs_findings f = one(FS_CAUSE_LEARNED_INVALID, FS_DETECTOR_LEARNED_INVALID, true);
  uint64_t now = 0;
  fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, now, true, &r->context);
  for (uint32_t probe = 0; probe < FS_NET_QUARANTINE_AFTER && r->policy.learned.state != FS_BREAKER_QUARANTINED;
       ++probe) {
    while (!fs_breaker_probing(&r->policy.learned)) {
      now += 256;
      fs_policy_tick_learned(&r->policy, now);
    }
    fs_policy_handle_learned(&r->policy, &r->table, &f, FS_TIER_FULL, now, true, &r->context);
  }
  assert_int_equal(r->policy.learned.state, FS_BREAKER_QUARANTINED);
  assert_true(fs_breaker_closed(&r->policy.breaker[FS_TIER_FULL]));
  fs_policy_release_chaos_quarantine(&r->policy);
  assert_true(fs_policy_learned_allowed(&r->policy));
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
      cmocka_unit_test_setup_teardown(a_learned_finding_drops_to_classical_and_never_takes_the_tier_down, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(the_learned_probe_closes_after_a_clean_window, setup, teardown),
      cmocka_unit_test_setup_teardown(a_failed_learned_probe_backs_off, setup, teardown),
      cmocka_unit_test_setup_teardown(learned_quarantine_by_chaos_is_lifted, setup, teardown),
  };
  return cmocka_run_group_tests_name("fs_policy", tests, NULL, NULL);
}

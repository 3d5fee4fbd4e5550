/* fs_analysis: incidents versus escalations, recovery figures, bursts and
   the context a cause goes with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_analysis.h"
#include "worker_test.h"

static void onsets_escalations_and_outcomes(void **state) {
  (void)state;
  fs_analysis a;
  fs_analysis_init(&a);
  fs_event onset = test_event(FS_EVENT_ONSET, 1, FS_CAUSE_MUSICAL_NOISE, 1);
  assert_true(fs_analysis_add(&a, &onset));
  fs_event fail = test_outcome(1, FS_CAUSE_MUSICAL_NOISE, 1, 0);
  fs_analysis_add(&a, &fail);
  onset.action = 2;
  assert_false(fs_analysis_add(&a, &onset)); /* same id: an escalation */
  fs_event win = test_outcome(1, FS_CAUSE_MUSICAL_NOISE, 2, 1);
  fs_analysis_add(&a, &win);
  fs_event back = test_event(FS_EVENT_RECOVERED, 1, FS_CAUSE_MUSICAL_NOISE, 2);
  back.to_safe = 480;   /* 10 ms at 48 kHz */
  back.to_full = 24000; /* 500 ms */
  fs_analysis_add(&a, &back);

  fs_event other = test_event(FS_EVENT_ONSET, 2, FS_CAUSE_MUSICAL_NOISE, 1);
  other.position += 10 * 48000;
  assert_true(fs_analysis_add(&a, &other));
  fs_event lost = test_outcome(2, FS_CAUSE_MUSICAL_NOISE, 1, 0);
  fs_analysis_add(&a, &lost);

  const fs_cause_pattern *p = &a.cause[FS_CAUSE_MUSICAL_NOISE];
  assert_int_equal(p->incidents, 2);
  assert_int_equal(p->escalations, 1);
  assert_int_equal(p->outcomes, 3);
  assert_int_equal(p->outcome_successes, 1);
  assert_int_equal(p->incidents_judged, 2);
  assert_int_equal(p->incidents_fixed, 1);
  assert_float_equal(fs_analysis_recovery_rate(p), 0.5, 1e-9);
  assert_float_equal(fs_analysis_mean_to_safe_ms(p), 10.0, 1e-6);
  assert_float_equal(fs_analysis_mean_to_full_ms(p), 500.0, 1e-6);
  assert_int_equal(a.incidents, 2);
  assert_true(isnan(fs_analysis_recovery_rate(&a.cause[FS_CAUSE_DEADLINE])));
  assert_true(isnan(fs_analysis_mean_to_full_ms(&a.cause[FS_CAUSE_DEADLINE])));
}

static void bursts_and_sessions(void **state) {
  (void)state;
  fs_analysis a;
  fs_analysis_init(&a);
  /* 5 incidents 0.2 s apart, a pause, 2 close ones (no burst), then a new
     session (position back to 0) with 3 close ones. */
  uint64_t positions[] = {0, 9600, 19200, 28800, 38400, 480000, 489600, 0, 4800, 9600};
  for (uint32_t i = 0; i < 10; ++i) {
    fs_event e = test_event(FS_EVENT_ONSET, i + 1, FS_CAUSE_DEADLINE, 2);
    e.position = positions[i];
    assert_true(fs_analysis_add(&a, &e));
  }
  const fs_cause_pattern *p = &a.cause[FS_CAUSE_DEADLINE];
  assert_int_equal(p->incidents, 10);
  assert_int_equal(p->bursts, 2);
  assert_int_equal(p->longest_burst, 5);
}

static void context_correlation(void **state) {
  (void)state;
  fs_analysis a;
  fs_analysis_init(&a);
  for (uint32_t i = 0; i < 8; ++i) { /* overruns at block 16 under load */
    fs_event e = test_event(FS_EVENT_ONSET, i + 1, FS_CAUSE_DEADLINE, 2);
    e.position = (uint64_t)i * 480000u;
    e.block = 16;
    e.dsp_load = 90.0f;
    fs_analysis_add(&a, &e);
  }
  for (uint32_t i = 0; i < 8; ++i) { /* clipping input at block 1024 */
    fs_event e = test_event(FS_EVENT_ONSET, 100 + i, FS_CAUSE_INPUT_CLIPPED, 0);
    e.position = (uint64_t)i * 480000u;
    e.block = 1024;
    e.input_db = 0.0f;
    fs_analysis_add(&a, &e);
  }
  const fs_cause_pattern *dl = &a.cause[FS_CAUSE_DEADLINE];
  const fs_cause_pattern *clip = &a.cause[FS_CAUSE_INPUT_CLIPPED];
  double share;
  assert_int_equal(fs_analysis_dominant_block(dl, &share), 16);
  assert_float_equal(share, 1.0, 1e-9);
  assert_int_equal(dl->at_small_block, 8);
  assert_int_equal(a.at_small_block, 8); /* half of all incidents */
  assert_int_equal(dl->at_high_load, 8);
  assert_int_equal(dl->min_block, 16);
  assert_int_equal(fs_analysis_dominant_block(clip, NULL), 1024);
  assert_int_equal(clip->at_hot_input, 8);
  assert_int_equal(dl->at_hot_input, 0);
  assert_float_equal(fs_analysis_mean_load(dl), 90.0, 1e-6);
  assert_float_equal(clip->max_input_db, 0.0, 1e-9);

  int order[FS_CAUSE_COUNT];
  fs_event extra = test_event(FS_EVENT_ONSET, 500, FS_CAUSE_DEADLINE, 2);
  extra.position = 99u * 480000u;
  fs_analysis_add(&a, &extra);
  assert_int_equal(fs_analysis_rank_causes(&a, order, FS_CAUSE_COUNT), 2);
  assert_int_equal(order[0], FS_CAUSE_DEADLINE);
  assert_int_equal(order[1], FS_CAUSE_INPUT_CLIPPED);
}

static void bad_records_are_ignored(void **state) {
  (void)state;
  fs_analysis a;
  fs_analysis_init(&a);
  fs_event e = test_event(FS_EVENT_ONSET, 1, FS_CAUSE_COUNT, 0);
  assert_false(fs_analysis_add(&a, &e));
  e = test_event(77, 1, FS_CAUSE_DEADLINE, 0);
  assert_false(fs_analysis_add(&a, &e));
  e = test_event(FS_EVENT_RECOVERED, 1, FS_CAUSE_DEADLINE, 0);
  e.sample_rate = NAN; /* no rate ever seen: times are not averaged */
  fs_analysis_add(&a, &e);
  assert_int_equal(a.ignored, 2);
  assert_int_equal(a.records, 3);
  assert_true(isnan(fs_analysis_mean_to_safe_ms(&a.cause[FS_CAUSE_DEADLINE])));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(onsets_escalations_and_outcomes),
      cmocka_unit_test(bursts_and_sessions),
      cmocka_unit_test(context_correlation),
      cmocka_unit_test(bad_records_are_ignored),
  };
  return cmocka_run_group_tests_name("fs_analysis", tests, NULL, NULL);
}

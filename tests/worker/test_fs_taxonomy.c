/* fs_taxonomy: every cause classified, names round-trip, and the built-in
   strategy table only uses strategies the taxonomy allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fs_cause.h"
#include "fs_event.h"
#include "fs_strategy.h"
#include "fs_taxonomy.h"

static void every_cause_has_class_and_severity(void **state) {
  (void)state;
  for (int cause = 1; cause < FS_CAUSE_COUNT; ++cause) {
    assert_int_not_equal(fs_taxonomy_class(cause), FS_CLASS_NONE);
    assert_true(fs_taxonomy_severity(cause) < FS_SEVERITY_COUNT);
    assert_string_not_equal(fs_fault_class_name(fs_taxonomy_class(cause)), "unknown");
    assert_string_not_equal(fs_severity_name(fs_taxonomy_severity(cause)), "unknown");
  }
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_COUNT), FS_CLASS_NONE);
  assert_int_equal(fs_taxonomy_class(-1), FS_CLASS_NONE);
}

static void classes_follow_the_issue(void **state) {
  (void)state;
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_INPUT_NONFINITE), FS_CLASS_INPUT);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_INPUT_CLIPPED), FS_CLASS_INPUT);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_INPUT_EXTREME), FS_CLASS_INPUT);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_STATE_CORRUPT), FS_CLASS_DSP);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_RUNAWAY_GAIN), FS_CLASS_DSP);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_MUSICAL_NOISE), FS_CLASS_ARTIFACT);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_SPECTRAL_FLUX), FS_CLASS_ARTIFACT);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_DEADLINE), FS_CLASS_RESOURCE);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_CONFIGURATION), FS_CLASS_CONFIGURATION);
  assert_int_equal(fs_taxonomy_severity(FS_CAUSE_STATE_CORRUPT), FS_SEVERITY_CRITICAL);
  assert_int_equal(fs_taxonomy_severity(FS_CAUSE_INPUT_CLIPPED), FS_SEVERITY_LOW);
  assert_int_equal(fs_taxonomy_severity(FS_CAUSE_DEADLINE), FS_SEVERITY_HIGH);
  /* The learned tier's causes, appended with public numbers. */
  assert_int_equal(FS_CAUSE_LEARNED_INVALID, 11);
  assert_int_equal(FS_CAUSE_LEARNED_FLICKER, 12);
  assert_int_equal(FS_CAUSE_SPEECH_LOSS, 13);
  assert_string_equal(fs_cause_name(FS_CAUSE_LEARNED_INVALID), "learned_invalid");
  assert_string_equal(fs_cause_name(FS_CAUSE_LEARNED_FLICKER), "learned_flicker");
  assert_string_equal(fs_cause_name(FS_CAUSE_SPEECH_LOSS), "speech_loss");
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_LEARNED_INVALID), FS_CLASS_DSP);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_LEARNED_FLICKER), FS_CLASS_ARTIFACT);
  assert_int_equal(fs_taxonomy_class(FS_CAUSE_SPEECH_LOSS), FS_CLASS_ARTIFACT);
}

static void names_round_trip(void **state) {
  (void)state;
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    assert_int_equal(fs_cause_from_name(fs_cause_name(cause)), cause);
  }
  for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
    assert_int_equal(fs_strategy_from_name(fs_strategy_name(s)), s);
  }
  for (int kind = FS_EVENT_ONSET; kind <= FS_EVENT_OUTCOME; ++kind) {
    assert_int_equal(fs_event_kind_from_name(fs_event_kind_name(kind)), kind);
  }
  assert_int_equal(fs_cause_from_name("nonsense"), -1);
  assert_int_equal(fs_cause_from_name(NULL), -1);
  assert_int_equal(fs_strategy_from_name("unknown"), -1);
  assert_int_equal(fs_event_kind_from_name("unknown"), -1);
  assert_string_equal(fs_event_kind_name(0), "unknown");
  assert_string_equal(fs_event_kind_name(99), "unknown");
}

static void builtin_table_uses_allowed_strategies(void **state) {
  (void)state;
  fs_strategy_table table;
  fs_strategy_table_default(&table);
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    uint32_t allowed = fs_taxonomy_allowed_strategies(cause);
    for (unsigned i = 0; i < FS_STRATEGY_STEPS; ++i) {
      assert_true(allowed & (1u << table.order[cause][i]));
    }
  }
  /* Broken state is never merely reported; overruns only get cheaper paths. */
  assert_false(fs_taxonomy_allowed_strategies(FS_CAUSE_STATE_CORRUPT) & (1u << FS_STRATEGY_NONE));
  assert_false(fs_taxonomy_allowed_strategies(FS_CAUSE_DEADLINE) & (1u << FS_STRATEGY_ADJUST));
  /* A network's fault is mended on the same tier, by its classical gains:
     the learner may never send it to a lower tier. */
  for (int cause = FS_CAUSE_LEARNED_INVALID; cause <= FS_CAUSE_SPEECH_LOSS; ++cause) {
    assert_int_equal(fs_taxonomy_allowed_strategies(cause), 1u << FS_STRATEGY_ADJUST);
  }
  /* Controls out of range are clamped already: only ever reported. */
  assert_int_equal(fs_taxonomy_allowed_strategies(FS_CAUSE_CONFIGURATION), 1u << FS_STRATEGY_NONE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(every_cause_has_class_and_severity),
      cmocka_unit_test(classes_follow_the_issue),
      cmocka_unit_test(names_round_trip),
      cmocka_unit_test(builtin_table_uses_allowed_strategies),
  };
  return cmocka_run_group_tests_name("fs_taxonomy", tests, NULL, NULL);
}

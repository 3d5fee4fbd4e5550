/* fs_breaker: every transition, driven exactly on the sample clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fs_breaker.h"

static const fs_breaker_config config = {
    .threshold = 3,
    .window = 4800,
    .cooldown = 1000,
    .cooldown_max = 16000,
    .jitter = 0.0f,
    .probe_length = 2000,
    .quarantine_after = 4,
    .calm = 48000,
    .seed = 1,
};

static void opens_at_threshold_within_window(void **state) {
  (void)state;
  fs_breaker b;
  fs_breaker_init(&b, &config);
  assert_int_equal(fs_breaker_failure(&b, 100), FS_BREAKER_CLOSED);
  assert_int_equal(fs_breaker_failure(&b, 200), FS_BREAKER_CLOSED);
  /* Third failure, but the first is now outside the window: still closed. */
  assert_int_equal(fs_breaker_failure(&b, 100 + 4801), FS_BREAKER_CLOSED);
  /* 200, 4901 and this one lie within 4800 samples: open. */
  assert_int_equal(fs_breaker_failure(&b, 5000), FS_BREAKER_OPEN);
  assert_int_equal(b.opened, 1);
}

static void half_open_and_close_exactly_on_time(void **state) {
  (void)state;
  fs_breaker b;
  fs_breaker_init(&b, &config);
  assert_int_equal(fs_breaker_trip(&b, 10000), FS_BREAKER_OPEN);
  assert_int_equal(fs_breaker_tick(&b, 10999), FS_BREAKER_OPEN);
  assert_int_equal(fs_breaker_tick(&b, 11000), FS_BREAKER_HALF_OPEN);
  assert_true(fs_breaker_probing(&b));
  assert_int_equal(fs_breaker_tick(&b, 12999), FS_BREAKER_HALF_OPEN);
  assert_int_equal(fs_breaker_tick(&b, 13000), FS_BREAKER_CLOSED);
  assert_true(fs_breaker_closed(&b));
  assert_int_equal(b.closed, 1);
}

static void failed_probes_double_the_cooldown_then_quarantine(void **state) {
  (void)state;
  fs_breaker b;
  fs_breaker_init(&b, &config);
  uint64_t now = 0;
  fs_breaker_trip(&b, now);
  uint64_t expected_cooldown = 1000;
  for (uint32_t probe = 1; probe <= 4; ++probe) {
    assert_int_equal(b.reopen_at - now, expected_cooldown);
    now = b.reopen_at;
    assert_int_equal(fs_breaker_tick(&b, now), FS_BREAKER_HALF_OPEN);
    now += 10;
    const fs_breaker_state after = fs_breaker_failure(&b, now);
    if (probe < 4) {
      assert_int_equal(after, FS_BREAKER_OPEN);
    } else {
      assert_int_equal(after, FS_BREAKER_QUARANTINED);
    }
    expected_cooldown *= 2;
  }
  /* Quarantine is for good: no time and no tick brings it back. */
  assert_int_equal(fs_breaker_tick(&b, now + 10000000), FS_BREAKER_QUARANTINED);
  fs_breaker_reset(&b);
  assert_int_equal(b.state, FS_BREAKER_CLOSED);
}

static void cooldown_stops_growing_at_its_maximum(void **state) {
  (void)state;
  fs_breaker_config c = config;
  c.quarantine_after = 100;
  fs_breaker b;
  fs_breaker_init(&b, &c);
  uint64_t now = 0;
  fs_breaker_trip(&b, now);
  for (int i = 0; i < 20; ++i) {
    assert_true(b.reopen_at - now <= c.cooldown_max);
    now = b.reopen_at;
    fs_breaker_tick(&b, now);
    fs_breaker_failure(&b, now);
  }
  assert_int_equal(b.reopen_at - now, c.cooldown_max);
}

static void jitter_is_seeded_and_bounded(void **state) {
  (void)state;
  fs_breaker_config c = config;
  c.jitter = 0.25f;
  fs_breaker a, b;
  fs_breaker_init(&a, &c);
  fs_breaker_init(&b, &c);
  fs_breaker_trip(&a, 0);
  fs_breaker_trip(&b, 0);
  assert_int_equal(a.reopen_at, b.reopen_at); /* same seed, same run */
  assert_true(a.reopen_at >= 1000 && a.reopen_at <= 1250);
  c.seed = 2;
  fs_breaker other;
  fs_breaker_init(&other, &c);
  fs_breaker_trip(&other, 0);
  assert_true(other.reopen_at >= 1000 && other.reopen_at <= 1250);
  assert_int_not_equal(other.reopen_at, a.reopen_at);
}

static void no_cooldown_passes_the_cap(void **state) {
  (void)state;
  /* What a tier's way back is budgeted on: at the cap the jitter shortens
     the cooldown instead, and still spreads it. */
  fs_breaker_config c = config;
  c.jitter = 0.2f;
  c.cooldown_max = 4000;
  c.quarantine_after = 1000;
  fs_breaker b;
  fs_breaker_init(&b, &c);
  uint64_t now = 0, shortest = UINT64_MAX, longest = 0;
  fs_breaker_trip(&b, now);
  for (int probe = 0; probe < 200; ++probe) {
    const uint64_t cooldown = b.reopen_at - now;
    assert_true(cooldown <= 4000);
    if (probe >= 3) { /* 1000, 2000, then the cap */
      shortest = cooldown < shortest ? cooldown : shortest;
      longest = cooldown > longest ? cooldown : longest;
    }
    now = b.reopen_at;
    assert_int_equal(fs_breaker_tick(&b, now), FS_BREAKER_HALF_OPEN);
    assert_int_equal(fs_breaker_failure(&b, now), FS_BREAKER_OPEN);
  }
  assert_true(shortest >= 3200 && shortest < 3400);
  assert_true(longest > 3800);
}

static void a_retry_probes_again_from_the_first_cooldown(void **state) {
  (void)state;
  fs_breaker b;
  fs_breaker_init(&b, &config);
  uint64_t now = 0;
  fs_breaker_trip(&b, now);
  while (b.state != FS_BREAKER_QUARANTINED) {
    now = b.reopen_at;
    fs_breaker_tick(&b, now);
    fs_breaker_failure(&b, now);
  }
  fs_breaker_retry(&b, now + 10);
  assert_int_equal(b.state, FS_BREAKER_OPEN);
  assert_int_equal(b.reopen_at - (now + 10), 1000);
  assert_int_equal(fs_breaker_tick(&b, now + 1010), FS_BREAKER_HALF_OPEN);
  assert_int_equal(fs_breaker_tick(&b, now + 3010), FS_BREAKER_CLOSED);
}

static void a_fault_every_other_hop_does_not_flap(void **state) {
  (void)state;
  fs_breaker_config c = config;
  c.threshold = 1;
  c.quarantine_after = 1000;
  fs_breaker b;
  fs_breaker_init(&b, &c);
  const uint64_t hop = 128, minute = 48000 * 60;
  uint32_t switches = 0;
  bool heard = true;
  for (uint64_t now = 0, n = 0; now < minute; now += hop, ++n) {
    if (n % 2 == 0) {
      fs_breaker_failure(&b, now);
    }
    fs_breaker_tick(&b, now);
    if (fs_breaker_closed(&b) != heard) {
      heard = fs_breaker_closed(&b);
      switches++;
    }
  }
  assert_true(switches <= 2);
  assert_false(heard);
}

static void calm_forgets_the_backoff(void **state) {
  (void)state;
  fs_breaker b;
  fs_breaker_init(&b, &config);
  fs_breaker_trip(&b, 0);
  fs_breaker_tick(&b, 1000);
  fs_breaker_tick(&b, 3000); /* closed again, backoff level 1 */
  assert_int_equal(b.backoff_level, 1);
  fs_breaker_tick(&b, 3000 + 48000);
  assert_int_equal(b.backoff_level, 0);
  fs_breaker_trip(&b, 60000);
  assert_int_equal(b.reopen_at - 60000, 1000);
}

static void open_ignores_failures_and_trips(void **state) {
  (void)state;
  fs_breaker b;
  fs_breaker_init(&b, &config);
  fs_breaker_trip(&b, 0);
  const uint64_t reopen = b.reopen_at;
  fs_breaker_failure(&b, 10);
  fs_breaker_trip(&b, 20);
  assert_int_equal(b.state, FS_BREAKER_OPEN);
  assert_int_equal(b.reopen_at, reopen);
  assert_string_equal(fs_breaker_state_name(FS_BREAKER_HALF_OPEN), "half_open");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(opens_at_threshold_within_window),
      cmocka_unit_test(half_open_and_close_exactly_on_time),
      cmocka_unit_test(failed_probes_double_the_cooldown_then_quarantine),
      cmocka_unit_test(cooldown_stops_growing_at_its_maximum),
      cmocka_unit_test(jitter_is_seeded_and_bounded),
      cmocka_unit_test(no_cooldown_passes_the_cap),
      cmocka_unit_test(a_retry_probes_again_from_the_first_cooldown),
      cmocka_unit_test(a_fault_every_other_hop_does_not_flap),
      cmocka_unit_test(calm_forgets_the_backoff),
      cmocka_unit_test(open_ignores_failures_and_trips),
  };
  return cmocka_run_group_tests_name("fs_breaker", tests, NULL, NULL);
}

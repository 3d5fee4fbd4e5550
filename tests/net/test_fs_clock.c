/* fs_clock: the counter's rate is learnt from pairs of readings, checked,
   and given up when it misbehaves; readings follow CLOCK_MONOTONIC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <time.h>

#include "fs_clock.h"
#include "fs_net_tuning.h"

#define MS 1000000ull

static fs_clock learnt(double ns_per_tick) {
  fs_clock clock;
  fs_clock_reset(&clock, true);
  const uint64_t ticks0 = 5000, ns0 = 7 * 1000 * MS;
  fs_clock_learn(&clock, ticks0, ns0);
  fs_clock_learn(&clock, ticks0 + (uint64_t)(25.0 * MS / ns_per_tick), ns0 + 25 * MS);
  return clock;
}

static void rate_is_learnt_over_the_learning_span(void **state) {
  (void)state;
  fs_clock clock;
  fs_clock_reset(&clock, true);
  fs_clock_learn(&clock, 1000, 1000 * MS);
  fs_clock_learn(&clock, 1000 + 20 * MS, 1010 * MS); /* 10 ms: too short to learn from */
  assert_false(clock.calibrated);
  assert_int_equal(clock.anchor_ticks, 1000); /* the first anchor is kept */
  fs_clock_learn(&clock, 1000 + 50 * MS, 1025 * MS); /* 25 ms at 2 ticks per ns */
  assert_true(clock.calibrated);
  assert_true(clock.counter);
  assert_true(clock.ns_per_tick == 0.5);
  assert_int_equal(fs_clock_from_ticks(&clock, 1000 + 50 * MS + 2000), 1025 * MS + 1000);
  /* A second of ticks before the next check. */
  assert_int_equal(clock.recheck_ticks, (uint64_t)(FS_NET_CLOCK_RECHECK_MS * MS / 0.5));
}

static void a_counter_running_backwards_is_given_up(void **state) {
  (void)state;
  fs_clock clock = learnt(0.4);
  assert_true(clock.counter);
  fs_clock_learn(&clock, clock.anchor_ticks - 1, clock.anchor_ns + 1 * MS);
  assert_false(clock.counter);
}

static void a_lasting_change_of_rate_is_given_up_a_passing_one_is_not(void **state) {
  (void)state;
  fs_clock clock = learnt(0.5);
  /* One check at a rate 5 % off, then back: a strike (the rate kept),
     then forgiven. */
  fs_clock_learn(&clock, clock.anchor_ticks + (uint64_t)(1000.0 * MS / 0.525), clock.anchor_ns + 1000 * MS);
  assert_true(clock.counter);
  assert_int_equal(clock.strikes, 1);
  assert_true(clock.ns_per_tick == 0.5);
  fs_clock_learn(&clock, clock.anchor_ticks + (uint64_t)(1000.0 * MS / 0.5), clock.anchor_ns + 1000 * MS);
  assert_true(clock.counter);
  assert_int_equal(clock.strikes, 0);
  /* Off by 5 %, and again, and again. */
  for (uint32_t k = 0; k < FS_NET_CLOCK_STRIKES; ++k) {
    assert_true(clock.counter);
    const double rate = clock.ns_per_tick * 1.05;
    fs_clock_learn(&clock, clock.anchor_ticks + (uint64_t)(1000.0 * MS / rate), clock.anchor_ns + 1000 * MS);
  }
  assert_false(clock.counter);
  /* Within the tolerance: no strike at all. */
  clock = learnt(0.5);
  fs_clock_learn(&clock, clock.anchor_ticks + (uint64_t)(1000.0 * MS / 0.502), clock.anchor_ns + 1000 * MS);
  assert_int_equal(clock.strikes, 0);
  assert_true(clock.ns_per_tick == 1000.0 * MS / (double)(uint64_t)(1000.0 * MS / 0.502));
}

static void an_absurd_rate_is_given_up(void **state) {
  (void)state;
  fs_clock clock;
  fs_clock_reset(&clock, true);
  fs_clock_learn(&clock, 100, 1000 * MS);
  fs_clock_learn(&clock, 101, 1100 * MS); /* one tick in 100 ms */
  assert_false(clock.counter);
}

static uint64_t system_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Readings bracket the system clock's: ours, then the system's, then ours
   again must come in that order, give or take what a rate learnt over
   20 ms can be off by within a second (generously 1 ms).  Being
   preempted between the readings only widens the bracket, so this holds
   on a busy machine too.  Runs for 1.2 s, past the first re-check. */
static void follow_the_system_clock(fs_clock *clock) {
  const uint64_t slack = 1 * MS;
  uint64_t previous = 0;
  const uint64_t end = system_ns() + 1200 * MS;
  for (uint32_t i = 0; i < 2000000u && system_ns() < end; ++i) {
    const uint64_t before = fs_clock_now(clock);
    const uint64_t system = system_ns();
    const uint64_t after = fs_clock_now(clock);
    assert_true(before <= system + slack);
    assert_true(system <= after + slack);
    assert_true(before >= previous && after >= before); /* never backwards */
    previous = after;
    if (i % 64 == 0) {
      const struct timespec nap = {0, 200000};
      nanosleep(&nap, NULL);
    }
  }
}

static void readings_follow_clock_monotonic(void **state) {
  (void)state;
  fs_clock clock;
  fs_clock_init(&clock);
  follow_the_system_clock(&clock);
  /* Without the counter, the same. */
  fs_clock_reset(&clock, false);
  follow_the_system_clock(&clock);
  assert_false(clock.calibrated);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(rate_is_learnt_over_the_learning_span),
      cmocka_unit_test(a_counter_running_backwards_is_given_up),
      cmocka_unit_test(a_lasting_change_of_rate_is_given_up_a_passing_one_is_not),
      cmocka_unit_test(an_absurd_rate_is_given_up),
      cmocka_unit_test(readings_follow_clock_monotonic),
  };
  return cmocka_run_group_tests_name("fs_clock", tests, NULL, NULL);
}

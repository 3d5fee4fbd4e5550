/*
  fs_clock: CLOCK_MONOTONIC in nanoseconds, cheap enough to read twice per
  hop for the deadline check.

  Where the CPU has an invariant time-stamp counter (x86-64 that says so),
  a reading is the counter scaled by a rate learnt from clock_gettime():
  about 10 ns, against 30 to 50 ns for clock_gettime() itself on a virtual
  machine.  The rate is learnt over the first 20 ms of readings (which go
  to clock_gettime() meanwhile) and checked against clock_gettime() again
  every second, each time starting from a fresh pair of readings, so the
  counter is only ever trusted across one second.  A counter that runs
  backwards, or whose rate moves by more than 1 % three checks in a row, is
  given up for the rest of the session and every reading goes to
  clock_gettime().  Readings never go backwards.

  The struct is plain data: embed it and call fs_clock_init() at
  instantiation.  fs_clock_now() is for the audio thread (the only system
  call it makes is clock_gettime()).  fs_clock_learn() is the state machine
  on its own, for tests.
*/
#ifndef FS_CLOCK_H
#define FS_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define FS_CLOCK_TSC 1
#include <x86intrin.h>
#endif

typedef struct {
  bool counter;    /* read through the time-stamp counter */
  bool calibrated; /* ns_per_tick is known */
  uint32_t strikes;
  uint64_t anchor_ticks, anchor_ns; /* the last pair read together */
  uint64_t recheck_ticks;           /* about a second of ticks */
  double ns_per_tick;
  uint64_t last_ns; /* the last reading handed out */
} fs_clock;

/* Instantiation: asks the CPU whether it has an invariant counter. */
void fs_clock_init(fs_clock *clock);

/* The time when the counter cannot answer on its own: clock_gettime(),
   learning from it on the way.  fs_clock_now() calls it; not for others. */
uint64_t fs_clock_now_system(fs_clock *clock);

/* The counter's reading (0 where there is none). */
static inline uint64_t fs_clock_ticks(void) {
#if defined(FS_CLOCK_TSC)
  return __rdtsc();
#else
  return 0;
#endif
}

/* The time the counter reading `ticks` stands for, from the anchor.  For
   readings at most a recheck span (about a second) past the anchor, where
   signed 64-bit conversions hold the count exactly and take one
   instruction each. */
static inline uint64_t fs_clock_from_ticks(const fs_clock *clock, uint64_t ticks) {
  return clock->anchor_ns + (uint64_t)(int64_t)((double)(int64_t)(ticks - clock->anchor_ticks) * clock->ns_per_tick);
}

/* Hands a reading out, never one before the last (a re-anchoring may step
   back by a few microseconds). */
static inline uint64_t fs_clock_hand_out(fs_clock *clock, uint64_t ns) {
  ns = ns < clock->last_ns ? clock->last_ns : ns;
  clock->last_ns = ns;
  return ns;
}

/* The time, ns on CLOCK_MONOTONIC's scale.  Inline, because it is read
   twice a hop: the usual reading is the counter, one multiply from the
   anchor. */
static inline uint64_t fs_clock_now(fs_clock *clock) {
  if (clock->counter && clock->calibrated) {
    const uint64_t ticks = fs_clock_ticks();
    if (ticks - clock->anchor_ticks < clock->recheck_ticks) { /* also false when behind the anchor */
      return fs_clock_hand_out(clock, fs_clock_from_ticks(clock, ticks));
    }
  }
  return fs_clock_now_system(clock);
}

/* Instantiation or tests: as fs_clock_init() with the counter on or off,
   whatever the CPU says (a test may then feed fs_clock_learn()). */
void fs_clock_reset(fs_clock *clock, bool counter);

/* Takes a pair of readings made together (ticks first, then ns) and
   re-anchors on them, learning or checking the rate. */
void fs_clock_learn(fs_clock *clock, uint64_t ticks, uint64_t ns);

#endif

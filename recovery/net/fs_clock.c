/* fs_clock: see fs_clock.h. */
#include "fs_clock.h"

#include "fs_net_tuning.h"

#include <math.h>
#include <time.h>

#if defined(FS_CLOCK_TSC)
#include <cpuid.h>
#endif

static uint64_t system_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(FS_CLOCK_TSC)
/* CPUID 0x80000007, EDX bit 8: the counter ticks at one rate in every
   power state, so ticks measure time. */
static bool counter_is_invariant(void) {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(0x80000000u, &eax, &ebx, &ecx, &edx) || eax < 0x80000007u) {
    return false;
  }
  if (!__get_cpuid(0x80000007u, &eax, &ebx, &ecx, &edx)) {
    return false;
  }
  return (edx >> 8) & 1u;
}
#else
static bool counter_is_invariant(void) { return false; }
#endif

void fs_clock_reset(fs_clock *clock, bool counter) {
  *clock = (fs_clock){.counter = counter};
}

void fs_clock_init(fs_clock *clock) { fs_clock_reset(clock, counter_is_invariant()); }

void fs_clock_learn(fs_clock *clock, uint64_t ticks, uint64_t ns) {
  const bool have_anchor = clock->anchor_ns != 0;
  if (have_anchor && ticks < clock->anchor_ticks) {
    clock->counter = false; /* backwards: not one counter for all cores */
    return;
  }
  if (!have_anchor || ns <= clock->anchor_ns) {
    clock->anchor_ticks = ticks;
    clock->anchor_ns = ns;
    return;
  }
  const uint64_t span_ns = ns - clock->anchor_ns;
  if (!clock->calibrated && span_ns < (uint64_t)(FS_NET_CLOCK_LEARN_MS * 1e6)) {
    return; /* keep the first anchor until the span says enough */
  }
  const uint64_t span_ticks = ticks - clock->anchor_ticks;
  const double rate = span_ticks > 0 ? (double)span_ns / (double)span_ticks : 0.0;
  if (!(rate > FS_NET_CLOCK_MIN_NS_PER_TICK && rate < FS_NET_CLOCK_MAX_NS_PER_TICK)) {
    clock->counter = false;
    return;
  }
  if (clock->calibrated && fabs(rate / clock->ns_per_tick - 1.0) > FS_NET_CLOCK_TOLERANCE) {
    /* Off: a pair torn apart by preemption, or a counter that changed
       pace.  The known rate stays, from a fresh anchor; only a change
       seen check after check gives the counter up. */
    if (++clock->strikes >= FS_NET_CLOCK_STRIKES) {
      clock->counter = false;
      return;
    }
  } else {
    clock->strikes = 0;
    clock->ns_per_tick = rate; /* the longer span measures it better */
    clock->recheck_ticks = (uint64_t)(FS_NET_CLOCK_RECHECK_MS * 1e6 / rate);
    clock->calibrated = true;
  }
  clock->anchor_ticks = ticks;
  clock->anchor_ns = ns;
}

uint64_t fs_clock_now_system(fs_clock *clock) {
  uint64_t ns;
  if (!clock->counter) {
    ns = system_ns();
  } else {
    const uint64_t ticks = fs_clock_ticks();
    if (clock->calibrated && ticks >= clock->anchor_ticks && ticks - clock->anchor_ticks < clock->recheck_ticks) {
      ns = fs_clock_from_ticks(clock, ticks);
    } else {
      /* Learning, due for a check, or behind the anchor: the system's
         clock answers, and teaches. */
      ns = system_ns();
      fs_clock_learn(clock, ticks, ns);
    }
  }
  return fs_clock_hand_out(clock, ns);
}

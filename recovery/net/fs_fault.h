/*
  fs_fault: fault injection, the `chaos` control's experiments.

  Every fault is real: it breaks the full path the way a bug or a bad
  machine would, so the net must find and absorb it like any other.  Seven
  act inside the enhancer's hop, through its test hook (fs_enhancer_set_hook:
  the enhancer does not know what they are for), three of them on the
  learned tier's network; two act around it (a CPU stall, a clipping
  boost).  The schedule follows the control hop by hop
  and says when an experiment is over, so that the quarantines it caused
  are lifted.

  Plain struct, no allocation; audio class throughout (init: instantiation).
*/
#ifndef FS_FAULT_H
#define FS_FAULT_H

#include "fs_clock.h"
#include "fs_compiler.h"
#include "fs_controls.h"
#include "fs_enhancer.h"
#include "fs_policy.h"
#include "fs_supervisor.h"

#include <stdbool.h>
#include <stdint.h>

/* Faults injected into the full path's hop. */
typedef enum {
  FS_FAULT_NONE = 0,
  FS_FAULT_STATE_NAN,     /* NaN into the overlap-add memory, every hop */
  FS_FAULT_RUNAWAY_GAIN,  /* gains of x4 in the voice band */
  FS_FAULT_MUSICAL_NOISE, /* random isolated gain peaks in noise */
  FS_FAULT_DENORMALS,     /* denormals into the noise estimate */
  FS_FAULT_LEARNED_NAN,     /* NaN into the network's state, every hop */
  FS_FAULT_LEARNED_FLICKER, /* the network's band gains all 1, then all 0, hop after hop */
  FS_FAULT_LEARNED_MUTE,    /* the network's band gains all 0 */
} fs_fault;

/* One enhancer's hook context. */
typedef struct {
  fs_fault fault;
  uint32_t rng;  /* the musical-noise fault's sequence */
  bool flicker;  /* the flicker fault's phase */
} fs_fault_channel;

typedef struct {
  fs_fault fault;            /* what the enhancers were last told to inject */
  uint64_t chaos_off_since;  /* sample position; UINT64_MAX while on or settled */
  uint64_t chaos_over;       /* samples off after which an experiment is over */
  fs_fault_channel channel[FS_MAX_CHANNELS];
} fs_fault_schedule;

/* Instantiation. */
void fs_fault_init(fs_fault_schedule *schedule, double sample_rate);

/* Audio.  Forgets the last experiment (the caller then calls fs_fault_set). */
void fs_fault_reset(fs_fault_schedule *schedule);

/* Audio.  The enhancer of `channel` was reset: its fault sequence starts
   again, as a freshly made enhancer's would. */
void fs_fault_reseed(fs_fault_schedule *schedule, uint32_t channel);

/* The fault a chaos mode injects inside the enhancer (NONE for the outer ones). */
fs_fault fs_fault_for(fs_chaos_mode chaos);

/* Audio.  The enhancers inject the fault of `chaos` from their next hop on. */
void fs_fault_set(fs_fault_schedule *schedule, fs_chaos_mode chaos, fs_enhancer *const *full, uint32_t channels);

/* Audio.  True when `chaos` breaks the learned tier: the supervisor then
   lets its gains be heard, so the fault is heard and must be absorbed. */
static inline bool fs_fault_is_learned(fs_chaos_mode chaos) {
  return chaos == FS_CHAOS_LEARNED_NAN || chaos == FS_CHAOS_LEARNED_FLICKER || chaos == FS_CHAOS_LEARNED_MUTE;
}

/* Audio.  True when `chaos` acts around the enhancer (after its hop). */
static inline bool fs_fault_is_outer(fs_chaos_mode chaos) {
  return chaos == FS_CHAOS_CPU_STALL || chaos == FS_CHAOS_CLIPPING_BOOST;
}

/* Audio.  The outer faults, after the full tier's hop in `out`: a CPU
   stall (a real one: spin until `stall_until` on `clock`, bounded in case
   the clock stops) or a clipping boost. */
void fs_fault_inject_outer(fs_chaos_mode chaos, fs_clock *clock, uint64_t stall_until, float *const *out,
                           uint32_t channels, uint32_t hop);

/* Audio.  Faults are over: the quarantines they caused in `policy` are lifted. */
void fs_fault_end_experiment(fs_fault_schedule *schedule, fs_policy *policy);

/* Audio.  The chaos control moved from `previous` to `current` at sample
   `now`: when faults have been off long enough, the experiment is over. */
static inline void fs_fault_follow(fs_fault_schedule *schedule, fs_chaos_mode previous, fs_chaos_mode current,
                                   uint64_t now, fs_policy *policy) {
  if (current != FS_CHAOS_OFF) {
    schedule->chaos_off_since = UINT64_MAX;
  } else if (previous != FS_CHAOS_OFF) {
    schedule->chaos_off_since = now;
    fs_policy_retry_chaos_quarantine(policy, now);
  } else if (FS_UNLIKELY(schedule->chaos_off_since != UINT64_MAX &&
                         now - schedule->chaos_off_since >= schedule->chaos_over)) {
    fs_fault_end_experiment(schedule, policy);
  }
}

#endif

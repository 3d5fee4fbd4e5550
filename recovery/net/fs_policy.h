/*
  fs_policy: the net's decisions, and nothing else.

  Given what the detectors found on a hop, which tier the listener hears
  and the strategy table in force, it decides: which breaker trips, which
  strategy an incident takes next, which graded response (musical-noise
  protection, output trim) is in force, and which tier should be heard.
  It never touches audio or DSP state: what the full path must do about a
  decision (roll back to a snapshot, take new adjustments) it leaves as a
  request in the struct, which the supervisor carries out after the hop's
  decisions (fs_full_path.h).  So every rule here can be tested with plain
  findings and a clock.

  Plain struct, no allocation.  init: instantiation class; everything else
  audio class.
*/
#ifndef FS_POLICY_H
#define FS_POLICY_H

#include "fs_breaker.h"
#include "fs_detectors.h"
#include "fs_event.h"
#include "fs_event_ring.h"
#include "fs_incidents.h"
#include "fs_strategy.h"

#include <stdbool.h>
#include <stdint.h>

/* Findings about no tier in particular (the input): blamed on the heard one. */
#define FS_POLICY_NO_TIER 255u

typedef struct {
  fs_breaker breaker[2]; /* full, light; the bypass cannot fail */
  /* The learned gains of the full tier: open, the full tier is heard with
     its classical gains alone.  Its faults never trip the tiers' breakers. */
  fs_breaker learned;
  bool learned_quarantined_by_chaos;
  fs_incidents incidents;
  bool full_resting; /* full breaker opened for time: do not even run it */
  /* Quarantines entered while faults were being injected (see fs_fault.h). */
  bool quarantined_by_chaos[2];

  /* Graded responses in force on the full path. */
  float protection;
  float trim_db;
  uint64_t last_adjust_need;
  uint64_t adjust_calm;       /* samples of calm before they are lifted */
  uint64_t start_light_until; /* the table's pre-emptive start on the light tier */

  /* Breaker cooldowns in samples: [0] for faults, [1] for overruns. */
  uint64_t cooldown[2];
  uint64_t cooldown_cap[2];

  /* Requests for the full path, carried out and cleared by the caller. */
  bool rebuild_full; /* roll the enhancers back to a known-good snapshot */
  bool full_suspect; /* the full tier's state or gains misbehaved since its last probe began */
  bool adjusted;     /* protection or trim changed: hand them to the enhancers */
  bool repair_learned; /* the network's state may be broken: mend it where it is */
} fs_policy;

/* Instantiation.  Records go to `ring`. */
void fs_policy_init(fs_policy *policy, double sample_rate, fs_event_ring *ring);

/* Audio.  Closed breakers, no incident, no response in force; the
   light-tier start lasts until sample `start_light_until`. */
void fs_policy_reset(fs_policy *policy, uint64_t start_light_until);

/* Audio.  Acts on one tier's findings (tier FS_TIER_FULL, FS_TIER_LIGHT or
   FS_POLICY_NO_TIER for the input's).  Heard tier: the incident's strategy
   decides.  Shadow tier: its breaker hears about it (a failed probe, or a
   count).  `heard` is the tier the mixer is heading to, `chaos_on` whether
   faults are being injected, `context` the hop's record template. */
void fs_policy_handle_findings(fs_policy *policy, const fs_strategy_table *table, const fs_findings *findings,
                               uint32_t tier, uint32_t heard, uint64_t now, bool chaos_on,
                               const fs_event *context);

/* Audio.  Acts on the learned tier's findings (fs_learned_check), made
   while its gains are heard or in shadow: each one is an incident of its
   cause and trips the learned breaker (fails its probe when probing), so
   the full tier falls back to its classical gains and stays heard.  An
   unusable network also asks for its state to be mended
   (`repair_learned`).  Arguments as fs_policy_handle_findings(). */
void fs_policy_handle_learned(fs_policy *policy, const fs_strategy_table *table, const fs_findings *findings,
                              uint32_t heard, uint64_t now, bool chaos_on, const fs_event *context);

/* Audio.  Time passes for the learned breaker (call when it is not idle).
   Returns true when its probe begins this hop: the caller then makes sure
   the network does not start it on broken state. */
bool fs_policy_tick_learned(fs_policy *policy, uint64_t now);

/* Audio.  The learned gains may be heard (their breaker is closed). */
static inline bool fs_policy_learned_allowed(const fs_policy *policy) { return fs_breaker_closed(&policy->learned); }

/* Audio.  Re-warming after a rebuild: only hard faults count yet. */
void fs_policy_keep_severe(fs_findings *findings);

/* Audio.  Time passes for the breakers (call when one is not idle).
   Returns true when the full tier's probe begins this hop: the caller
   then makes sure it does not start on broken state (see
   fs_policy_take_suspect). */
bool fs_policy_tick_breakers(fs_policy *policy, uint64_t now);

/* Audio.  At the start of a probe: true when the full tier's state or
   gains misbehaved (state corrupt, runaway gain) since the last probe
   began, and forgets it.  Such a fault leaves its mark in the state (gain
   memory, the overlap-add tail) for a while after it ends: the probe
   must judge the path, rebuilt from a known-good snapshot, not the
   fault's memory in it, or a fault that ended just before the probe
   fails it and costs a whole cooldown more. */
static inline bool fs_policy_take_suspect(fs_policy *policy) {
  const bool suspect = policy->full_suspect;
  policy->full_suspect = false;
  return suspect;
}

/* Audio.  Both breakers idle: nothing rests the full tier any more. */
static inline void fs_policy_idle(fs_policy *policy) { policy->full_resting = false; }

/* Audio.  True when a graded response is in force and the full path has
   been calm long enough for it to be lifted. */
static inline bool fs_policy_adjustments_due(const fs_policy *policy, uint64_t now) {
  return now - policy->last_adjust_need > policy->adjust_calm &&
         (policy->protection > 0.0f || policy->trim_db < 0.0f);
}

/* Audio.  Lifts the graded responses. */
void fs_policy_end_adjustments(fs_policy *policy);

/* Audio.  The tier the listener should hear from this hop on. */
uint32_t fs_policy_choose_tier(const fs_policy *policy, bool enabled, uint64_t now);

/* Audio.  Faults are over: tiers they quarantined come back. */
void fs_policy_release_chaos_quarantine(fs_policy *policy);

/* Audio.  The chaos control was switched off at `now`: tiers the
   injection quarantined are probed again at once (first cooldown, no
   backoff) and heard when a probe passes, rather than when the
   experiment is over a second later. */
void fs_policy_retry_chaos_quarantine(fs_policy *policy, uint64_t now);

#endif

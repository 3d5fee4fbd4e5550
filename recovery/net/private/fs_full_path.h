/*
  fs_full_path: the supervisor's care of the full tier (the enhancers).

  Running it for a hop (or resting it, keeping its hum combs in time),
  taking it up again after skipped hops, measuring what it wrote for the
  detectors, keeping two known-good snapshots of its state and rolling it
  back to one, and handing it the graded responses the policy decided.
  Its learned gains too: watching them, mending the network's state from
  a snapshot, and handing the enhancers the share they may play.

  Audio class throughout; operates on the supervisor's instance
  (fs_supervisor_state.h), private to recovery/net/.
*/
#ifndef FS_FULL_PATH_H
#define FS_FULL_PATH_H

#include "fs_detectors.h"
#include "fs_supervisor_state.h"

#include <stdbool.h>

/* Back to a cold start: fresh enhancers, no snapshot, the learned share
   at the one allowed by the pending controls. */
void fs_full_reset(fs_supervisor *sup);

/* Runs the full path for one hop of `in` into `out`, with its injected
   faults, and checks the clock (a deadline finding goes to `findings`).
   Returns false when it was not run (breaker, rest or spent budget). */
bool fs_full_run(fs_supervisor *sup, const float *const *in, float *const *out, fs_findings *findings);

/* What the full tier wrote into `out`, for its detectors, against the dry
   reference (`ref_peak`, `ref_energy` per channel). */
void fs_full_observe(fs_supervisor *sup, float *const *out, const float *ref_peak, const float *ref_energy,
                     fs_tier_observation *full);

/* A known-good copy of the state, in the older of the two slots. */
void fs_full_take_snapshot(fs_supervisor *sup);

/* Rolls the enhancers back to the older known-good snapshot, or to a cold
   start when there is none, then lets them re-warm in shadow. */
void fs_full_rebuild(fs_supervisor *sup);

/* Mends the learned tier's network state of every enhancer whose state
   is not finite, from the older known-good snapshot (or zero), leaving
   the classical path as it is (fs_enhancer_restore_learned). */
void fs_full_repair_learned(fs_supervisor *sup);

/* The share of the learned gains the enhancers should play from the next
   hop: the allowed one (fs_supervisor_set_learned_allowed, unless the
   `use_learned` control is off; 1 under a learned chaos mode) while the
   learned breaker is closed, else 0. */
void fs_full_set_learned_share(fs_supervisor *sup);

/* True while the learned gains are to be watched: they may be heard, or
   are proving themselves in shadow after a fault, or a learned chaos mode
   is on.  With none allowed (the `use_learned` control off, or the net
   told 0) nobody wants them, and a finding about them would only be
   noise in the journal. */
bool fs_full_learned_watched(const fs_supervisor *sup);

/* The learned tier's detectors on each channel's shadow report of the
   hop just run (and its input's periodicity); appends findings, only the
   severe ones while the full tier re-warms. */
void fs_full_check_learned(fs_supervisor *sup, fs_findings *findings);

/* The learned gains' share in what the enhancers played this hop, the
   mean over the channels (0 on a hop the network was invalid). */
float fs_full_learned_share_heard(const fs_supervisor *sup);

/* True when every enhancer's whole state is finite (one pass over it). */
bool fs_full_state_finite(const fs_supervisor *sup);

/* The policy's graded responses (and the table's pre-emptive trim) to
   the enhancers. */
void fs_full_set_adjustments(fs_supervisor *sup);

#endif

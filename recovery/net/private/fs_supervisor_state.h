/*
  fs_supervisor_state: the supervisor's instance, shared by the units that
  carry out its hop (fs_supervisor.c, fs_full_path.c, fs_hop_mix.c).
  Private to recovery/net/: its users do not see private/.

  Threading: as fs_supervisor.h (written by the audio thread only, but for
  the table hand-over fields, which are atomics).
*/
#ifndef FS_SUPERVISOR_STATE_H
#define FS_SUPERVISOR_STATE_H

#include "fs_clock.h"
#include "fs_detectors.h"
#include "fs_enhancer.h"
#include "fs_fault.h"
#include "fs_geometry.h"
#include "fs_guard.h"
#include "fs_hopper.h"
#include "fs_light.h"
#include "fs_measure.h"
#include "fs_meter.h"
#include "fs_mixer.h"
#include "fs_policy.h"
#include "fs_supervisor.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct fs_supervisor {
  fs_geometry geometry;
  uint32_t channels;
  fs_hopper *hopper;
  fs_measure_fn measure; /* the widest measuring pass this CPU runs */

  /* The tiers, one instance per channel, all late by geometry.hop_latency.
     The full tier writes its hop straight into the hop's output.  The dry
     line is the hopper's own history of input hops, with non-finite
     samples zeroed once they have been read as they came: it is both the
     bypass tier and what the light tier's gain is applied to. */
  uint32_t dry_delay; /* hops */
  fs_enhancer *full[FS_MAX_CHANNELS];
  fs_light *light[FS_MAX_CHANNELS];
  float *light_out[FS_MAX_CHANNELS]; /* the light tier's hop, rendered only when it is used */
  fs_guard_level full_level[FS_MAX_CHANNELS]; /* the full tier's hop as the guard would measure it */
  uint32_t full_nonfinite;                    /* this hop's non-finite full-tier samples */

  /* Peak and energy of each input hop still in the dry line, so the dry
     signal leaving it is never measured again (ring of delay hops + 1). */
  float *input_peak[FS_MAX_CHANNELS];
  float *input_energy[FS_MAX_CHANNELS];
  uint32_t input_slots;
  uint32_t input_next;

  /* Known-good copies of the enhancers' state, two slots taken in turn. */
  void *snapshot[2][FS_MAX_CHANNELS];
  bool snapshot_valid[2];
  uint64_t snapshot_at[2];
  uint32_t snapshot_next;
  uint32_t clean_hops;  /* clean hops since the last snapshot */
  bool scanned_whole;   /* this hop's state check read the whole state */

  fs_guard *guard;
  float ceiling_db; /* the ceiling control the linear one below was made from */
  float ceiling;
  float reduction_db; /* last reduction handed to the tiers (NaN: hand it again) */
  fs_mixer mixer;
  bool full_needs_resync;
  uint32_t full_warmup; /* hops in which the full tier's soft findings are ignored */
  fs_input_monitor input_monitor;
  fs_tier_monitor tier_monitor[2];
  /* The full tier's learned gains: watched per channel while they may be
     heard; the share they may have when their breaker is closed
     (fs_supervisor_set_learned_allowed), and the share last handed to the
     enhancers (NaN: hand it again). */
  fs_learned_thresholds learned_thresholds;
  fs_learned_monitor learned_monitor[FS_MAX_CHANNELS];
  float learned_allowed;
  float learned_share;
  fs_policy policy;       /* breakers, incidents, graded responses */
  fs_fault_schedule faults; /* the chaos control's experiments */
  fs_event_ring *ring;

  /* Strategy tables: the audio thread reads tables[active]; the worker
     writes the other one only while `pending` is false. */
  fs_strategy_table tables[2];
  atomic_int active_table;
  atomic_bool table_pending;

  /* Controls: `pending` is what the host set, `active` what this hop uses. */
  fs_controls pending;
  fs_controls active;
  bool first_hop; /* after reset: start on the chosen tier without a fade */

  /* The current host call, timed by the deadline clock. */
  fs_clock clock;
  uint32_t host_period;
  uint32_t call_block;
  uint64_t call_start_ns;
  uint64_t clock_ns; /* the call's last clock reading, 0 for none yet */
  double call_budget_ns;
  uint32_t budget_period; /* what call_budget_ns was made from */
  float budget_pct;
  float budget_scale;
  bool budget_spent;

  uint64_t now;  /* hop-grid clock, samples */
  uint64_t hops; /* the same clock in hops (no division on the hop path) */
  fs_meter meter;

  fs_status status;
};

static inline const fs_strategy_table *fs_supervisor_table(const fs_supervisor *sup) {
  return &sup->tables[atomic_load_explicit(&sup->active_table, memory_order_relaxed)];
}

#endif

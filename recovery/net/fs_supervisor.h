/*
  fs_supervisor: the safety net around the tiers, between the plugin's
  run() and the host.

    host block -> hop framer -> per hop:
      input check -> tiers (full, light, dry bypass; one latency)
      -> detectors -> breakers and strategies -> mixer -> output guard
    -> host

  Every decision is taken on the fixed hop grid and a finding changes the
  output of the very hop it was made in, so the output never depends on how
  the host cuts its blocks (faults that depend on time, deadline overruns,
  aside).  Incidents go to a lock-free ring for the worker; the worker's
  conclusions come back as a strategy table through offer_table().

  Threading:
  - create/destroy: instantiation class (allocates everything).
  - offer_table, events (consumer side): worker class, any one thread.
  - everything else: audio class.
*/
#ifndef FS_SUPERVISOR_H
#define FS_SUPERVISOR_H

#include "fs_breaker.h"
#include "fs_controls.h"
#include "fs_event_ring.h"
#include "fs_strategy.h"

#include <stdbool.h>
#include <stdint.h>

#define FS_MAX_CHANNELS 2u

typedef enum { FS_TIER_FULL = 0, FS_TIER_LIGHT = 1, FS_TIER_BYPASS = 2 } fs_tier;

/* What the plugin shows on its output ports, and more for tests and hosts. */
typedef struct {
  uint32_t latency;   /* samples, constant for the instance */
  fs_tier tier;       /* what the listener mostly hears now */
  fs_tier heading;    /* where the crossfade is going (== tier once settled) */
  bool settled;       /* no crossfade under way */
  float health;       /* 0..100 */
  uint32_t incidents; /* since the last reset */
  int cause;          /* fs_cause of the last incident */
  float dsp_load;     /* % of real time, smoothed */
  fs_breaker_state breaker[2]; /* full, light */
  uint64_t position;  /* samples processed on the hop grid */
  uint64_t guard_limited;   /* samples the limiter turned down */
  uint64_t guard_clamped;   /* samples the hard clamp had to hold */
  uint64_t guard_nonfinite; /* non-finite samples that reached the guard */
  uint64_t substituted;     /* tier samples replaced by a lower tier's */
  uint64_t deadline_skips;  /* hops where the full path was skipped for time */
  uint64_t events_dropped;  /* incident records lost to a full ring */
  uint32_t table_version;   /* strategy table in force */
  float learned;            /* share of the learned gains in what the full tier played, 0..1 */
  fs_breaker_state learned_breaker;
} fs_status;

typedef struct fs_supervisor fs_supervisor;

/* Instantiation.  channels is 1 or 2.  NULL on failure. */
fs_supervisor *fs_supervisor_create(double sample_rate, uint32_t channels);
void fs_supervisor_destroy(fs_supervisor *sup);

/* Reported latency in samples. */
uint32_t fs_supervisor_latency(const fs_supervisor *sup);

/* Audio.  Back to silence, the full tier and closed breakers (activate()). */
void fs_supervisor_reset(fs_supervisor *sup);

/* Audio.  Controls arrive already clamped; they take effect at the next hop
   boundary, so a change never depends on where the host cut the block. */
void fs_supervisor_set_controls(fs_supervisor *sup, const fs_controls *controls);

/* Audio.  The host's nominal block length (0: unknown, then each call's own
   length is its period).  Sets the real-time period the budget applies to. */
void fs_supervisor_set_host_period(fs_supervisor *sup, uint32_t nominal_block);

/* Audio.  The share of the learned gains the full tier plays while they
   behave (their breaker closed), 0..1 (clamped; NaN is 0).  Until called:
   FS_LEARNED_SHARE_DEFAULT.  The `use_learned` control (fs_controls)
   off makes it 0.  While a learned chaos mode is on, 1 whatever was set,
   so the fault is heard and must be absorbed.  Takes effect at the next
   hop boundary and survives reset. */
void fs_supervisor_set_learned_allowed(fs_supervisor *sup, float share);

/* Audio.  Any n (0 too); in[c] may equal out[c].  Sets FTZ/DAZ for the
   call and restores the caller's floating-point state on return. */
void fs_supervisor_process(fs_supervisor *sup, const float *const *in, float *const *out, uint32_t n);

/* Audio.  Current figures. */
void fs_supervisor_status(const fs_supervisor *sup, fs_status *status);

/* Worker.  Hands over a new strategy table; it takes effect at the start of
   a later hop.  false when the previous one has not been taken yet (try
   again later).  Never blocks either side. */
bool fs_supervisor_offer_table(fs_supervisor *sup, const fs_strategy_table *table);

/* Worker.  The incident ring to drain (the worker is its only consumer). */
fs_event_ring *fs_supervisor_events(fs_supervisor *sup);

#endif

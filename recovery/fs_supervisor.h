/*
  fs_supervisor: the audio path between the plugin's run() and the host.

  host block -> hop framer -> every tier on the same hop (full, light and
  the dry bypass, all with the same latency) -> mix -> output guard -> host

  Tiers are always computed on whole hops (see fs_hopper.h), so the output
  never depends on how the host cuts its blocks, and every decision is
  taken on that same grid.

  Threading:
  - create/destroy: instantiation class (allocates everything).
  - reset, set_controls, process, status: audio class.
*/
#ifndef FS_SUPERVISOR_H
#define FS_SUPERVISOR_H

#include "fs_controls.h"

#include <stdint.h>

#define FS_MAX_CHANNELS 2u

typedef enum { FS_TIER_FULL = 0, FS_TIER_LIGHT = 1, FS_TIER_BYPASS = 2 } fs_tier;

/* What the plugin shows on its output ports. */
typedef struct {
  uint32_t latency;   /* samples, constant for the instance */
  fs_tier tier;       /* what the listener hears now */
  float health;       /* 0..100 */
  uint32_t incidents; /* since the last reset */
  int cause;          /* fs_cause of the last incident */
  float dsp_load;     /* % of real time, smoothed */
  /* Counters of the output guard: how often it had to step in. */
  uint64_t guard_nonfinite; /* samples replaced because they were not finite */
  uint64_t guard_clamped;   /* samples held at the ceiling */
} fs_status;

typedef struct fs_supervisor fs_supervisor;

/* Instantiation.  channels is 1 or 2.  NULL on failure. */
fs_supervisor *fs_supervisor_create(double sample_rate, uint32_t channels);
void fs_supervisor_destroy(fs_supervisor *sup);

/* Reported latency in samples. */
uint32_t fs_supervisor_latency(const fs_supervisor *sup);

/* Audio.  Back to silence and the full tier, as after activate(). */
void fs_supervisor_reset(fs_supervisor *sup);

/* Audio.  Controls arrive already clamped; they take effect at the next hop
   boundary, so a change never depends on where the host cut the block. */
void fs_supervisor_set_controls(fs_supervisor *sup, const fs_controls *controls);

/* Audio.  Any n (0 too); in[c] may equal out[c].  Sets FTZ/DAZ for the
   call and restores the caller's floating-point state on return. */
void fs_supervisor_process(fs_supervisor *sup, const float *const *in, float *const *out, uint32_t n);

/* Audio.  Current figures for the output ports. */
void fs_supervisor_status(const fs_supervisor *sup, fs_status *status);

#endif

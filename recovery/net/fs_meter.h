/*
  fs_meter: the figures the plugin shows about itself, load and health.

  Load: the time the calls took over the audio they covered, averaged over
  a window and smoothed.  Health: 100 on the full tier, less on a lower
  one or with a tier quarantined, minus a penalty for each new incident
  that fades over a few seconds.

  Plain struct; init: instantiation class; the rest audio class.
*/
#ifndef FS_METER_H
#define FS_METER_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  double sample_rate;
  uint64_t load_ns;
  uint64_t load_samples;
  bool load_valid;
  float health_penalty;
  float health_decay; /* per hop */
} fs_meter;

/* Instantiation. */
void fs_meter_init(fs_meter *meter, double sample_rate, uint32_t hop);

/* Audio.  Forgets the load measured so far and every penalty. */
void fs_meter_reset(fs_meter *meter);

/* Audio.  One call of `n` samples took `elapsed_ns`; `dsp_load` (% of real
   time) is updated once a window is full. */
void fs_meter_load(fs_meter *meter, uint64_t elapsed_ns, uint32_t n, float *dsp_load);

/* Audio, once per hop.  Health 0..100 after `new_incidents` this hop, with
   `heard` the tier heading to the listener (fs_tier). */
float fs_meter_health(fs_meter *meter, uint32_t new_incidents, bool enabled, uint32_t heard, bool any_quarantined);

#endif

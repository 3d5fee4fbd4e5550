/*
  fs_light: tier 1, the light path.  A cheap time-domain voice cleaner
  (a smooth, look-ahead downward expander) that the safety net can fall
  back to at any sample.  Its output is late by exactly the same
  geometry.hop_latency as the full path, so the two crossfade
  sample-aligned.  It must never make speech worse than its input.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_LIGHT_H
#define FS_LIGHT_H

#include "fs_geometry.h"

#include <stdint.h>

typedef struct fs_light fs_light;

fs_light *fs_light_create(double sample_rate);
void fs_light_destroy(fs_light *light);
const fs_geometry *fs_light_geometry(const fs_light *light);
void fs_light_reset(fs_light *light);

/* Maximum attenuation of the expander in dB, same range and clamping as
   fs_enhancer_set_reduction(). */
void fs_light_set_reduction(fs_light *light, float reduction_db);

/* Exactly one hop in and out, late by geometry.hop_latency; may alias. */
void fs_light_process_hop(fs_light *light, const float *in, float *out);

#endif

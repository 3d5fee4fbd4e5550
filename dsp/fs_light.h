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

/* The same in two steps, for a caller that keeps the input's
   hop_latency-late copy itself (the safety net's dry line), so the tier
   costs no delay of its own and nothing per sample until it is heard:
   - update(): once per hop, with the sum of squares of the newest input
     hop (non-finite samples counted as 0).  Decides the hop's gain ramp.
   - render(): the ramp applied to the input hop_latency late (one hop of
     the caller's delay line, all finite); any number of times per hop,
     none at all when nobody listens.  delayed and out may alias.
   process_hop() is exactly update() on the sanitised input, then render()
   on its own delay. */
void fs_light_update(fs_light *light, float energy);
void fs_light_render(const fs_light *light, const float *delayed, float *out);

/* The largest gain of the current hop's ramp, never above 1: render()'s
   output is never louder than this times the delayed input (to rounding). */
float fs_light_gain_peak(const fs_light *light);

/* The tracked noise floor, as a mean square per sample (1e-4 is -40 dBFS);
   for tests and meters. */
float fs_light_noise_floor(const fs_light *light);

#endif

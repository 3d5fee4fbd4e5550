/*
  fs_guard: the output guard, the last thing every tier passes through.

  - Nothing over the ceiling: a look-ahead limiter.  Its look-ahead costs no
    latency, because every tier's output is hop_latency samples late on the
    hop grid, so the input that will reach the output is known that far in
    advance.  The limiter keys on that input (stereo-linked), dips smoothly
    before a peak arrives and releases slowly after it.
  - Non-finite input is keyed as infinitely loud, so the output fades to
    zero around a NaN/Inf burst instead of clicking.
  - What the prediction misses (a tier that made a sample louder than its
    input) is held by a hard clamp, the last resort, and counted: the
    supervisor treats any clamp as a finding against the tier.
  - Non-finite samples that still arrive become 0; denormals become 0.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_GUARD_H
#define FS_GUARD_H

#include <stdint.h>

typedef struct {
  uint32_t limited;   /* samples where the limiter's gain was below 1 */
  uint32_t clamped;   /* samples the hard clamp had to hold */
  uint32_t nonfinite; /* non-finite samples that reached the guard */
  float min_gain;     /* deepest limiter gain in the hop */
  float peak_in;      /* largest |sample| offered to the guard */
} fs_guard_stats;

typedef struct fs_guard fs_guard;

/* lookahead must not exceed hop_latency + 1; it is clamped if it does. */
fs_guard *fs_guard_create(uint32_t channels, uint32_t hop, uint32_t hop_latency, uint32_t lookahead,
                          uint32_t release_samples);
void fs_guard_destroy(fs_guard *guard);
void fs_guard_reset(fs_guard *guard);

/* Feeds one hop of raw host input (hop_latency ahead of the output the
   next fs_guard_apply() call guards). */
void fs_guard_analyse(fs_guard *guard, const float *const *hop_in, float ceiling);

/* The same for a caller that has already measured the hop: `peak` is its
   largest |x| over all channels, INFINITY when any sample is not finite. */
void fs_guard_analyse_peak(fs_guard *guard, const float *const *hop_in, float ceiling, float peak);

/* The linear ceiling for a level in dBFS, rounded down to the float just
   under the exact value: a float power rounded up would let samples pass
   a hair over the promised ceiling. */
float fs_guard_ceiling(float ceiling_db);

/* Guards one hop of output in place.  A hop with every sample finite,
   none above the ceiling, no denormal and no limiting in flight is left as
   it is after one read-only pass. */
void fs_guard_apply(fs_guard *guard, float *const *hop_out, float ceiling, fs_guard_stats *stats);

/* What a caller already knows of one channel of the hop it offers. */
typedef struct {
  uint32_t peak_bits; /* fs_peak_bits() of the hop */
  uint32_t tiny;      /* its denormals, as fs_peak_bits_tiny() counts them */
} fs_guard_level;

/* fs_guard_apply() without that pass: known[c] describes hop_out[c]
   exactly (NULL: measure).  The usual hop then costs nothing per sample. */
void fs_guard_apply_known(fs_guard *guard, float *const *hop_out, float ceiling, const fs_guard_level *known,
                          fs_guard_stats *stats);

#endif

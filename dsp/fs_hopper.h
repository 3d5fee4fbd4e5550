/*
  fs_hopper: turns host blocks of any length into fixed hops.

  The host may call with 1 sample or 8192; the tiers always see whole hops.
  A hop is processed the moment its last sample arrives, and its output is
  played out over the next hop, which costs exactly hop - 1 samples of
  latency.  Because nothing depends on where the host cut its blocks, the
  output is bit-identical for any block pattern.

  It can also keep the input hops before the current one (a history of
  whole hops, in the buffers it collected them in): a caller that needs its
  input again a whole number of hops later, like the safety net's dry line,
  reads it there instead of copying every hop.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_HOPPER_H
#define FS_HOPPER_H

#include <stdint.h>

#define FS_HOPPER_MAX_CHANNELS 2u

/* Called once per complete hop with `channels` input and output hops. */
typedef void (*fs_hop_fn)(void *context, const float *const *hop_in, float *const *hop_out);

typedef struct fs_hopper fs_hopper;

fs_hopper *fs_hopper_create(uint32_t channels, uint32_t hop);

/* The same, keeping `past_hops` input hops besides the current one. */
fs_hopper *fs_hopper_create_with_history(uint32_t channels, uint32_t hop, uint32_t past_hops);
void fs_hopper_destroy(fs_hopper *hopper);
void fs_hopper_reset(fs_hopper *hopper);

/* Samples of delay the framing itself adds: hop - 1. */
uint32_t fs_hopper_latency(const fs_hopper *hopper);

/* Where the next sample lands inside the current hop (0 .. hop-1). */
uint32_t fs_hopper_fill(const fs_hopper *hopper);

/* Audio, inside the hop callback: channel c's input hop `ago` hops before
   the one being processed (0 is that one, the callback's hop_in[c]), up to
   past_hops; silence before the first hops.  Writable, for a caller that
   cleans a hop for its later reads once it has read it as it came; the
   hopper itself never reads it again. */
float *fs_hopper_input_hop(fs_hopper *hopper, uint32_t channel, uint32_t ago);

/* Audio.  Any n (0 too); in[c] may equal out[c]. */
void fs_hopper_process(fs_hopper *hopper, const float *const *in, float *const *out, uint32_t n,
                       fs_hop_fn on_hop, void *context);

#endif

/*
  fs_delay: a fixed integer delay line.  The bypass tier is the dry input
  through one of these, set to the tiers' common hop latency, so a switch
  to bypass never shifts time.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_DELAY_H
#define FS_DELAY_H

#include <stdint.h>

typedef struct fs_delay fs_delay;

fs_delay *fs_delay_create(uint32_t delay_samples);
void fs_delay_destroy(fs_delay *delay);
void fs_delay_reset(fs_delay *delay);
uint32_t fs_delay_length(const fs_delay *delay);

/* Any n; in and out may alias. */
void fs_delay_process(fs_delay *delay, const float *in, float *out, uint32_t n);

/*
  fs_hop_delay: the same delay for a caller on a hop grid, when the delay is
  a whole number of hops.  The ring holds delay_hops + 1 hops; the caller
  writes each new hop straight into its slot and reads the delayed hop where
  it lies, so a hop costs one copy in and none out.  The safety net keeps
  its dry input here and every tier that needs the latency-aligned dry
  signal (bypass, light) reads the same samples.
*/
typedef struct fs_hop_delay fs_hop_delay;

fs_hop_delay *fs_hop_delay_create(uint32_t delay_hops, uint32_t hop);
void fs_hop_delay_destroy(fs_hop_delay *delay);
void fs_hop_delay_reset(fs_hop_delay *delay);

/* Where this hop's input goes (hop samples).  Write it before reading
   fs_hop_delay_out(), which is the same slot when delay_hops is 0. */
float *fs_hop_delay_in(fs_hop_delay *delay);

/* This hop's output: the input written delay_hops hops ago (zeros after a
   reset).  Valid until fs_hop_delay_advance(). */
const float *fs_hop_delay_out(const fs_hop_delay *delay);

/* On to the next hop. */
void fs_hop_delay_advance(fs_hop_delay *delay);

#endif

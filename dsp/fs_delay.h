/*
  fs_delay: a fixed integer delay line, for delays that are not a whole
  number of hops (the light tier's look-ahead).  The safety net's own dry
  line is the hop framer's history of input hops (fs_hopper.h).

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

#endif

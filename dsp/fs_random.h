/*
  fs_random: a tiny seeded generator (xorshift32) for the places that need
  repeatable pseudo-randomness on the audio thread: breaker jitter and
  fault injection.  Same seed, same sequence, so runs stay repeatable.
*/
#ifndef FS_RANDOM_H
#define FS_RANDOM_H

#include <stdint.h>

/* Advances *state (never 0) and returns the new value. */
static inline uint32_t fs_random_next(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

#endif

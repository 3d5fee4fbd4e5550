/*
  test_random: the seeded generators every test draws from, so a test's
  material is the same on every run and every machine, and no test keeps a
  generator of its own.  Header-only and self-contained: tests of folders
  that cannot see dsp/ (worker/, lv2/) use it too.

  - test_random(): xorshift32, the very sequence of dsp/fs_random.h
    (tests/dsp/test_fs_measure.c checks the two agree); state never 0.
  - test_uniform(): a float uniform in [-1, 1) from it.
  - test_random64(): splitmix64, for 64-bit draws; any state.
  - test_unit64(): a double uniform in [0, 1) from it.
*/
#ifndef TEST_RANDOM_H
#define TEST_RANDOM_H

#include <stdint.h>

static inline uint32_t test_random(uint32_t *state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

static inline float test_uniform(uint32_t *state) {
  return (float)(test_random(state) >> 8) / 8388608.0f - 1.0f;
}

static inline uint64_t test_random64(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline double test_unit64(uint64_t *state) {
  return (double)(test_random64(state) >> 11) * (1.0 / 9007199254740992.0);
}

#endif

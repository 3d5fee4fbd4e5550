/* fs_bench_material: see the header. */
#include "fs_bench_material.h"

#include <math.h>
#include <stdlib.h>

/* Voiced bursts with pauses over pink-ish noise: the enhancer does its
   full work on it (tracking, gains, synthesis), as on a real voice. */
float *fs_bench_material(uint32_t frames) {
  float *x = malloc(frames * sizeof(float));
  if (!x) {
    return NULL;
  }
  uint32_t seed = 1;
  float pink = 0.0f;
  for (uint32_t i = 0; i < frames; ++i) {
    seed = seed * 1664525u + 1013904223u;
    const float white = (float)(seed >> 8) / 8388608.0f - 1.0f;
    pink = 0.98f * pink + 0.02f * white * 4.0f;
    const float t = (float)i / 48000.0f;
    const float syllable = fmaxf(0.0f, sinf(2.0f * 3.14159265f * 3.1f * t));
    const float voiced = ((i / 96000) % 3 != 2) ? syllable : 0.0f;
    const float f0 = 120.0f + 30.0f * sinf(2.0f * 3.14159265f * 0.3f * t);
    float tone = 0.0f;
    for (int h = 1; h <= 8; ++h) {
      tone += sinf(2.0f * 3.14159265f * f0 * (float)h * t) / (float)h;
    }
    x[i] = 0.25f * voiced * tone + 0.05f * pink;
  }
  return x;
}

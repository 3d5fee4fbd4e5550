/*
  bench_irm: see bench_irm.h.
*/
#include "bench_irm.h"

#include "fs_fft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* The corpora mix noisy = a * (clean + n) with a <= 1 (mixtures are scaled
   down to keep their peak at or below 0.9), so the speech in the mixture
   is a * clean, and noisy - clean is not the noise: it would carry
   -(1 - a) * clean.  Least squares of noisy on clean gives
   <noisy, clean> / <clean, clean> = a * (1 + <n, clean> / <clean, clean>),
   which is a up to the noise's chance correlation with the speech (the
   noises are independent of it; babble is the speech shifted and
   reversed, not in step with it).  The speech is then a * clean and the
   noise noisy - a * clean = a * n.  On both corpora no mixture reaches
   the 0.9 peak, so a is 1, and the estimates land within 1 % of it even
   at 0 dB SNR: speech leaks into the noise 40 dB down, nothing to the
   mask.  The mask needs only the ratio of the two, and SI-SDR ignores
   scale, so nothing else depends on a. */
double bench_irm_speech_scale(const float *clean, const float *noisy, size_t length) {
  double cross = 0.0, energy = 0.0;
  for (size_t i = 0; i < length; ++i) {
    cross += (double)noisy[i] * clean[i];
    energy += (double)clean[i] * clean[i];
  }
  return energy > 0.0 ? cross / energy : 0.0;
}

/* One frame of x starting at `at` (may be negative or run past the end:
   zeros there), windowed, into the transform's time buffer. */
static void load_frame(fs_fft *fft, const float *window, const float *x, size_t length, long at,
                       float scale) {
  float *time = fs_fft_time(fft);
  for (long i = 0; i < (long)BENCH_IRM_FRAME; ++i) {
    const long j = at + i;
    time[i] = (j >= 0 && j < (long)length) ? scale * x[j] * window[i] : 0.0f;
  }
}

float *bench_irm_run(const float *clean, const float *noisy, size_t length) {
  const uint32_t frame = BENCH_IRM_FRAME, hop = BENCH_IRM_HOP, bins = frame / 2 + 1;
  const float a = (float)bench_irm_speech_scale(clean, noisy, length);
  float *noise = malloc(length * sizeof(float));
  for (size_t i = 0; i < length; ++i) {
    noise[i] = noisy[i] - a * clean[i];
  }
  float window[BENCH_IRM_FRAME];
  for (uint32_t i = 0; i < frame; ++i) {
    window[i] = (float)sqrt(0.5 - 0.5 * cos(2.0 * PI * i / frame));
  }
  fs_fft *fft = fs_fft_create(frame);
  if (!fft) {
    fprintf(stderr, "ideal ratio mask: no FFT\n");
    exit(1);
  }
  float *spectrum = fs_fft_spectrum(fft);
  float *mask = malloc(bins * sizeof(float));
  float *out = calloc(length, sizeof(float));
  /* Frames from -hop on, so every sample is covered by two frames and the
     overlap-add is complete from the first sample on. */
  for (long at = -(long)hop; at < (long)length; at += hop) {
    load_frame(fft, window, clean, length, at, a);
    fs_fft_forward(fft);
    for (uint32_t k = 0; k < bins; ++k) {
      mask[k] = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1];
    }
    load_frame(fft, window, noise, length, at, 1.0f);
    fs_fft_forward(fft);
    for (uint32_t k = 0; k < bins; ++k) {
      const float speech = mask[k];
      const float rest = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1];
      /* Digital silence in both: the mixture is silent there too, any
         gain will do. */
      mask[k] = speech + rest > 0.0f ? sqrtf(speech / (speech + rest)) : 0.0f;
    }
    load_frame(fft, window, noisy, length, at, 1.0f);
    fs_fft_forward(fft);
    for (uint32_t k = 0; k < bins; ++k) {
      spectrum[2 * k] *= mask[k];
      spectrum[2 * k + 1] *= mask[k];
    }
    fs_fft_inverse(fft);
    const float *time = fs_fft_time(fft);
    for (long i = 0; i < (long)frame; ++i) {
      const long j = at + i;
      if (j >= 0 && j < (long)length) {
        out[j] += time[i] * window[i] * (1.0f / (float)frame); /* the transforms are unnormalised */
      }
    }
  }
  fs_fft_destroy(fft);
  free(mask);
  free(noise);
  return out;
}

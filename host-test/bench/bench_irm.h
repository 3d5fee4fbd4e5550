/*
  bench_irm: the ideal ratio mask, the ceiling of any real-valued gain per
  STFT bin at a given STFT.  Not a peer: it needs the true clean speech and
  noise of each mixture, which only a corpus has.

  STFT: 512-sample frames, hop 256 (10.7 ms / 5.3 ms at 48 kHz),
  periodic sqrt-Hann for analysis and synthesis, so windows multiply to a
  Hann that sums to one at 50 % overlap: with a mask of one the output is
  the input.  Mask per bin: sqrt(S^2 / (S^2 + N^2)) from the speech and
  noise spectra, applied to the mixture's spectrum.  No latency: the
  whole signal is at hand.
*/
#ifndef BENCH_IRM_H
#define BENCH_IRM_H

#include <stddef.h>

#define BENCH_IRM_FRAME 512u
#define BENCH_IRM_HOP 256u

/* The speech scale a in noisy = a * (clean + n): see bench_irm.c. */
double bench_irm_speech_scale(const float *clean, const float *noisy, size_t length);

/* The mixture through the ideal ratio mask made from clean (scaled by
   bench_irm_speech_scale) and the rest of the mixture.  Returns length
   samples (malloc'd), aligned with the input. */
float *bench_irm_run(const float *clean, const float *noisy, size_t length);

#endif

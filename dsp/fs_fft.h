/*
  fs_fft: one real FFT size with its forward (r2c) and inverse (c2r) plans
  and their aligned buffers.

  FFTW's planner is not thread-safe, and hosts instantiate several plugins
  at once, so every plan is made and destroyed under one process-wide
  mutex: the only global mutable state in failsafe.  Plans use
  FFTW_ESTIMATE, which is fast and deterministic at instantiation.

  The transforms are unnormalised: inverse(forward(x)) = size * x.

  Threading: create/destroy instantiation class (they take the planner
  lock); forward/inverse audio class (FFTW's execute is real-time safe).
*/
#ifndef FS_FFT_H
#define FS_FFT_H

#include <stdint.h>

typedef struct fs_fft fs_fft;

/* size: a power of two, at least 4.  NULL on failure. */
fs_fft *fs_fft_create(uint32_t size);
void fs_fft_destroy(fs_fft *fft);

uint32_t fs_fft_size(const fs_fft *fft);

/* The time buffer: size real samples. */
float *fs_fft_time(fs_fft *fft);

/* The spectrum: size/2 + 1 complex bins, interleaved (re, im). */
float *fs_fft_spectrum(fs_fft *fft);

/* time -> spectrum.  The time buffer is left intact. */
void fs_fft_forward(fs_fft *fft);

/* spectrum -> time.  The spectrum buffer is clobbered. */
void fs_fft_inverse(fs_fft *fft);

#endif

#include "fs_fft.h"

#include <fftw3.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* FFTW's planner keeps global tables; this lock serialises every use of
   it across all instances in the process. */
static pthread_mutex_t planner_lock = PTHREAD_MUTEX_INITIALIZER;

struct fs_fft {
  uint32_t size;
  float *time;             /* size reals, FFTW-aligned */
  fftwf_complex *spectrum; /* size/2 + 1 bins, FFTW-aligned */
  fftwf_plan forward;
  fftwf_plan inverse;
};

fs_fft *fs_fft_create(uint32_t size) {
  if (size < 4 || (size & (size - 1)) != 0) {
    return NULL;
  }
  fs_fft *f = calloc(1, sizeof(*f));
  if (!f) {
    return NULL;
  }
  f->size = size;
  f->time = fftwf_malloc(sizeof(float) * size);
  f->spectrum = fftwf_malloc(sizeof(fftwf_complex) * (size / 2 + 1));
  if (!f->time || !f->spectrum) {
    fs_fft_destroy(f);
    return NULL;
  }
  memset(f->time, 0, sizeof(float) * size);
  memset(f->spectrum, 0, sizeof(fftwf_complex) * (size / 2 + 1));

  pthread_mutex_lock(&planner_lock);
  /* FFTW_DESTROY_INPUT is the default for c2r; that is fine because the
     caller rebuilds the spectrum every hop.  r2c keeps its input. */
  f->forward = fftwf_plan_dft_r2c_1d((int)size, f->time, f->spectrum, FFTW_ESTIMATE);
  f->inverse = fftwf_plan_dft_c2r_1d((int)size, f->spectrum, f->time, FFTW_ESTIMATE);
  pthread_mutex_unlock(&planner_lock);

  if (!f->forward || !f->inverse) {
    fs_fft_destroy(f);
    return NULL;
  }
  return f;
}

void fs_fft_destroy(fs_fft *f) {
  if (!f) {
    return;
  }
  pthread_mutex_lock(&planner_lock);
  if (f->forward) {
    fftwf_destroy_plan(f->forward);
  }
  if (f->inverse) {
    fftwf_destroy_plan(f->inverse);
  }
  pthread_mutex_unlock(&planner_lock);
  fftwf_free(f->time);
  fftwf_free(f->spectrum);
  free(f);
}

uint32_t fs_fft_size(const fs_fft *f) { return f->size; }

float *fs_fft_time(fs_fft *f) { return f->time; }

float *fs_fft_spectrum(fs_fft *f) { return (float *)f->spectrum; }

void fs_fft_forward(fs_fft *f) { fftwf_execute(f->forward); }

void fs_fft_inverse(fs_fft *f) { fftwf_execute(f->inverse); }

#include "fs_stft.h"

#include "fs_fft.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fs_stft {
  uint32_t frame;
  uint32_t hop;
  fs_fft *fft;
  float *analysis_window;  /* sqrt-Hann */
  float *synthesis_window; /* sqrt-Hann / (hops / 2 * frame): OLA gain and FFT scale */
  float *history;          /* the last `frame` input samples, oldest first */
  float *overlap;          /* overlap-add accumulator, `frame` samples */
};

fs_stft *fs_stft_create(uint32_t frame) {
  if (frame < 16 || (frame & (frame - 1)) != 0) {
    return NULL;
  }
  fs_stft *s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->frame = frame;
  s->hop = frame / FS_HOPS_PER_FRAME;
  s->fft = fs_fft_create(frame);
  s->analysis_window = calloc(frame, sizeof(float));
  s->synthesis_window = calloc(frame, sizeof(float));
  s->history = calloc(frame, sizeof(float));
  s->overlap = calloc(frame, sizeof(float));
  if (!s->fft || !s->analysis_window || !s->synthesis_window || !s->history || !s->overlap) {
    fs_stft_destroy(s);
    return NULL;
  }
  /* Periodic window: sin(pi n / N) is the square root of the periodic Hann
     0.5 - 0.5 cos(2 pi n / N), whose copies shifted by every hop add up to
     hops_per_frame / 2; that and the FFT's scale go into the synthesis. */
  const double pi = 3.14159265358979323846;
  const double scale = 1.0 / (0.5 * FS_HOPS_PER_FRAME * frame);
  for (uint32_t n = 0; n < frame; ++n) {
    const double root_hann = sin(pi * n / frame);
    s->analysis_window[n] = (float)root_hann;
    s->synthesis_window[n] = (float)(root_hann * scale);
  }
  return s;
}

void fs_stft_destroy(fs_stft *s) {
  if (!s) {
    return;
  }
  fs_fft_destroy(s->fft);
  free(s->analysis_window);
  free(s->synthesis_window);
  free(s->history);
  free(s->overlap);
  free(s);
}

void fs_stft_reset(fs_stft *s) {
  memset(s->history, 0, s->frame * sizeof(float));
  memset(s->overlap, 0, s->frame * sizeof(float));
}

uint32_t fs_stft_frame(const fs_stft *s) { return s->frame; }
uint32_t fs_stft_hop(const fs_stft *s) { return s->hop; }
uint32_t fs_stft_bins(const fs_stft *s) { return s->frame / 2 + 1; }

float *fs_stft_analyse(fs_stft *s, const float *hop_in) {
  const uint32_t keep = s->frame - s->hop;
  memmove(s->history, s->history + s->hop, keep * sizeof(float));
  fs_sanitize_block(hop_in, s->history + keep, s->hop);
  float *time = fs_fft_time(s->fft);
  for (uint32_t n = 0; n < s->frame; ++n) {
    time[n] = s->history[n] * s->analysis_window[n];
  }
  fs_fft_forward(s->fft);
  return fs_fft_spectrum(s->fft);
}

void fs_stft_synthesise(fs_stft *s, float *hop_out) {
  fs_fft_inverse(s->fft);
  const float *time = fs_fft_time(s->fft);
  for (uint32_t n = 0; n < s->frame; ++n) {
    s->overlap[n] += time[n] * s->synthesis_window[n];
  }
  /* The oldest hop has now had all of its frames added: it is done. */
  memcpy(hop_out, s->overlap, s->hop * sizeof(float));
  const uint32_t keep = s->frame - s->hop;
  memmove(s->overlap, s->overlap + s->hop, keep * sizeof(float));
  memset(s->overlap + keep, 0, s->hop * sizeof(float));
}

size_t fs_stft_state_size(const fs_stft *s) { return 2u * s->frame * sizeof(float); }

void fs_stft_save(const fs_stft *s, void *dst) {
  float *d = dst;
  memcpy(d, s->history, s->frame * sizeof(float));
  memcpy(d + s->frame, s->overlap, s->frame * sizeof(float));
}

void fs_stft_load(fs_stft *s, const void *src) {
  const float *p = src;
  memcpy(s->history, p, s->frame * sizeof(float));
  memcpy(s->overlap, p + s->frame, s->frame * sizeof(float));
}

bool fs_stft_state_is_finite(const fs_stft *s) {
  return fs_all_finite(s->history, s->frame) && fs_all_finite(s->overlap, s->frame);
}

void fs_stft_corrupt(fs_stft *s, float value) {
  s->overlap[s->hop / 2] = value;
  s->overlap[s->hop + s->hop / 2] = value;
}

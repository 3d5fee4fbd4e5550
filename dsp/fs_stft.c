#include "fs_stft.h"

#include "fs_fft.h"
#include "fs_sanitize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fs_stft {
  uint32_t size;
  uint32_t hop;
  uint32_t span;           /* 2 * hop: the synthesised part, at the end of the frame */
  float window_power;
  fs_fft *fft;
  float *analysis_window;  /* size samples */
  float *synthesis_window; /* span samples: Hann / analysis, with the FFT's 1 / size */
  float *history;          /* the last `size` input samples, oldest first */
  float *overlap;          /* overlap-add accumulator, span samples */
};

static bool is_power_of_two(uint32_t x) { return x != 0 && (x & (x - 1)) == 0; }

fs_stft *fs_stft_create(uint32_t size, uint32_t hop) {
  if (size < 16 || !is_power_of_two(size) || !is_power_of_two(hop) || 2u * hop > size) {
    return NULL;
  }
  fs_stft *s = calloc(1, sizeof(*s));
  if (!s) {
    return NULL;
  }
  s->size = size;
  s->hop = hop;
  s->span = 2u * hop;
  s->fft = fs_fft_create(size);
  s->analysis_window = calloc(size, sizeof(float));
  s->synthesis_window = calloc(s->span, sizeof(float));
  s->history = calloc(size, sizeof(float));
  s->overlap = calloc(s->span, sizeof(float));
  if (!s->fft || !s->analysis_window || !s->synthesis_window || !s->history || !s->overlap) {
    fs_stft_destroy(s);
    return NULL;
  }
  const double pi = 3.14159265358979323846;
  const uint32_t rise = size - hop; /* rising part of the analysis window */
  const uint32_t start = size - s->span;
  double power = 0.0;
  for (uint32_t n = 0; n < size; ++n) {
    /* Rise: sqrt of the rising half of a periodic Hann of length 2 * rise.
       Fall: sqrt of the falling half of a periodic Hann of length span. */
    const double w = n < rise ? sin(pi * n / (2.0 * rise)) : sin(pi * (n - start) / s->span);
    s->analysis_window[n] = (float)w;
    power += w * w;
  }
  s->window_power = (float)power;
  for (uint32_t i = 0; i < s->span; ++i) {
    /* Periodic Hann of length span: its copies at every hop sum to 1. */
    const double hann = sin(pi * i / s->span) * sin(pi * i / s->span);
    const double analysis = s->analysis_window[start + i];
    s->synthesis_window[i] = analysis > 0.0 ? (float)(hann / analysis / size) : 0.0f;
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
  memset(s->history, 0, s->size * sizeof(float));
  memset(s->overlap, 0, s->span * sizeof(float));
}

uint32_t fs_stft_size(const fs_stft *s) { return s->size; }
uint32_t fs_stft_hop(const fs_stft *s) { return s->hop; }
uint32_t fs_stft_bins(const fs_stft *s) { return s->size / 2 + 1; }
float fs_stft_window_power(const fs_stft *s) { return s->window_power; }

void fs_stft_amend_last_hop(fs_stft *s, uint32_t from, const float *difference, uint32_t count) {
  float *last = s->history + (s->size - s->hop);
  for (uint32_t i = 0; i < count && from + i < s->hop; ++i) {
    last[from + i] += difference[i];
  }
}

float *fs_stft_analyse(fs_stft *s, const float *hop_in) {
  const uint32_t keep = s->size - s->hop;
  memmove(s->history, s->history + s->hop, keep * sizeof(float));
  fs_sanitize_block(hop_in, s->history + keep, s->hop);
  float *restrict time = fs_fft_time(s->fft);
  const float *restrict history = s->history;
  const float *restrict window = s->analysis_window;
  for (uint32_t n = 0; n < s->size; ++n) {
    time[n] = history[n] * window[n];
  }
  fs_fft_forward(s->fft);
  return fs_fft_spectrum(s->fft);
}

void fs_stft_synthesise(fs_stft *s, float *hop_out) {
  fs_fft_inverse(s->fft);
  /* Only the newest span samples are heard; the rest of the inverse
     transform is what the short synthesis window cuts away. */
  const float *restrict time = fs_fft_time(s->fft) + (s->size - s->span);
  const float *restrict window = s->synthesis_window;
  float *restrict overlap = s->overlap;
  for (uint32_t n = 0; n < s->span; ++n) {
    overlap[n] += time[n] * window[n];
  }
  /* The oldest hop has now had both of its frames added: it is done. */
  memcpy(hop_out, s->overlap, s->hop * sizeof(float));
  memcpy(s->overlap, s->overlap + s->hop, s->hop * sizeof(float));
  memset(s->overlap + s->hop, 0, s->hop * sizeof(float));
}

size_t fs_stft_state_size(const fs_stft *s) { return (s->size + s->span) * sizeof(float); }

void fs_stft_save(const fs_stft *s, void *dst) {
  float *d = dst;
  memcpy(d, s->history, s->size * sizeof(float));
  memcpy(d + s->size, s->overlap, s->span * sizeof(float));
}

void fs_stft_load(fs_stft *s, const void *src) {
  const float *p = src;
  memcpy(s->history, p, s->size * sizeof(float));
  memcpy(s->overlap, p + s->size, s->span * sizeof(float));
}

bool fs_stft_state_is_finite(const fs_stft *s) {
  return fs_all_finite(s->history, s->size) && fs_all_finite(s->overlap, s->span);
}

void fs_stft_corrupt(fs_stft *s, float value) {
  s->overlap[s->hop / 2] = value;
  s->overlap[s->hop + s->hop / 2] = value;
}

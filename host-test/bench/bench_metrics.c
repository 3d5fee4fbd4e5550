#include "bench_metrics.h"

#include "fs_fft.h"

#include <math.h>
#include <stdlib.h>

static double mean_of(const float *x, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    sum += x[i];
  }
  return n ? sum / n : 0.0;
}

/* Projection scale of estimate on reference (both mean-removed). */
static double projection(const float *ref, const float *est, size_t n, double ref_mean, double est_mean) {
  double dot = 0.0, energy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double r = ref[i] - ref_mean;
    dot += r * (est[i] - est_mean);
    energy += r * r;
  }
  return energy > 0.0 ? dot / energy : 0.0;
}

double bench_si_sdr(const float *ref, const float *est, size_t n) {
  const double rm = mean_of(ref, n), em = mean_of(est, n);
  const double alpha = projection(ref, est, n, rm, em);
  double target = 0.0, error = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double t = alpha * (ref[i] - rm);
    const double e = (est[i] - em) - t;
    target += t * t;
    error += e * e;
  }
  return 10.0 * log10((target + 1e-20) / (error + 1e-20));
}

double bench_musical_noise_index(const float *ref, const float *est, size_t n, double rate) {
  uint32_t frame = 1024;
  while (frame > 256 && rate < 36000.0 * frame / 1024.0) {
    frame /= 2;
  }
  const uint32_t hop = frame / 2;
  if (n < 4 * frame) {
    return NAN;
  }
  const size_t frames = (n - frame) / hop + 1;
  const double rm = mean_of(ref, n), em = mean_of(est, n);
  const double alpha = projection(ref, est, n, rm, em);

  /* Pause frames from the reference's own loudness. */
  double *ref_energy = malloc(frames * sizeof(double));
  double loudest = 0.0;
  for (size_t f = 0; f < frames; ++f) {
    double e = 0.0;
    for (uint32_t i = 0; i < frame; ++i) {
      const double r = ref[f * hop + i] - rm;
      e += r * r;
    }
    ref_energy[f] = e;
    loudest = e > loudest ? e : loudest;
  }

  fs_fft *fft = fs_fft_create(frame);
  float *time = fs_fft_time(fft);
  const float *spectrum = fs_fft_spectrum(fft);
  const uint32_t low = (uint32_t)ceil(200.0 * frame / rate);
  uint32_t high = (uint32_t)floor(8000.0 * frame / rate);
  if (high > frame / 2) {
    high = frame / 2;
  }
  const uint32_t bins = high - low + 1;
  double *previous = malloc(bins * sizeof(double));
  double *current = malloc(bins * sizeof(double));
  double sum = 0.0;
  size_t pairs = 0;
  int have_previous = 0;
  for (size_t f = 0; f < frames; ++f) {
    if (ref_energy[f] > loudest * 1e-4) {
      have_previous = 0;
      continue;
    }
    for (uint32_t i = 0; i < frame; ++i) {
      const double w = 0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * i / frame);
      const size_t j = f * hop + i;
      time[i] = (float)(w * ((est[j] - em) - alpha * (ref[j] - rm)));
    }
    fs_fft_forward(fft);
    for (uint32_t k = 0; k < bins; ++k) {
      const double re = spectrum[2 * (low + k)], im = spectrum[2 * (low + k) + 1];
      current[k] = 10.0 * log10(re * re + im * im + 1e-12);
    }
    if (have_previous) {
      for (uint32_t k = 0; k < bins; ++k) {
        sum += fabs(current[k] - previous[k]);
      }
      pairs++;
    }
    double *swap = previous;
    previous = current;
    current = swap;
    have_previous = 1;
  }
  fs_fft_destroy(fft);
  free(previous);
  free(current);
  free(ref_energy);
  return pairs ? sum / ((double)pairs * bins) : NAN;
}

size_t bench_measure_delay(const float *in, const float *out, size_t n, size_t max_lag) {
  size_t best = 0;
  double best_score = -1.0;
  if (n <= max_lag) {
    return 0;
  }
  const size_t span = n - max_lag;
  double in_energy = 0.0;
  for (size_t i = 0; i < span; ++i) {
    in_energy += (double)in[i] * in[i];
  }
  for (size_t lag = 0; lag <= max_lag; ++lag) {
    double dot = 0.0, out_energy = 0.0;
    for (size_t i = 0; i < span; ++i) {
      dot += (double)in[i] * out[i + lag];
      out_energy += (double)out[i + lag] * out[i + lag];
    }
    const double score = dot / sqrt(in_energy * out_energy + 1e-30);
    if (score > best_score) {
      best_score = score;
      best = lag;
    }
  }
  return best;
}

/*
  bench_oracle: see bench_oracle.h.
*/
#include "bench_oracle.h"

#include "bench_report.h"
#include "bench_scores.h"
#include "fs_dehum.h"
#include "fs_enhancer.h"
#include "fs_sanitize.h"
#include "fs_stft.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The enhancer driven hop by hop with the true noise PSD.  Output late by
   the enhancer's hop latency (no host framer here). */
float *bench_oracle_run(double rate, float reduction_db, const bench_mixture *m, uint32_t *latency) {
  double cross = 0.0, energy = 0.0;
  for (size_t i = 0; i < m->length; ++i) {
    cross += (double)m->noisy[i] * m->clean[i];
    energy += (double)m->clean[i] * m->clean[i];
  }
  /* The mixture may have been scaled: its speech is `scale` x clean. */
  const double scale = energy > 0.0 ? cross / energy : 0.0;
  fs_enhancer *e = fs_enhancer_create(rate);
  const fs_geometry *g = fs_enhancer_geometry(e);
  fs_stft *stft = fs_stft_create(g->analysis, g->hop);
  /* The enhancer takes hum out before its spectral stage; a twin of its
     hum remover, fed the same mixture, says what it took, so the noise
     the spectral stage faces is known too. */
  fs_dehum *dehum = fs_dehum_create(g->sample_rate, g->hop);
  const uint32_t bins = fs_enhancer_bins(e), hop = g->hop;
  float *psd = calloc(bins, sizeof(float));
  float *noise_hop = malloc(hop * sizeof(float));
  float *dehummed = malloc(hop * sizeof(float));
  float *out = calloc(m->length, sizeof(float));
  const float keep = (float)exp(-1000.0 * hop / rate / ORACLE_SMOOTH_MS);
  fs_enhancer_set_reduction(e, reduction_db);
  fs_enhancer_set_noise_override(e, psd);
  for (size_t at = 0; at + hop <= m->length; at += hop) {
    fs_sanitize_block(m->noisy + at, dehummed, hop);
    fs_dehum_process(dehum, dehummed);
    for (uint32_t i = 0; i < hop; ++i) {
      const float removed = m->noisy[at + i] - dehummed[i];
      noise_hop[i] = m->noisy[at + i] - (float)(scale * m->clean[at + i]) - removed;
    }
    const float *spectrum = fs_stft_analyse(stft, noise_hop);
    for (uint32_t k = 0; k < bins; ++k) {
      const float power = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1];
      psd[k] = (at == 0 ? power : keep * psd[k] + (1.0f - keep) * power) + 1e-20f;
    }
    fs_stft_synthesise(stft, noise_hop); /* keeps the pair in step; output unused */
    fs_enhancer_process_hop(e, m->noisy + at, out + at);
  }
  *latency = g->hop_latency;
  fs_stft_destroy(stft);
  fs_dehum_destroy(dehum);
  fs_enhancer_destroy(e);
  free(psd);
  free(noise_hop);
  free(dehummed);
  return out;
}

void bench_oracle_report(const bench_corpus *corpus, double rate, float reduction_db, double tracker_mean) {
  const size_t from = (size_t)(corpus->speech_start_s * rate);
  double *improvement = calloc(corpus->mixture_count, sizeof(double));
  double mean = 0.0;
  for (size_t i = 0; i < corpus->mixture_count; ++i) {
    const bench_mixture *m = &corpus->mixtures[i];
    uint32_t latency = 0;
    float *out = bench_oracle_run(rate, reduction_db, m, &latency);
    improvement[i] = bench_aligned_si_sdr(m->clean, out, m->length, latency, from) -
                     bench_aligned_si_sdr(m->clean, m->noisy, m->length, 0, from);
    mean += improvement[i] / corpus->mixture_count;
    free(out);
  }
  printf("\nLab limit: the same gain rule driven by the true noise PSD (%.0f ms average)\n", ORACLE_SMOOTH_MS);
  printf("%-22s %+.2f dB mean (tracker: %+.2f)\n", "failsafe-oracle", mean, tracker_mean);
  bench_print_by_noise("failsafe-oracle", corpus, improvement);
  free(improvement);
}

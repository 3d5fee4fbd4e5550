/* Rows 3-5 of the robustness bench: noise steps, modulated noise, clicks.
   What each measures is told beside it. */
#include "bench_metrics.h"
#include "bench_oracle.h"
#include "bench_robust_context.h"
#include "bench_robust_material.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846
#define STEP_S 5.0 /* row 3: each level lasts 5 s */
#define STEP_LOW_DBFS -40.0
#define STEP_HIGH_DBFS -20.0
#define SPEECH_STEP_AT_S 4.0 /* row 3 under speech: 3 s of speech before the step */
#define SPEECH_STEP_SNR_DB 5.0
#define PUMP_SPAN_S 3.0      /* row 3: the speech windows scored after the step */
#define PUMP_ACTIVE_DB -20.0 /* speech window: clean band power within 20 dB of its loudest */
#define NOISY_SNR_DB 5.0     /* row 5 */
#define CLICKS_PER_S 10.0
#define CLICK_MARGIN_S 0.02 /* row 5: click spans widened by this on each side */

/* ---- row 3: noise steps ------------------------------------------------- */

/* Noise only: STEP_S at `before` dBFS, then STEP_S at `after`.  Settle
   time after the step, against the settled attenuation of a steady run at
   `after` (a separate run, so a system that has not settled by the end of
   the step run cannot pass by being its own reference).  For a step down
   the input is steady after it, so attenuation within 1 dB of the settled
   one is output power within 1 dB of its final floor, without the
   window-to-window wobble of the input's own power.  Fills value 0 (the
   time) and 1 (the tolerance judged with, see bench_robust_settled_db). */
static void step_settle(const bench_robust_context *c, size_t s, size_t kind, double before, double after,
                        bench_robust_row *row) {
  size_t steady_n;
  float *steady = bench_robust_steady_noise(c, kind, after, &steady_n);
  float *steady_out = bench_robust_run(c, s, steady, steady_n);
  double tolerance;
  const double settled = bench_robust_settled_db(steady, steady_out, steady_n, c->rate, row->tolerance, &tolerance);
  const size_t half = (size_t)(STEP_S * c->rate), window = (size_t)(BENCH_WINDOW_S * c->rate);
  float *in = bench_noise_at(bench_noise_kinds[kind], 2 * half, c->rate, 0.0, 0x57e9u + kind);
  for (size_t i = 0; i < 2 * half; ++i) {
    in[i] = (float)(in[i] * pow(10.0, (i < half ? before : after) / 20.0));
  }
  float *out = bench_robust_run(c, s, in, 2 * half);
  double db[64];
  const size_t windows = half / window < 64 ? half / window : 64;
  bench_window_ratio_db(in + half, out + half, window, windows, db);
  free(steady);
  free(steady_out);
  free(in);
  free(out);
  row->value[s][0] = bench_settle_seconds(db, windows, settled, tolerance, BENCH_WINDOW_S);
  row->value[s][1] = tolerance;
}

/* Speech-band gain per 100 ms window: band-passed output over band-passed
   input, in dB. */
static void band_gain(const float *in, const float *out, size_t n, size_t from, size_t window, size_t windows,
                      double rate, double *db) {
  float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
  bench_speech_band(in, a, n, rate);
  bench_speech_band(out, b, n, rate);
  bench_window_ratio_db(a + from, b + from, window, windows, db);
  free(a);
  free(b);
}

/* A -20 dB noise step under speech.  Speech plus noise at 5 dB SNR (mean
   power over the clip), the noise dropping by 20 dB at SPEECH_STEP_AT_S;
   against the same speech with the noise at the lower level throughout
   (the same samples after the step, so the two inputs are identical from
   there on and only the system's state differs).  In the PUMP_SPAN_S after
   the step, on the 100 ms windows where the clean speech's band power is
   within 20 dB of its loudest window (speech dominates the input there),
   the speech-band gain g (see band_gain) is scored:
   value 0/1 = standard deviation of g with / without the step, mean over
   the clips; dip = the largest g(no step) - g(step), over clips. */
static void row_step_speech(const bench_robust_context *c, bench_robust_row *pump, bench_robust_row *dip,
                            size_t kind) {
  const size_t window = (size_t)(BENCH_WINDOW_S * c->rate), at = (size_t)(SPEECH_STEP_AT_S * c->rate);
  size_t clips = 0;
  for (size_t s = 0; s < c->system_count; ++s) {
    pump->value[s][0] = pump->value[s][1] = 0.0;
    dip->value[s][0] = -INFINITY;
  }
  for (size_t k = 0; k < c->speech_count; ++k) {
    const float *clean = c->speech[k]->samples;
    const size_t n = c->speech[k]->length;
    if (n < at + window * 10) {
      continue;
    }
    size_t windows = (n - at) / window;
    windows = windows > PUMP_SPAN_S / BENCH_WINDOW_S ? (size_t)(PUMP_SPAN_S / BENCH_WINDOW_S) : windows;
    float *noise = bench_noise_at(bench_noise_kinds[kind], n, c->rate, 0.0, 0x9a11u + 16 * k + kind);
    const double high = sqrt(bench_power(clean, n) / pow(10.0, SPEECH_STEP_SNR_DB / 10.0)), low = 0.1 * high;
    float *stepped = malloc(n * sizeof(float)), *flat = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; ++i) {
      stepped[i] = (float)(clean[i] + noise[i] * (i < at ? high : low));
      flat[i] = (float)(clean[i] + noise[i] * low);
    }
    const double k_scale = BENCH_FULL_SCALE / fmax(BENCH_FULL_SCALE, bench_peak(stepped, n));
    bench_scale(stepped, n, k_scale);
    bench_scale(flat, n, k_scale);
    /* Which windows are speech: the clean band power against its loudest. */
    float *band = malloc(n * sizeof(float));
    bench_speech_band(clean, band, n, c->rate);
    double loudest = 0.0;
    for (size_t w = 0; (w + 1) * window <= n; ++w) {
      loudest = fmax(loudest, bench_power(band + w * window, window));
    }
    unsigned char active[64];
    for (size_t w = 0; w < windows; ++w) {
      active[w] = bench_ratio_db(bench_power(band + at + w * window, window), loudest) >= PUMP_ACTIVE_DB;
    }
    for (size_t s = 0; s < c->system_count; ++s) {
      double g_step[64], g_flat[64];
      float *out_step = bench_robust_run(c, s, stepped, n), *out_flat = bench_robust_run(c, s, flat, n);
      band_gain(stepped, out_step, n, at, window, windows, c->rate, g_step);
      band_gain(flat, out_flat, n, at, window, windows, c->rate, g_flat);
      double sum[2] = {0}, square[2] = {0};
      size_t count = 0;
      for (size_t w = 0; w < windows; ++w) {
        if (active[w]) {
          sum[0] += g_step[w], square[0] += g_step[w] * g_step[w];
          sum[1] += g_flat[w], square[1] += g_flat[w] * g_flat[w];
          dip->value[s][0] = fmax(dip->value[s][0], g_flat[w] - g_step[w]);
          ++count;
        }
      }
      for (int v = 0; v < 2 && count; ++v) {
        const double mean = sum[v] / count;
        pump->value[s][v] += sqrt(fmax(0.0, square[v] / count - mean * mean));
      }
      free(out_step);
      free(out_flat);
    }
    ++clips;
    free(band);
    free(noise);
    free(stepped);
    free(flat);
  }
  for (size_t s = 0; s < c->system_count; ++s) {
    pump->value[s][0] = clips ? pump->value[s][0] / clips : NAN;
    pump->value[s][1] = clips ? pump->value[s][1] / clips : NAN;
    dip->value[s][0] = isinf(dip->value[s][0]) ? NAN : dip->value[s][0]; /* no speech window: n/a */
  }
}

void bench_robust_row_steps(const bench_robust_context *c, bench_robust_table *t) {
  bench_robust_table_add(t, "", "3. Noise steps after 5 s (-40 <-> -20 dBFS); speech under a -20 dB step",
                         BENCH_CELL_HEADING, BENCH_TARGET_NONE, 0, 0);
  for (size_t k = 0; k < 2; ++k) {
    const char *kind = bench_noise_kinds[k];
    bench_robust_row *up = bench_robust_table_add_for(t, kind, "step_up_%s_settle_s",
                                                      "%s +20 dB: attenuation settles (2 dB)", BENCH_CELL_SECONDS,
                                                      BENCH_TARGET_AT_MOST, 1.0, 0);
    bench_robust_row *down = bench_robust_table_add_for(t, kind, "step_down_%s_settle_s",
                                                        "%s -20 dB: output floor settles (1 dB)", BENCH_CELL_SECONDS,
                                                        BENCH_TARGET_AT_MOST, 1.0, 0);
    up->tolerance = 2.0;
    down->tolerance = 1.0;
    for (size_t s = 0; s < c->system_count; ++s) {
      step_settle(c, s, k, STEP_LOW_DBFS, STEP_HIGH_DBFS, up);
      step_settle(c, s, k, STEP_HIGH_DBFS, STEP_LOW_DBFS, down);
    }
  }
  for (size_t k = 0; k < 2; ++k) {
    const char *kind = bench_noise_kinds[k];
    bench_robust_row *pump = bench_robust_table_add_for(t, kind, "step_speech_%s_gain_std_db",
                                                        "speech, %s -20 dB: band gain SD step/none", BENCH_CELL_PAIR,
                                                        BENCH_TARGET_NONE, 0, 0);
    bench_robust_row *dip = bench_robust_table_add_for(t, kind, "step_speech_%s_gain_dip_db",
                                                       "speech, %s -20 dB: deepest gain dip, dB", BENCH_CELL_DB,
                                                       BENCH_TARGET_NONE, 0, 0);
    row_step_speech(c, pump, dip, k);
  }
}

/* ---- row 4: modulated noise --------------------------------------------- */

/* Speech plus noise at a mean SNR over the clip; the same noise samples
   times (1 + 0.8 sin 2 pi f t), rescaled to exactly the steady noise's
   power.  All three inputs of a clip share one scale to BENCH_FULL_SCALE.
   Improvement = SI-SDR of the output minus that of the input, from 1 s.
   Per row: mean over clips of steady / modulated (modulated - steady); and
   the worst |modulated - steady| over every clip and row. */
void bench_robust_row_modulated(const bench_robust_context *c, bench_robust_table *t) {
  static const double freqs[2] = {0.3, 2.0}, snrs[2] = {5.0, 0.0};
  bench_robust_table_add(t, "", "4. Amplitude-modulated noise: SI-SDR improvement steady/modulated (difference)",
                         BENCH_CELL_HEADING, BENCH_TARGET_NONE, 0, 0);
  bench_robust_row *rows[2][2][2];
  for (size_t k = 0; k < 2; ++k) {
    for (size_t z = 0; z < 2; ++z) {
      for (size_t f = 0; f < 2; ++f) {
        char key[56], label[56];
        snprintf(key, sizeof(key), "modulated_%s_%.0fdb_%.1fhz", bench_noise_kinds[k], snrs[z], freqs[f]);
        snprintf(label, sizeof(label), "%s %.0f dB SNR, %.1f Hz", bench_noise_kinds[k], snrs[z], freqs[f]);
        rows[k][z][f] = bench_robust_table_add(t, key, label, BENCH_CELL_TRIPLE, BENCH_TARGET_ABS_AT_MOST, 1.0, 2);
        for (size_t s = 0; s < c->system_count; ++s) {
          rows[k][z][f]->value[s][0] = rows[k][z][f]->value[s][1] = rows[k][z][f]->value[s][2] = 0.0;
        }
      }
    }
  }
  bench_robust_row *worst = bench_robust_table_add(t, "modulated_worst_delta_db",
                                                   "worst |modulated - steady|, any clip", BENCH_CELL_DB,
                                                   BENCH_TARGET_ABS_AT_MOST, 1.0, 0);
  for (size_t s = 0; s < c->system_count; ++s) {
    worst->value[s][0] = 0.0;
  }
  /* With --oracle, the same for the lab limit (bench_oracle: the enhancer
     driven by the true noise PSD), in failsafe's column: what the gain
     rule makes of modulated noise when the tracking is perfect. */
  bench_robust_row *oracle_rows[2][2][2] = {{{NULL}}};
  for (size_t k = 0; c->oracle && k < 2; ++k) {
    for (size_t z = 0; z < 2; ++z) {
      for (size_t f = 0; f < 2; ++f) {
        char key[56], label[100];
        snprintf(key, sizeof(key), "modulated_oracle_%s_%.0fdb_%.1fhz", bench_noise_kinds[k], snrs[z], freqs[f]);
        snprintf(label, sizeof(label), "lab limit: %s %.0f dB SNR, %.1f Hz", bench_noise_kinds[k], snrs[z],
                 freqs[f]);
        bench_robust_row *row = bench_robust_table_add(t, key, label, BENCH_CELL_TRIPLE, BENCH_TARGET_NONE, 0, 0);
        for (size_t s = 0; s < c->system_count; ++s) {
          row->value[s][0] = row->value[s][1] = row->value[s][2] = s == 0 ? 0.0 : NAN;
        }
        oracle_rows[k][z][f] = row;
      }
    }
  }
  for (size_t i = 0; i < c->speech_count; ++i) {
    const float *clean = c->speech[i]->samples;
    const size_t n = c->speech[i]->length, from = (size_t)(BENCH_SPEECH_FROM_S * c->rate);
    float *in[3];
    for (size_t v = 0; v < 3; ++v) {
      in[v] = malloc(n * sizeof(float));
    }
    for (size_t k = 0; k < 2; ++k) {
      float *noise = bench_noise_at(bench_noise_kinds[k], n, c->rate, 0.0, 0x40du + 16 * i + k);
      for (size_t z = 0; z < 2; ++z) {
        const double g = sqrt(bench_power(clean, n) / pow(10.0, snrs[z] / 10.0));
        double peak = 0.0;
        for (size_t v = 0; v < 3; ++v) {
          double power = 0.0;
          for (size_t j = 0; j < n; ++j) {
            const double m = v ? 1.0 + 0.8 * sin(2.0 * PI * freqs[v - 1] * j / c->rate) : 1.0;
            in[v][j] = (float)(noise[j] * m);
            power += (double)in[v][j] * in[v][j] / n;
          }
          const double gv = g / sqrt(power);
          for (size_t j = 0; j < n; ++j) {
            in[v][j] = (float)(clean[j] + in[v][j] * gv);
          }
          peak = fmax(peak, bench_peak(in[v], n));
        }
        double before[3];
        for (size_t v = 0; v < 3; ++v) {
          bench_scale(in[v], n, BENCH_FULL_SCALE / fmax(BENCH_FULL_SCALE, peak));
          before[v] = bench_si_sdr(clean + from, in[v] + from, n - from);
        }
        for (size_t s = 0; s < c->system_count + (c->oracle != 0); ++s) {
          const int oracle = s == c->system_count;
          double improvement[3];
          for (size_t v = 0; v < 3; ++v) {
            if (oracle) {
              const bench_mixture m = {"modulated", clean, in[v], n};
              uint32_t late = 0;
              float *out = bench_oracle_run(c->rate, c->reduction_db, &m, &late);
              /* Its output is `late` samples behind: the same span, shortened by that. */
              improvement[v] = bench_si_sdr(clean + from, out + late + from, n - from - late) -
                               bench_si_sdr(clean + from, in[v] + from, n - from - late);
              free(out);
              continue;
            }
            float *out = bench_robust_run(c, s, in[v], n);
            improvement[v] = bench_si_sdr(clean + from, out + from, n - from) - before[v];
            free(out);
          }
          if (oracle) {
            for (size_t f = 0; f < 2; ++f) {
              double *cell = oracle_rows[k][z][f]->value[0];
              cell[0] += improvement[0] / c->speech_count;
              cell[1] += improvement[f + 1] / c->speech_count;
              cell[2] += (improvement[f + 1] - improvement[0]) / c->speech_count;
            }
            continue;
          }
          for (size_t f = 0; f < 2; ++f) {
            double *cell = rows[k][z][f]->value[s];
            cell[0] += improvement[0] / c->speech_count;
            cell[1] += improvement[f + 1] / c->speech_count;
            cell[2] += (improvement[f + 1] - improvement[0]) / c->speech_count;
            if (fabs(improvement[f + 1] - improvement[0]) > fabs(worst->value[s][0])) {
              worst->value[s][0] = improvement[f + 1] - improvement[0];
            }
          }
        }
      }
      free(noise);
    }
    for (size_t v = 0; v < 3; ++v) {
      free(in[v]);
    }
  }
}

/* ---- row 5: clicks ------------------------------------------------------ */

/* A click train (bench_click_train: ~10/s from 1 s on, 1-48 samples,
   20-40 dB over the local speech RMS) on clean speech, and on speech with
   white or pink noise at 5 dB SNR.  Reference: the same system's output
   for the same input without the clicks, for the clean case as well as
   the noisy ones, so the residual is exactly what the clicks changed and
   the system's ordinary processing of the speech (or noise) is not
   charged to them.  Residual = energy of (output - reference) over the
   click spans widened by CLICK_MARGIN_S each side (the systems smear a
   click over their analysis window); reduction = input click energy over
   that, in dB.  Input, clicks and reference input share one scale to
   BENCH_FULL_SCALE.  Per row: mean / worst (lowest) over the clips.  Do
   no harm: clean speech at its own level, SI-SDR of the output over the
   whole clip, mean / worst. */
void bench_robust_row_clicks(const bench_robust_context *c, bench_robust_table *t) {
  static const char *const cases[3] = {"clean", "white", "pink"};
  bench_robust_table_add(t, "", "5. Clicks (~10/s, 1-48 samples, +20..40 dB): click energy reduction, mean / worst",
                         BENCH_CELL_HEADING, BENCH_TARGET_NONE, 0, 0);
  bench_robust_row *rows[3];
  for (size_t k = 0; k < 3; ++k) {
    rows[k] = bench_robust_table_add_for(t, cases[k], "clicks_%s_reduction_db",
                                         k ? "speech + %s 5 dB + clicks, dB" : "%s speech + clicks, dB",
                                         BENCH_CELL_PAIR, BENCH_TARGET_AT_LEAST, 20.0, 1);
  }
  bench_robust_row *harm = bench_robust_table_add(t, "clean_si_sdr_db", "clean speech, no clicks: SI-SDR, dB",
                                                  BENCH_CELL_PAIR, BENCH_TARGET_AT_LEAST, 25.0, 1);
  for (size_t s = 0; s < c->system_count; ++s) {
    for (size_t k = 0; k < 3; ++k) {
      rows[k]->value[s][0] = 0.0;
      rows[k]->value[s][1] = INFINITY;
    }
    harm->value[s][0] = 0.0;
    harm->value[s][1] = INFINITY;
  }
  const size_t margin = (size_t)(CLICK_MARGIN_S * c->rate);
  for (size_t i = 0; i < c->speech_count; ++i) {
    const float *clean = c->speech[i]->samples;
    const size_t n = c->speech[i]->length;
    float *clicks = malloc(n * sizeof(float)), *base = malloc(n * sizeof(float));
    float *clicky = malloc(n * sizeof(float));
    unsigned char *mask = malloc(n), *spans = calloc(n, 1);
    bench_click_train(clean, n, (size_t)(BENCH_SPEECH_FROM_S * c->rate), c->rate, CLICKS_PER_S, 0xc11cu + i,
                      clicks, mask);
    for (size_t j = 0; j < n; ++j) { /* every click sample, widened by the margin */
      if (mask[j]) {
        const size_t lo = j > margin ? j - margin : 0, hi = j + margin < n ? j + margin + 1 : n;
        memset(spans + lo, 1, hi - lo);
      }
    }
    for (size_t k = 0; k < 3; ++k) {
      memcpy(base, clean, n * sizeof(float));
      if (k) {
        float *noise = bench_noise_at(cases[k], n, c->rate, 0.0, 0xc0u + 16 * i + k);
        const double g = sqrt(bench_power(clean, n) / pow(10.0, NOISY_SNR_DB / 10.0));
        for (size_t j = 0; j < n; ++j) {
          base[j] = (float)(base[j] + g * noise[j]);
        }
        free(noise);
      }
      for (size_t j = 0; j < n; ++j) {
        clicky[j] = base[j] + clicks[j];
      }
      const double k_scale = BENCH_FULL_SCALE / fmax(BENCH_FULL_SCALE, bench_peak(clicky, n));
      bench_scale(base, n, k_scale);
      bench_scale(clicky, n, k_scale);
      const double click_energy = bench_power(clicks, n) * n * k_scale * k_scale;
      for (size_t s = 0; s < c->system_count; ++s) {
        float *out_base = bench_robust_run(c, s, base, n), *out_clicky = bench_robust_run(c, s, clicky, n);
        double residual = 0.0;
        for (size_t j = 0; j < n; ++j) {
          const double d = spans[j] ? (double)out_clicky[j] - out_base[j] : 0.0;
          residual += d * d;
        }
        const double reduction = bench_ratio_db(click_energy, residual);
        rows[k]->value[s][0] += reduction / c->speech_count;
        rows[k]->value[s][1] = fmin(rows[k]->value[s][1], reduction);
        free(out_base);
        free(out_clicky);
      }
    }
    for (size_t s = 0; s < c->system_count; ++s) {
      float *out = bench_robust_run(c, s, clean, n);
      const double sdr = bench_si_sdr(clean, out, n);
      harm->value[s][0] += sdr / c->speech_count;
      harm->value[s][1] = fmin(harm->value[s][1], sdr);
      free(out);
    }
    free(clicks);
    free(base);
    free(clicky);
    free(mask);
    free(spans);
  }
}

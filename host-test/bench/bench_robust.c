/* The robustness bench's run (see bench_robust.h): the systems, corpora
   and speech it scores on, rows 1 and 2, and the printing.  Rows 3-5 are
   in bench_robust_rows.c, the material in bench_robust_material.c. */
#include "bench_robust.h"

#include "bench_corpus.h"
#include "bench_metrics.h"
#include "bench_robust_context.h"
#include "bench_robust_material.h"
#include "bench_robust_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOISE_DBFS -30.0 /* row 1 */
#define NOISE_S 8.0      /* row 1: noise after the silence; also the settled-reference runs */
#define SETTLED_S 3.0    /* settled = the last 3 s of a steady run */
#define WOBBLE_SDS 3.0   /* a settled system's windows stay within 3 SD of its level */
#define MAX_DELAY_SEARCH 4096u
#define LATENCY_PROBE_S 5.0

static const double silences_s[4] = {0.0, 0.05, 1.0, 10.0}; /* 0: the unpadded reference */
static const char *const silence_names[4] = {"no", "50 ms", "1 s", "10 s"};
static const char *const silence_keys[4] = {"0ms", "50ms", "1000ms", "10000ms"};
static const char *const corpus_names[2] = {"synthetic", "real"};

float *bench_robust_run(const bench_robust_context *c, size_t s, const float *in, size_t n) {
  return bench_run_aligned(c->systems[s], c->rate, c->reduction_db, in, n, c->latency[s]);
}

double bench_robust_settled_db(const float *in, const float *out, size_t n, double rate, double tolerance,
                               double *judged_with) {
  const size_t tail = (size_t)(SETTLED_S * rate), window = (size_t)(BENCH_WINDOW_S * rate);
  double db[64];
  const size_t windows = tail / window < 64 ? tail / window : 64;
  bench_window_ratio_db(in + n - windows * window, out + n - windows * window, window, windows, db);
  *judged_with = fmax(tolerance, WOBBLE_SDS * bench_spread_db(db, windows));
  return bench_ratio_db(bench_power(out + n - tail, tail), bench_power(in + n - tail, tail));
}

float *bench_robust_steady_noise(const bench_robust_context *c, size_t kind, double dbfs, size_t *n) {
  *n = (size_t)(NOISE_S * c->rate);
  return bench_noise_at(bench_noise_kinds[kind], *n, c->rate, dbfs, 0x5eedu + kind);
}

/* ---- row 1: digital silence, then noise -------------------------------- */

/* Per noise kind, the same 8 s of noise (-30 dBFS RMS) after 0, 50 ms, 1 s
   and 10 s of exact zeros.  Attenuation of window w = output over input
   power of the w-th 100 ms window from the noise onset (output aligned).
   Settled = the run without silence, its last 3 s (bench_robust_settled_db,
   which also says the tolerance: 1 dB unless the system's own wobble is
   wider).  Settle time = start of the first window from which every later
   window of that run is within the tolerance of the settled attenuation;
   "never" if the last window is still outside. */

static void row_silence(const bench_robust_context *c, bench_robust_table *t) {
  bench_robust_table_add(t, "", "1. Exact zeros, then 8 s of noise only at -30 dBFS; attenuation of 100 ms windows",
                         BENCH_CELL_HEADING, BENCH_TARGET_NONE, 0, 0);
  const size_t window = (size_t)(BENCH_WINDOW_S * c->rate);
  for (size_t k = 0; k < 2; ++k) {
    size_t n;
    float *noise = bench_robust_steady_noise(c, k, NOISE_DBFS, &n);
    const size_t windows = n / window;
    double *db = malloc(windows * sizeof(double));
    char key[56], label[56];
    bench_robust_row *settled = bench_robust_table_add_for(t, bench_noise_kinds[k], "silence_%s_settled_db",
                                                           "%s: settled attenuation, dB", BENCH_CELL_DB,
                                                           BENCH_TARGET_NONE, 0, 0);
    bench_robust_row *rows[4];
    for (size_t z = 0; z < 4; ++z) {
      snprintf(key, sizeof(key), "silence_%s_%s_settle_s", bench_noise_kinds[k], silence_keys[z]);
      snprintf(label, sizeof(label), "%s: settle (1 dB) after %s silence", bench_noise_kinds[k], silence_names[z]);
      rows[z] = bench_robust_table_add(t, key, label, BENCH_CELL_SECONDS, BENCH_TARGET_AT_MOST, 0.5, 0);
      rows[z]->tolerance = 1.0;
    }
    for (size_t s = 0; s < c->system_count; ++s) {
      double tolerance = 1.0;
      for (size_t z = 0; z < 4; ++z) {
        const size_t pad = (size_t)(silences_s[z] * c->rate);
        float *in = calloc(pad + n, sizeof(float));
        memcpy(in + pad, noise, n * sizeof(float));
        float *out = bench_robust_run(c, s, in, pad + n);
        if (z == 0) { /* silences_s[0] is none: this run sets the reference */
          settled->value[s][0] = bench_robust_settled_db(in, out, n, c->rate, 1.0, &tolerance);
        }
        bench_window_ratio_db(in + pad, out + pad, window, windows, db);
        rows[z]->value[s][0] = bench_settle_seconds(db, windows, settled->value[s][0], tolerance, BENCH_WINDOW_S);
        rows[z]->value[s][1] = tolerance;
        free(in);
        free(out);
      }
    }
    free(db);
    free(noise);
  }
}

/* ---- row 2: silence in front of the corpus files ------------------------ */

/* Every noisy<k>_<noise>_<snr> file of a corpus as it is and after 50 ms,
   1 s and 10 s of exact zeros.  Improvement = SI-SDR of the output against
   clean<k> from 1 s into the unpadded file (past the noise-only lead),
   minus that of the noisy file over the same span; the padded output is
   read from the same span, shifted by the padding.  Mean = over the files,
   unpadded.  Worst = the padded - unpadded difference of largest size over
   every file and silence (signed); a note names the file.  For scale, the
   same for the file merely shifted by a quarter hop (its first
   SHIFT_SAMPLES dropped, no silence, same span scored): how much a system
   that works on a hop grid moves when the input falls differently on
   it, which padding of any length but whole hops also does. */

#define SHIFT_SAMPLES 64u

static void row_padding(const bench_robust_context *c, bench_robust_table *t, size_t which) {
  const char *name = corpus_names[which];
  bench_robust_row *mean = bench_robust_table_add_for(t, name, "padding_%s_mean_improvement_db",
                                                      "%s corpus: mean SI-SDR improvement", BENCH_CELL_DB,
                                                      BENCH_TARGET_NONE, 0, 0);
  bench_robust_row *worst = bench_robust_table_add_for(t, name, "padding_%s_worst_delta_db",
                                                       "%s corpus: worst padded - unpadded", BENCH_CELL_DB,
                                                       BENCH_TARGET_ABS_AT_MOST, 0.3, 0);
  bench_robust_row *shifted = bench_robust_table_add_for(t, name, "padding_%s_worst_shift_delta_db",
                                                         "%s corpus: worst shifted 64 - as is", BENCH_CELL_DB,
                                                         BENCH_TARGET_NONE, 0, 0);
  if (!c->have_corpus[which]) {
    mean->available = worst->available = shifted->available = 0;
    return;
  }
  const bench_corpus *corpus = &c->corpora[which];
  const size_t from = (size_t)(corpus->speech_start_s * c->rate);
  for (size_t s = 0; s < c->system_count; ++s) {
    double sum = 0.0, worst_delta = 0.0, worst_plain = 0.0, worst_shift = 0.0;
    size_t worst_file = 0, worst_silence = 1;
    for (size_t i = 0; i < corpus->mixture_count; ++i) {
      const bench_mixture *m = &corpus->mixtures[i];
      const size_t n = m->length, scored = n - from;
      const double before = bench_si_sdr(m->clean + from, m->noisy + from, scored);
      double plain = 0.0;
      for (size_t z = 0; z < 4; ++z) {
        const size_t pad = (size_t)(silences_s[z] * c->rate);
        float *in = calloc(pad + n, sizeof(float));
        memcpy(in + pad, m->noisy, n * sizeof(float));
        float *out = bench_robust_run(c, s, in, pad + n);
        const double improvement = bench_si_sdr(m->clean + from, out + pad + from, scored) - before;
        if (z == 0) {
          plain = improvement;
          sum += improvement;
        } else if (fabs(improvement - plain) >= fabs(worst_delta)) {
          worst_delta = improvement - plain;
          worst_plain = plain;
          worst_file = i;
          worst_silence = z;
        }
        free(in);
        free(out);
      }
      float *out = bench_robust_run(c, s, m->noisy + SHIFT_SAMPLES, n - SHIFT_SAMPLES);
      const double improvement = bench_si_sdr(m->clean + from, out + from - SHIFT_SAMPLES, scored) - before;
      worst_shift = fabs(improvement - plain) > fabs(worst_shift) ? improvement - plain : worst_shift;
      free(out);
    }
    mean->value[s][0] = sum / corpus->mixture_count;
    worst->value[s][0] = worst_delta;
    shifted->value[s][0] = worst_shift;
    char note[192];
    snprintf(note, sizeof(note),
             "row 2, %s corpus, %s: worst is %s after %s of silence (%+.2f dB unpadded, %+.2f padded)",
             corpus_names[which], c->systems[s]->name, corpus->mixtures[worst_file].name,
             silence_names[worst_silence], worst_plain, worst_plain + worst_delta);
    bench_robust_table_note(t, note);
  }
}

/* ---- the run ------------------------------------------------------------ */

/* What each system reports, or (reporting nothing) the lag of the best
   correlation of its output with clean speech in. */
static void find_latencies(bench_robust_context *c) {
  const bench_clean *probe = c->speech[0];
  const size_t longest = (size_t)(LATENCY_PROBE_S * c->rate);
  const size_t n = probe->length < longest ? probe->length : longest;
  for (size_t s = 0; s < c->system_count; ++s) {
    void *instance = c->systems[s]->create(c->rate);
    c->latency[s] = c->systems[s]->reported_latency(instance);
    c->systems[s]->destroy(instance);
    if (c->latency[s] == 0) {
      float *out = bench_run_aligned(c->systems[s], c->rate, c->reduction_db, probe->samples, n, 0);
      c->latency[s] = (uint32_t)bench_measure_delay(probe->samples, out, n, MAX_DELAY_SEARCH);
      c->latency_measured[s] = 1;
      free(out);
    }
  }
}

static void print_header(const bench_robust_context *c, const bench_robust_options *o, double seconds) {
  printf("failsafe-bench --robust\n=======================\n");
  for (size_t i = 0; i < 2; ++i) {
    const char *dir = i ? o->real_corpus_dir : o->corpus_dir;
    printf("%s corpus: %s", corpus_names[i], c->have_corpus[i] ? dir : "n/a (no corpus)");
    if (c->have_corpus[i]) {
      printf(", %zu mixtures, %zu clean", c->corpora[i].mixture_count, c->corpora[i].clean_count);
    }
    printf("\n");
  }
  printf("speech clips for rows 3-5: %zu (%s)\n", c->speech_count,
         c->have_corpus[0] || c->have_corpus[1] ? "the corpora's clean files" : "generated speech");
  printf("%.0f Hz, reduction %.1f dB (speexdsp: its default suppression), latency:", c->rate, c->reduction_db);
  for (size_t s = 0; s < c->system_count; ++s) {
    printf(" %s %u%s", c->systems[s]->name, c->latency[s], c->latency_measured[s] ? " (measured)" : "");
  }
  printf("\nran in %.1f s\n\n", seconds);
  printf("Targets for failsafe (last column: ok / MISS):\n"
         "  1. settle within 1 dB of the settled attenuation <= 0.5 s after noise starts, any leading silence\n"
         "  2. leading silence changes the SI-SDR improvement of every corpus file by <= 0.3 dB\n"
         "  3. +20 dB noise step: attenuation within 2 dB <= 1 s; -20 dB: output floor within 1 dB <= 1 s\n"
         "  4. modulated vs steady noise, same mean SNR: SI-SDR improvement within 1 dB\n"
         "  5. click energy >= 20 dB down on every clip; clean speech SI-SDR >= 25 dB on every clip\n\n");
}

static void print_json(const bench_robust_context *c, const bench_robust_options *o, double seconds,
                       const bench_robust_table *table) {
  fs_json json;
  fs_json_init(&json, stdout);
  fs_json_object_begin(&json);
  fs_json_key(&json, "mode");
  fs_json_string(&json, "robust");
  for (size_t i = 0; i < 2; ++i) {
    char key[32];
    snprintf(key, sizeof(key), "%s_corpus", corpus_names[i]);
    fs_json_key(&json, key);
    if (c->have_corpus[i]) {
      fs_json_string(&json, i ? o->real_corpus_dir : o->corpus_dir);
    } else {
      fs_json_null(&json);
    }
  }
  fs_json_key(&json, "speech_clips");
  fs_json_uint(&json, c->speech_count);
  fs_json_key(&json, "sample_rate");
  fs_json_double(&json, c->rate);
  fs_json_key(&json, "reduction_db");
  fs_json_double(&json, c->reduction_db);
  fs_json_key(&json, "seconds");
  fs_json_double(&json, seconds);
  fs_json_key(&json, "systems");
  fs_json_array_begin(&json);
  for (size_t s = 0; s < c->system_count; ++s) {
    fs_json_object_begin(&json);
    fs_json_key(&json, "name");
    fs_json_string(&json, c->systems[s]->name);
    fs_json_key(&json, "latency");
    fs_json_uint(&json, c->latency[s]);
    fs_json_key(&json, "latency_measured");
    fs_json_bool(&json, c->latency_measured[s]);
    fs_json_object_end(&json);
  }
  fs_json_array_end(&json);
  bench_robust_table_json(&json, table);
  fs_json_object_end(&json);
}

int bench_robust_main(const bench_robust_options *o) {
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  bench_robust_context *c = calloc(1, sizeof(*c));
  c->rate = BENCH_ROBUST_RATE;
  c->reduction_db = o->reduction_db;
  c->oracle = o->oracle;
  c->systems[c->system_count++] = &bench_failsafe;
#ifdef FS_BENCH_HAVE_SPEEXDSP
  c->systems[c->system_count++] = &bench_speexdsp;
#endif
  c->systems[c->system_count++] = &bench_failsafe_light;
  /* The recorded speech first: it is what the rows are most about. */
  for (size_t i = 2; i-- > 0;) {
    const char *dir = i ? o->real_corpus_dir : o->corpus_dir;
    if (!dir || bench_corpus_load(&c->corpora[i], dir) != 0) {
      continue;
    }
    if (c->corpora[i].sample_rate != BENCH_ROBUST_RATE) {
      fprintf(stderr, "robust: %s is not at %.0f Hz; left out\n", dir, BENCH_ROBUST_RATE);
      bench_corpus_free(&c->corpora[i]);
      continue;
    }
    c->have_corpus[i] = 1;
    for (size_t k = 0; k < c->corpora[i].clean_count && c->speech_count < BENCH_MAX_SPEECH; ++k) {
      c->speech[c->speech_count++] = &c->corpora[i].cleans[k];
    }
  }
  if (c->speech_count == 0) {
    bench_corpus_generate(&c->generated);
    for (size_t k = 0; k < c->generated.clean_count; ++k) {
      c->speech[c->speech_count++] = &c->generated.cleans[k];
    }
  }
  find_latencies(c);

  bench_robust_table table;
  memset(&table, 0, sizeof(table));
  table.system_count = c->system_count;
  for (size_t s = 0; s < c->system_count; ++s) {
    table.system_names[s] = c->systems[s]->name;
  }
  row_silence(c, &table);
  bench_robust_table_add(&table, "",
                         "2. Leading silence (50 ms, 1 s, 10 s) before every corpus file, scored from 1 s",
                         BENCH_CELL_HEADING, BENCH_TARGET_NONE, 0, 0);
  row_padding(c, &table, 0);
  row_padding(c, &table, 1);
  bench_robust_row_steps(c, &table);
  bench_robust_row_modulated(c, &table);
  bench_robust_row_clicks(c, &table);

  clock_gettime(CLOCK_MONOTONIC, &end);
  const double seconds = (double)(end.tv_sec - start.tv_sec) + 1e-9 * (double)(end.tv_nsec - start.tv_nsec);
  if (o->json) {
    print_json(c, o, seconds, &table);
  } else {
    print_header(c, o, seconds);
    bench_robust_table_print(&table);
  }
  bench_robust_table_free(&table);
  for (size_t i = 0; i < 2; ++i) {
    if (c->have_corpus[i]) {
      bench_corpus_free(&c->corpora[i]);
    }
  }
  if (c->generated.clean_count) {
    bench_corpus_free(&c->generated);
  }
  free(c);
  return 0;
}

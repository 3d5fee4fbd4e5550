/*
  bench_peers: see bench_peers.h.
*/
#include "bench_peers.h"

#include "bench_corpus.h"
#include "bench_irm.h"
#include "bench_metrics.h"
#include "bench_report.h"
#include "bench_rnnoise.h"
#include "bench_scores.h"
#include "bench_systems.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DELAY_SEARCH 4096u
#define MAX_TYPES 8

enum { COL_FAILSAFE, COL_LEARNED, COL_SPEEXDSP, COL_RNNOISE_02, COL_RNNOISE_01, COL_IRM, COLUMNS };
static const char *const column_names[COLUMNS] = {"fs classical", "fs learned", "speexdsp", "RNNoise 0.2", "RNNoise 0.1", "IRM"};

typedef struct {
  int available;
  char why[256];        /* when not available */
  uint32_t latency;     /* samples the output is aligned by */
  double *improvement;  /* per mixture, dB */
  double mean, worst;   /* over mixtures */
  size_t worst_index;
  double clean_min;     /* lowest SI-SDR of the output on clean speech in */
} column;

typedef struct {
  bench_corpus corpus;
  column columns[COLUMNS];
  char types[MAX_TYPES][32]; /* noise types, in order of appearance */
  size_t type_count;
} table;

typedef struct {
  bench_rnnoise rnnoise[2];     /* 0.2, 0.1 */
  long measured_delay[2];       /* -1 until measured */
  char delay_probe[2][600];     /* which file the delay was measured on */
} peers_state;

static void summarise(column *c, const bench_corpus *corpus) {
  c->mean = 0.0;
  c->worst = INFINITY;
  for (size_t i = 0; i < corpus->mixture_count; ++i) {
    c->mean += c->improvement[i] / corpus->mixture_count;
    if (c->improvement[i] < c->worst) {
      c->worst = c->improvement[i];
      c->worst_index = i;
    }
  }
}

static double type_mean(const table *t, const column *c, const char *type) {
  double sum = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < t->corpus.mixture_count; ++i) {
    char own[32];
    bench_noise_type(t->corpus.mixtures[i].name, own, sizeof(own));
    if (strcmp(own, type) == 0) {
      sum += c->improvement[i];
      count++;
    }
  }
  return count ? sum / count : NAN;
}

static void find_types(table *t) {
  for (size_t i = 0; i < t->corpus.mixture_count; ++i) {
    char type[32];
    bench_noise_type(t->corpus.mixtures[i].name, type, sizeof(type));
    size_t k = 0;
    while (k < t->type_count && strcmp(t->types[k], type) != 0) {
      ++k;
    }
    if (k == t->type_count && k < MAX_TYPES) {
      snprintf(t->types[t->type_count++], sizeof(t->types[0]), "%s", type);
    }
  }
}

/* failsafe and speexdsp: the default mode's own latency check and
   scoring. */
static void score_system(column *c, const bench_system *system, const bench_corpus *corpus, float reduction_db) {
  bench_result r;
  memset(&r, 0, sizeof(r));
  bench_find_latency(&r, system, corpus->sample_rate, reduction_db, &corpus->cleans[0], MAX_DELAY_SEARCH);
  r.improvement = c->improvement;
  r.mni = calloc(corpus->mixture_count, sizeof(double));
  bench_score_quality(&r, corpus, reduction_db);
  free(r.mni);
  c->latency = r.latency;
  c->clean_min = r.worst_clean_si_sdr;
  c->available = 1;
}

/* The improvement of an output late by `latency` on mixture m. */
static double improvement_of(const bench_mixture *m, const float *out, size_t latency, size_t from) {
  return bench_aligned_si_sdr(m->clean, out, m->length, latency, from) -
         bench_aligned_si_sdr(m->clean, m->noisy, m->length, 0, from);
}

static void score_irm(column *c, const bench_corpus *corpus, size_t from) {
  for (size_t i = 0; i < corpus->mixture_count; ++i) {
    const bench_mixture *m = &corpus->mixtures[i];
    float *out = bench_irm_run(m->clean, m->noisy, m->length);
    c->improvement[i] = improvement_of(m, out, 0, from);
    free(out);
  }
  /* Clean in: no noise, so the mask is one wherever there is speech. */
  c->clean_min = INFINITY;
  for (size_t k = 0; k < corpus->clean_count; ++k) {
    const bench_clean *clean = &corpus->cleans[k];
    float *out = bench_irm_run(clean->samples, clean->samples, clean->length);
    const double sdr = bench_aligned_si_sdr(clean->samples, out, clean->length, 0, 0);
    c->clean_min = sdr < c->clean_min ? sdr : c->clean_min;
    free(out);
  }
  c->latency = 0;
  c->available = 1;
}

/* Clean files first: the first one also checks the documented delay by
   cross-correlation (once per model over the whole run). */
static void score_rnnoise(column *c, bench_rnnoise *rnn, long *measured_delay, char *probe_name,
                          size_t probe_size, const bench_corpus *corpus, size_t from) {
  const double rate = corpus->sample_rate;
  c->clean_min = INFINITY;
  for (size_t k = 0; k < corpus->clean_count && rnn->available; ++k) {
    const bench_clean *clean = &corpus->cleans[k];
    float *out = bench_rnnoise_run(rnn, clean->samples, clean->length, rate);
    if (!out) {
      break;
    }
    if (*measured_delay < 0) {
      *measured_delay = (long)bench_measure_delay(clean->samples, out, clean->length, MAX_DELAY_SEARCH);
      snprintf(probe_name, probe_size, "%s/%s", corpus->origin, clean->name);
      if (*measured_delay != (long)rnn->delay) {
        fprintf(stderr, "warning: RNNoise %s is documented %u samples late but measures %ld\n", rnn->model,
                rnn->delay, *measured_delay);
      }
    }
    const double sdr = bench_aligned_si_sdr(clean->samples, out, clean->length, rnn->delay, 0);
    c->clean_min = sdr < c->clean_min ? sdr : c->clean_min;
    free(out);
  }
  for (size_t i = 0; i < corpus->mixture_count && rnn->available; ++i) {
    const bench_mixture *m = &corpus->mixtures[i];
    float *out = bench_rnnoise_run(rnn, m->noisy, m->length, rate);
    if (out) {
      c->improvement[i] = improvement_of(m, out, rnn->delay, from);
      free(out);
    }
  }
  c->available = rnn->available;
  c->latency = rnn->delay;
  snprintf(c->why, sizeof(c->why), "%s", rnn->why);
}

static void score_table(table *t, peers_state *state, float reduction_db) {
  const bench_corpus *corpus = &t->corpus;
  const size_t from = (size_t)(corpus->speech_start_s * corpus->sample_rate);
  for (size_t k = 0; k < COLUMNS; ++k) {
    t->columns[k].improvement = calloc(corpus->mixture_count, sizeof(double));
  }
  fprintf(stderr, "peers: %s: failsafe, classical gains\n", corpus->origin);
  score_system(&t->columns[COL_FAILSAFE], &bench_failsafe, corpus, reduction_db);
  fprintf(stderr, "peers: %s: failsafe, learned gains heard\n", corpus->origin);
  score_system(&t->columns[COL_LEARNED], &bench_failsafe_learned, corpus, reduction_db);
#ifdef FS_BENCH_HAVE_SPEEXDSP
  fprintf(stderr, "peers: %s: speexdsp\n", corpus->origin);
  score_system(&t->columns[COL_SPEEXDSP], &bench_speexdsp, corpus, reduction_db);
#else
  snprintf(t->columns[COL_SPEEXDSP].why, sizeof(t->columns[0].why), "built without speexdsp");
#endif
  for (size_t m = 0; m < 2; ++m) {
    fprintf(stderr, "peers: %s: RNNoise %s\n", corpus->origin, state->rnnoise[m].model);
    score_rnnoise(&t->columns[COL_RNNOISE_02 + m], &state->rnnoise[m], &state->measured_delay[m],
                  state->delay_probe[m], sizeof(state->delay_probe[m]), corpus, from);
  }
  fprintf(stderr, "peers: %s: ideal ratio mask\n", corpus->origin);
  score_irm(&t->columns[COL_IRM], corpus, from);
  for (size_t k = 0; k < COLUMNS; ++k) {
    if (t->columns[k].available) {
      summarise(&t->columns[k], corpus);
    }
  }
  find_types(t);
}

/* ---- text ---------------------------------------------------------------- */

#define LABEL_WIDTH 24
#define COLUMN_WIDTH 13

enum { ROW_SIGNED, ROW_PLAIN, ROW_SAMPLES };

/* style: improvements with a sign, SI-SDR without, samples whole. */
static void print_row(const table *t, const char *label, double (*value)(const table *, const column *, const void *),
                      const void *arg, int style) {
  printf("%-*s", LABEL_WIDTH, label);
  for (size_t k = 0; k < COLUMNS; ++k) {
    const column *c = &t->columns[k];
    if (c->available) {
      const double v = value(t, c, arg);
      if (style == ROW_SIGNED) {
        printf("%+*.2f", COLUMN_WIDTH, v);
      } else if (style == ROW_PLAIN) {
        printf("%*.2f", COLUMN_WIDTH, v);
      } else {
        printf("%*.0f", COLUMN_WIDTH, v);
      }
    } else {
      printf("%*s", COLUMN_WIDTH, "n/a");
    }
  }
  printf("\n");
}

static double by_type(const table *t, const column *c, const void *type) { return type_mean(t, c, type); }
static double mean_of(const table *t, const column *c, const void *arg) {
  (void)t, (void)arg;
  return c->mean;
}
static double worst_of(const table *t, const column *c, const void *arg) {
  (void)t, (void)arg;
  return c->worst;
}
static double clean_of(const table *t, const column *c, const void *arg) {
  (void)t, (void)arg;
  return c->clean_min;
}
static double latency_of(const table *t, const column *c, const void *arg) {
  (void)t, (void)arg;
  return c->latency;
}

static void print_text(const table *t) {
  const bench_corpus *corpus = &t->corpus;
  printf("\ncorpus: %s (%zu mixtures, %zu clean files, %.0f Hz, scored from %.1f s)\n", corpus->origin,
         corpus->mixture_count, corpus->clean_count, corpus->sample_rate, corpus->speech_start_s);
  printf("%-*s", LABEL_WIDTH, "SI-SDR improvement, dB");
  for (size_t k = 0; k < COLUMNS; ++k) {
    printf("%*s", COLUMN_WIDTH, column_names[k]);
  }
  printf("\n");
  for (size_t k = 0; k < t->type_count; ++k) {
    print_row(t, t->types[k], by_type, t->types[k], ROW_SIGNED);
  }
  print_row(t, "MEAN", mean_of, NULL, ROW_SIGNED);
  print_row(t, "WORST file", worst_of, NULL, ROW_SIGNED);
  print_row(t, "clean in: SI-SDR out", clean_of, NULL, ROW_PLAIN);
  print_row(t, "aligned by, samples", latency_of, NULL, ROW_SAMPLES);
  printf("worst files:");
  const char *separator = " ";
  for (size_t k = 0; k < COLUMNS; ++k) {
    if (t->columns[k].available) {
      printf("%s%s %s", separator, column_names[k], corpus->mixtures[t->columns[k].worst_index].name);
      separator = ", ";
    }
  }
  printf("\n");
  for (size_t k = 0; k < COLUMNS; ++k) {
    if (!t->columns[k].available) {
      printf("%s: n/a, %s\n", column_names[k], t->columns[k].why);
    }
  }
}

/* ---- JSON ---------------------------------------------------------------- */

/* The reasons quote paths and Node's messages, the corpora are paths:
   fs_json escapes every string. */
static void json_column(fs_json *json, const table *t, size_t k) {
  const column *c = &t->columns[k];
  const bench_corpus *corpus = &t->corpus;
  fs_json_object_begin(json);
  fs_json_key(json, "name");
  fs_json_string(json, column_names[k]);
  fs_json_key(json, "available");
  fs_json_bool(json, c->available);
  if (!c->available) {
    fs_json_key(json, "why");
    fs_json_string(json, c->why);
    fs_json_object_end(json);
    return;
  }
  bench_json_scores(json, corpus, c->latency, c->mean, c->worst, c->worst_index);
  fs_json_key(json, "clean_si_sdr_min_db");
  fs_json_double(json, c->clean_min);
  fs_json_key(json, "by_noise");
  fs_json_object_begin(json);
  for (size_t i = 0; i < t->type_count; ++i) {
    fs_json_key(json, t->types[i]);
    fs_json_double(json, type_mean(t, c, t->types[i]));
  }
  fs_json_object_end(json);
  bench_json_per_mixture(json, corpus, c->improvement);
  fs_json_object_end(json);
}

static void json_corpus(fs_json *json, const table *t) {
  const bench_corpus *corpus = &t->corpus;
  fs_json_object_begin(json);
  fs_json_key(json, "corpus");
  fs_json_string(json, corpus->origin);
  fs_json_key(json, "mixtures");
  fs_json_uint(json, corpus->mixture_count);
  fs_json_key(json, "sample_rate");
  fs_json_double(json, corpus->sample_rate);
  fs_json_key(json, "scored_from_s");
  fs_json_double(json, corpus->speech_start_s);
  fs_json_key(json, "systems");
  fs_json_array_begin(json);
  for (size_t k = 0; k < COLUMNS; ++k) {
    json_column(json, t, k);
  }
  fs_json_array_end(json);
  fs_json_object_end(json);
}

/* A delay never measured and a cost never timed are null. */
static void json_rnnoise(fs_json *json, const bench_rnnoise *r, long measured_delay) {
  fs_json_object_begin(json);
  fs_json_key(json, "model");
  fs_json_string(json, r->model);
  fs_json_key(json, "available");
  fs_json_bool(json, r->available);
  if (!r->available) {
    fs_json_key(json, "why");
    fs_json_string(json, r->why);
  }
  fs_json_key(json, "delay");
  fs_json_uint(json, r->delay);
  fs_json_key(json, "measured_delay");
  if (measured_delay >= 0) {
    fs_json_uint(json, (uint64_t)measured_delay);
  } else {
    fs_json_null(json);
  }
  fs_json_key(json, "wasm_ns_per_sample");
  fs_json_double(json, r->runs ? r->ns_per_sample : NAN);
  fs_json_object_end(json);
}

static void print_json(const table *tables, size_t count, const peers_state *state, float reduction_db) {
  fs_json json;
  fs_json_init(&json, stdout);
  fs_json_object_begin(&json);
  fs_json_key(&json, "mode");
  fs_json_string(&json, "peers");
  fs_json_key(&json, "reduction_db");
  fs_json_double(&json, reduction_db);
  fs_json_key(&json, "corpora");
  fs_json_array_begin(&json);
  for (size_t n = 0; n < count; ++n) {
    json_corpus(&json, &tables[n]);
  }
  fs_json_array_end(&json);
  fs_json_key(&json, "rnnoise");
  fs_json_array_begin(&json);
  for (size_t m = 0; m < 2; ++m) {
    json_rnnoise(&json, &state->rnnoise[m], state->measured_delay[m]);
  }
  fs_json_array_end(&json);
  fs_json_object_end(&json);
}

/* ---- the mode -------------------------------------------------------------- */

int bench_peers_main(const bench_peers_options *o) {
  const size_t count = o->corpus_count ? o->corpus_count : 1;
  table *tables = calloc(count, sizeof(table));
  peers_state state;
  char package_dir[1024];
  if (o->rnnoise_dir) {
    snprintf(package_dir, sizeof(package_dir), "%s", o->rnnoise_dir);
  } else {
    bench_rnnoise_default_dir(package_dir, sizeof(package_dir));
  }
  bench_rnnoise_init(&state.rnnoise[0], "0.2", o->rnnoise_script, package_dir);
  bench_rnnoise_init(&state.rnnoise[1], "0.1", o->rnnoise_script, package_dir);
  state.measured_delay[0] = state.measured_delay[1] = -1;
  state.delay_probe[0][0] = state.delay_probe[1][0] = 0;

  size_t loaded = 0;
  for (size_t n = 0; n < count; ++n) {
    table *t = &tables[loaded];
    if (o->corpus_count == 0) {
      bench_corpus_generate(&t->corpus);
    } else if (bench_corpus_load(&t->corpus, o->corpora[n]) != 0) {
      continue; /* the loader said why */
    }
    score_table(t, &state, o->reduction_db);
    loaded++;
  }

  if (o->json) {
    print_json(tables, loaded, &state, o->reduction_db);
  } else {
    printf("failsafe-bench --peers\n======================\n");
    printf("failsafe at %.1f dB reduction; speexdsp and RNNoise at their defaults; IRM: ideal ratio mask\n"
           "(true speech and noise, sqrt-Hann %u/%u STFT: a ceiling, not a peer)\n",
           o->reduction_db, BENCH_IRM_FRAME, BENCH_IRM_HOP);
    for (size_t n = 0; n < loaded; ++n) {
      print_text(&tables[n]);
    }
    printf("\nRNNoise delay, samples (documented; measured by cross-correlation on clean speech):\n");
    for (size_t m = 0; m < 2; ++m) {
      const bench_rnnoise *r = &state.rnnoise[m];
      if (state.measured_delay[m] >= 0) {
        printf("  %s: %u; measured %ld on %s\n", r->model, r->delay, state.measured_delay[m],
               state.delay_probe[m]);
      } else {
        printf("  %s: %u; not measured (n/a)\n", r->model, r->delay);
      }
    }
    printf("RNNoise cost (wasm, for reference only):");
    for (size_t m = 0; m < 2; ++m) {
      const bench_rnnoise *r = &state.rnnoise[m];
      if (r->runs) {
        printf("  %s %.0f ns/sample", r->model, r->ns_per_sample);
      } else {
        printf("  %s n/a", r->model);
      }
    }
    printf("\n");
  }

  for (size_t n = 0; n < loaded; ++n) {
    for (size_t k = 0; k < COLUMNS; ++k) {
      free(tables[n].columns[k].improvement);
    }
    bench_corpus_free(&tables[n].corpus);
  }
  free(tables);
  bench_rnnoise_free(&state.rnnoise[0]);
  bench_rnnoise_free(&state.rnnoise[1]);
  return loaded ? 0 : 1;
}

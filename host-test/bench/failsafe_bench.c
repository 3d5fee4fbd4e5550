/*
  failsafe-bench: quality and cost of the enhancer against speexdsp, in
  one run, on the same material.

    failsafe-bench [--corpus DIR | --generate] [--reduction DB] [--sweep]
                   [--oracle] [--cost-seconds S] [--no-cost] [--json]
    failsafe-bench --robust [--corpus DIR | --generate] [--real-corpus DIR]
                   [--reduction DB] [--oracle] [--json]

  Quality: SI-SDR improvement per mixture (scored after the noise-only
  lead, each output aligned to the clean reference by its latency), the
  worst mixture, the musical-noise index (see bench_metrics.h), and
  do-no-harm: clean speech in, SI-SDR of the output against it.
  Cost: wall time of every process call at host blocks of 32, 64, 256 and
  1024 samples, as ns per sample (mean, 99th and 99.9th percentiles) and
  the slowest call against the block's duration, in wall time and in the
  thread's own CPU time (which leaves out preemption and, on a virtual
  machine, the stalls of its virtual CPU).
  Latency in samples and ms, and heap per instance.
  --oracle adds a lab-only limit: the same enhancer with its noise tracker
  replaced by the true noise PSD (the mixture minus the scaled clean
  speech, minus what the hum remover took, its periodogram averaged over
  ORACLE_SMOOTH_MS), which shows how much of the gap to any target is
  noise tracking and how much the rest; with --robust, for the modulated
  noise rows.
  --robust runs the robustness rows instead (silence before noise, noise
  steps, modulated noise, clicks): see bench_robust.h.

    failsafe-bench --peers [--corpus DIR ...] [--rnnoise-script PATH]
                   [--rnnoise-dir DIR] [--reduction DB] [--json]

  --peers prints the side-by-side table the quality targets are judged
  on, per corpus (--corpus may be given more than once; none: the
  default corpus and the recorded one beside the source tree): SI-SDR
  improvement per noise type, mean and worst file, and clean speech in,
  for failsafe, speexdsp, RNNoise 0.2 and 0.1 and the ideal ratio mask.
  RNNoise runs as ../shared/peers/README.md says, through Node and the
  npm package @jitsi/rnnoise-wasm (--rnnoise-dir or RNN_WASM_DIR, else
  ~/rnnoise-peer); without them its columns print n/a.  See bench_peers.h.
*/
#include "bench_corpus.h"
#include "bench_metrics.h"
#include "bench_oracle.h"
#include "bench_peers.h"
#include "bench_report.h"
#include "bench_robust.h"
#include "bench_scores.h"
#include "bench_systems.h"
#include "fs_tuning.h"

#include <sched.h>
#include <sys/mman.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef FS_BENCH_DEFAULT_CORPUS
#define FS_BENCH_DEFAULT_CORPUS ""
#endif
#ifndef FS_BENCH_DEFAULT_REAL_CORPUS
#define FS_BENCH_DEFAULT_REAL_CORPUS ""
#endif
#ifndef FS_BENCH_DEFAULT_RNNOISE_SCRIPT
#define FS_BENCH_DEFAULT_RNNOISE_SCRIPT "rnnoise-wasm.js"
#endif

#define MAX_SYSTEMS 4
#define MAX_DELAY_SEARCH 4096u

/* The result of `system` among the first `count`. */
static const bench_result *result_of(const bench_result *results, size_t count, const bench_system *system) {
  for (size_t s = 0; s < count; ++s) {
    if (results[s].system == system) {
      return &results[s];
    }
  }
  return &results[0];
}

/* Timing like an audio thread: SCHED_FIFO with memory locked, when the
   system allows it (root or an rtprio limit).  Otherwise the slowest call
   also measures whatever preempted the benchmark. */
static int enter_realtime(void) {
  const struct sched_param param = {.sched_priority = 70};
  if (sched_setscheduler(0, SCHED_FIFO, &param) != 0) {
    return 0;
  }
  (void)mlockall(MCL_CURRENT | MCL_FUTURE);
  return 1;
}

static void leave_realtime(void) {
  const struct sched_param param = {.sched_priority = 0};
  (void)sched_setscheduler(0, SCHED_OTHER, &param);
  (void)munlockall();
}

static const char *existing_dir(const char *path) {
  struct stat st;
  if (path[0] && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    return path;
  }
  return NULL;
}

static const char *default_corpus(void) { return existing_dir(FS_BENCH_DEFAULT_CORPUS); }

static void usage(void) {
  fprintf(stderr,
          "usage: failsafe-bench [--corpus DIR | --generate] [--reduction DB] [--sweep]\n"
          "                      [--oracle] [--cost-seconds S] [--repetitions N] [--no-cost] [--json]\n"
          "       failsafe-bench --robust [--corpus DIR | --generate] [--real-corpus DIR]\n"
          "                      [--reduction DB] [--oracle] [--json]\n"
          "       failsafe-bench --peers [--corpus DIR ...] [--rnnoise-script PATH] [--rnnoise-dir DIR]\n"
          "                      [--reduction DB] [--json]\n");
}

int main(int argc, char **argv) {
  const char *corpus_dir = default_corpus();
  float reduction_db = 15.0f;
  double cost_seconds = 60.0;
  int repetitions = 3, do_cost = 1, json = 0, sweep = 0, generate = 0, oracle = 0, realtime = 0;
  int robust = 0, peers = 0;
  const char *real_corpus_dir = existing_dir(FS_BENCH_DEFAULT_REAL_CORPUS);
  bench_peers_options peer_options = {.rnnoise_script = FS_BENCH_DEFAULT_RNNOISE_SCRIPT};
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) {
      corpus_dir = argv[++i];
      /* --peers takes every corpus given; the other modes the last. */
      if (peer_options.corpus_count < BENCH_PEERS_MAX_CORPORA) {
        peer_options.corpora[peer_options.corpus_count++] = corpus_dir;
      }
    } else if (strcmp(argv[i], "--generate") == 0) {
      generate = 1;
    } else if (strcmp(argv[i], "--reduction") == 0 && i + 1 < argc) {
      reduction_db = strtof(argv[++i], NULL);
    } else if (strcmp(argv[i], "--cost-seconds") == 0 && i + 1 < argc) {
      cost_seconds = strtod(argv[++i], NULL);
    } else if (strcmp(argv[i], "--repetitions") == 0 && i + 1 < argc) {
      repetitions = atoi(argv[++i]);
      repetitions = repetitions < 1 ? 1 : repetitions;
    } else if (strcmp(argv[i], "--no-cost") == 0) {
      do_cost = 0;
    } else if (strcmp(argv[i], "--sweep") == 0) {
      sweep = 1;
    } else if (strcmp(argv[i], "--oracle") == 0) {
      oracle = 1;
    } else if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp(argv[i], "--robust") == 0) {
      robust = 1;
    } else if (strcmp(argv[i], "--real-corpus") == 0 && i + 1 < argc) {
      real_corpus_dir = argv[++i];
    } else if (strcmp(argv[i], "--peers") == 0) {
      peers = 1;
    } else if (strcmp(argv[i], "--rnnoise-script") == 0 && i + 1 < argc) {
      peer_options.rnnoise_script = argv[++i];
    } else if (strcmp(argv[i], "--rnnoise-dir") == 0 && i + 1 < argc) {
      peer_options.rnnoise_dir = argv[++i];
    } else {
      usage();
      return 2;
    }
  }

  if (peers) {
    if (generate) {
      peer_options.corpus_count = 0; /* no corpus: the generated one */
    } else if (peer_options.corpus_count == 0) {
      /* The two corpora beside the source tree, when they are there. */
      const char *defaults[] = {default_corpus(), real_corpus_dir};
      for (size_t d = 0; d < 2; ++d) {
        if (defaults[d]) {
          peer_options.corpora[peer_options.corpus_count++] = defaults[d];
        }
      }
    }
    peer_options.reduction_db = reduction_db;
    peer_options.json = json;
    return bench_peers_main(&peer_options);
  }

  if (robust) {
    const bench_robust_options options = {generate ? NULL : corpus_dir, real_corpus_dir, reduction_db, json, oracle};
    return bench_robust_main(&options);
  }

  bench_corpus corpus;
  if (generate || !corpus_dir || bench_corpus_load(&corpus, corpus_dir) != 0) {
    bench_corpus_generate(&corpus);
  }
  const double rate = corpus.sample_rate;

  const bench_system *systems[MAX_SYSTEMS];
  size_t system_count = 0;
  systems[system_count++] = &bench_failsafe;
  /* The full path with the learned tier heard, as the plugin plays it
     with use_learned on (README, "The learned tier"); the classical one
     above is the default, and what the net falls back to first. */
  systems[system_count++] = &bench_failsafe_learned;
#ifdef FS_BENCH_HAVE_SPEEXDSP
  systems[system_count++] = &bench_speexdsp;
#endif
  systems[system_count++] = &bench_failsafe_light;

  /* Latency: what each system reports, checked against what it does on
     clean speech (the largest cross-correlation between output and input). */
  bench_result results[MAX_SYSTEMS];
  memset(results, 0, sizeof(results));
  const bench_clean *probe = &corpus.cleans[0];
  for (size_t s = 0; s < system_count; ++s) {
    bench_result *r = &results[s];
    bench_find_latency(r, systems[s], rate, reduction_db, probe, MAX_DELAY_SEARCH);
    r->improvement = calloc(corpus.mixture_count, sizeof(double));
    r->mni = calloc(corpus.mixture_count, sizeof(double));
    r->heap_bytes = bench_heap_of(r->system, rate);
  }

  for (size_t s = 0; s < system_count; ++s) {
    bench_score_quality(&results[s], &corpus, reduction_db);
  }
  /* The input's own musical-noise index, for scale. */
  double input_mni = 0.0;
  for (size_t i = 0; i < corpus.mixture_count; ++i) {
    const bench_mixture *m = &corpus.mixtures[i];
    input_mni += bench_musical_noise_index(m->clean, m->noisy, m->length, rate) / corpus.mixture_count;
  }

  if (do_cost) {
    /* The mixtures end to end, up to cost_seconds. */
    size_t total = 0;
    const size_t wanted = (size_t)(cost_seconds * rate);
    float *signal = malloc(wanted * sizeof(float));
    for (size_t i = 0; total < wanted; i = (i + 1) % corpus.mixture_count) {
      const bench_mixture *m = &corpus.mixtures[i];
      const size_t take = m->length < wanted - total ? m->length : wanted - total;
      memcpy(signal + total, m->noisy, take * sizeof(float));
      total += take;
    }
    realtime = enter_realtime();
    /* Repetitions outermost, so the systems are timed interleaved and a
       busy spell on the machine hits all of them alike. */
    for (size_t s = 0; s < system_count; ++s) {
      for (size_t b = 0; b < COST_BLOCKS; ++b) {
        results[s].cost_mean[b] = INFINITY;
        results[s].cost_max_us[b] = INFINITY;
        results[s].cost_cpu_max_us[b] = INFINITY;
      }
    }
    for (int rep = 0; rep < repetitions; ++rep) {
      for (size_t s = 0; s < system_count; ++s) {
        bench_measure_cost(&results[s], rate, reduction_db, signal, total, 1);
      }
    }
    if (realtime) {
      leave_realtime();
    }
    free(signal);
  }

  /* The targets are judged on what the plugin plays by default, against
     speexdsp. */
  const bench_system *shipped = FS_LEARNED_ON_BY_DEFAULT ? &bench_failsafe_learned : &bench_failsafe;
  const bench_result *full = result_of(results, system_count, shipped);
  const bench_result *classical = result_of(results, system_count, &bench_failsafe);
#ifdef FS_BENCH_HAVE_SPEEXDSP
  const bench_result *peer = result_of(results, system_count, &bench_speexdsp);
#else
  const bench_result *peer = NULL;
#endif

  const bench_report report = {
      .corpus = &corpus,
      .rate = rate,
      .reduction_db = reduction_db,
      .input_mni = input_mni,
      .results = results,
      .system_count = system_count,
      .full = full,
      .classical = classical,
      .learned = result_of(results, system_count, &bench_failsafe_learned),
      .peer = peer,
      .do_cost = do_cost,
      .repetitions = repetitions,
      .realtime = realtime,
      .cost_seconds = cost_seconds,
  };
  if (json) {
    bench_report_json(&report);
  } else {
    bench_report_text(&report);
  }

  if (sweep) {
    printf("\nReduction sweep (%s): mean / worst improvement, MNI, clean SI-SDR\n", full->system->name);
    const float sweep_db[] = {6, 10, 12, 15, 18, 20, 25, 30, 40};
    bench_result r;
    memset(&r, 0, sizeof(r));
    r.system = full->system;
    r.latency = full->latency;
    r.improvement = calloc(corpus.mixture_count, sizeof(double));
    r.mni = calloc(corpus.mixture_count, sizeof(double));
    for (size_t i = 0; i < sizeof(sweep_db) / sizeof(sweep_db[0]); ++i) {
      bench_score_quality(&r, &corpus, sweep_db[i]);
      printf("  %4.0f dB: %+6.2f / %+6.2f dB, MNI %5.2f, clean %6.2f dB\n", sweep_db[i], r.mean_improvement,
             r.worst_improvement, r.mean_mni, r.worst_clean_si_sdr);
    }
    free(r.improvement);
    free(r.mni);
  }

  if (oracle) {
    /* The oracle is the classical path with the true noise: against the
       classical path, the gap is what noise tracking costs. */
    bench_oracle_report(&corpus, rate, reduction_db, classical->mean_improvement);
  }

  for (size_t s = 0; s < system_count; ++s) {
    free(results[s].improvement);
    free(results[s].mni);
  }
  bench_corpus_free(&corpus);
  return 0;
}

/*
  failsafe-bench: quality and cost of the enhancer against speexdsp, in
  one run, on the same material.

    failsafe-bench [--corpus DIR | --generate] [--reduction DB] [--sweep]
                   [--oracle] [--cost-seconds S] [--no-cost] [--json]
    failsafe-bench --robust [--corpus DIR | --generate] [--real-corpus DIR]
                   [--reduction DB] [--json]

  Quality: SI-SDR improvement per mixture (scored after the noise-only
  lead, each output aligned to the clean reference by its latency), the
  worst mixture, the musical-noise index (see bench_metrics.h), and
  do-no-harm: clean speech in, SI-SDR of the output against it.
  Cost: wall time of every process call at host blocks of 32, 64, 256 and
  1024 samples, as ns per sample (mean, 99th percentile) and the slowest
  call against the block's duration.
  Latency in samples and ms, and heap per instance.
  --oracle adds a lab-only limit: the same enhancer with its noise tracker
  replaced by the true noise PSD (the mixture minus the scaled clean
  speech, minus what the hum remover took, its periodogram averaged over
  ORACLE_SMOOTH_MS), which shows how much of the gap to any target is
  noise tracking and how much the rest.
  --robust runs the robustness rows instead (silence before noise, noise
  steps, modulated noise, clicks): see bench_robust.h.
*/
#include "bench_corpus.h"
#include "bench_metrics.h"
#include "bench_robust.h"
#include "bench_systems.h"
#include "fs_dehum.h"
#include "fs_enhancer.h"
#include "fs_sanitize.h"
#include "fs_stft.h"

#include <malloc.h>
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

#define QUALITY_BLOCK 256u
#define MAX_SYSTEMS 3
#define MAX_DELAY_SEARCH 4096u
#define ORACLE_SMOOTH_MS 100.0

static const uint32_t cost_blocks[] = {32, 64, 256, 1024};
#define COST_BLOCKS (sizeof(cost_blocks) / sizeof(cost_blocks[0]))

typedef struct {
  const bench_system *system;
  uint32_t latency;          /* samples, output behind input */
  uint32_t reported_latency; /* what it says (0: says nothing) */
  double *improvement;       /* per mixture, dB */
  double *mni;               /* per mixture */
  double mean_improvement, worst_improvement, mean_mni;
  size_t worst_index;
  double clean_si_sdr[8];
  double worst_clean_si_sdr;
  double cost_mean[COST_BLOCKS], cost_p99[COST_BLOCKS], cost_max_us[COST_BLOCKS];
  size_t heap_bytes;
} system_result;

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/* SI-SDR of out (aligned by latency) against ref, from sample `from`. */
static double aligned_si_sdr(const float *ref, const float *out, size_t n, size_t latency, size_t from) {
  if (n <= latency + from) {
    return NAN;
  }
  return bench_si_sdr(ref + from, out + latency + from, n - latency - from);
}

/* The enhancer driven hop by hop with the true noise PSD.  Output late by
   the enhancer's hop latency (no host framer here). */
static float *run_oracle(double rate, float reduction_db, const bench_mixture *m, uint32_t *latency) {
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

/* Mean improvement per noise type (the part of the mixture name after the
   first '_'), printed on one line. */
static void print_by_noise(const char *label, const bench_corpus *c, const double *improvement) {
  char names[8][32];
  double sums[8] = {0};
  int counts[8] = {0}, types = 0;
  for (size_t i = 0; i < c->mixture_count; ++i) {
    const char *from = strchr(c->mixtures[i].name, '_');
    char type[32] = "?";
    if (from) {
      snprintf(type, sizeof(type), "%s", from + 1);
      char *end = strchr(type, '_');
      if (end) {
        *end = 0;
      }
    }
    int t = 0;
    while (t < types && strcmp(names[t], type) != 0) {
      ++t;
    }
    if (t == types) {
      if (types == 8) {
        continue;
      }
      snprintf(names[types++], sizeof(names[0]), "%s", type);
    }
    sums[t] += improvement[i];
    counts[t]++;
  }
  printf("%-22s", label);
  for (int t = 0; t < types; ++t) {
    printf(" %s %+.2f", names[t], sums[t] / counts[t]);
  }
  printf("\n");
}

static void score_quality(system_result *r, const bench_corpus *c, float reduction_db) {
  const size_t count = c->mixture_count;
  const size_t from = (size_t)(c->speech_start_s * c->sample_rate);
  r->mean_improvement = 0.0;
  r->worst_improvement = INFINITY;
  r->mean_mni = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const bench_mixture *m = &c->mixtures[i];
    float *out = bench_system_run(r->system, c->sample_rate, reduction_db, m->noisy, m->length, QUALITY_BLOCK);
    const double before = aligned_si_sdr(m->clean, m->noisy, m->length, 0, from);
    const double after = aligned_si_sdr(m->clean, out, m->length, r->latency, from);
    r->improvement[i] = after - before;
    r->mni[i] = bench_musical_noise_index(m->clean, out + r->latency, m->length - r->latency, c->sample_rate);
    r->mean_improvement += r->improvement[i] / count;
    r->mean_mni += r->mni[i] / count;
    if (r->improvement[i] < r->worst_improvement) {
      r->worst_improvement = r->improvement[i];
      r->worst_index = i;
    }
    free(out);
  }
  r->worst_clean_si_sdr = INFINITY;
  for (size_t k = 0; k < c->clean_count; ++k) {
    const bench_clean *clean = &c->cleans[k];
    float *out = bench_system_run(r->system, c->sample_rate, reduction_db, clean->samples, clean->length, QUALITY_BLOCK);
    r->clean_si_sdr[k] = aligned_si_sdr(clean->samples, out, clean->length, r->latency, 0);
    if (r->clean_si_sdr[k] < r->worst_clean_si_sdr) {
      r->worst_clean_si_sdr = r->clean_si_sdr[k];
    }
    free(out);
  }
}

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Time every call; keep the best of a few repetitions (least disturbed by
   whatever else the machine runs): the mean and 99th percentile of the
   run with the lowest mean, and the lowest of the runs' slowest calls (a
   slow call in every run is the code's; one in a single run is the
   machine's).  cost_mean and cost_max_us start at INFINITY. */
static void measure_cost(system_result *r, double rate, float reduction_db, const float *signal, size_t n,
                         int repetitions) {
  for (size_t b = 0; b < COST_BLOCKS; ++b) {
    const uint32_t block = cost_blocks[b];
    const size_t calls = n / block;
    double *per_call = malloc(calls * sizeof(double));
    float *out = malloc((size_t)block * sizeof(float));
    for (int rep = 0; rep < repetitions; ++rep) {
      void *instance = r->system->create(rate);
      if (r->system->set_reduction) {
        r->system->set_reduction(instance, reduction_db);
      }
      /* Warm caches and branch predictors on the first second, untimed. */
      for (size_t i = 0; i + block <= (size_t)rate && i + block <= n; i += block) {
        r->system->process(instance, signal + i, out, block);
      }
      double total = 0.0, slowest = 0.0;
      for (size_t call = 0; call < calls; ++call) {
        const double t0 = now_ns();
        r->system->process(instance, signal + call * block, out, block);
        const double t = now_ns() - t0;
        per_call[call] = t;
        total += t;
        slowest = t > slowest ? t : slowest;
      }
      r->system->destroy(instance);
      const double mean = total / ((double)calls * block);
      if (mean < r->cost_mean[b]) {
        qsort(per_call, calls, sizeof(double), compare_doubles);
        r->cost_mean[b] = mean;
        r->cost_p99[b] = per_call[(size_t)(0.99 * (calls - 1))] / block;
      }
      if (slowest / 1000.0 < r->cost_max_us[b]) {
        r->cost_max_us[b] = slowest / 1000.0;
      }
    }
    free(per_call);
    free(out);
  }
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

static size_t heap_of(const bench_system *s, double rate) {
  struct mallinfo2 before = mallinfo2();
  void *instance = s->create(rate);
  struct mallinfo2 after = mallinfo2();
  s->destroy(instance);
  return after.uordblks + after.hblkhd - before.uordblks - before.hblkhd;
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
          "                      [--reduction DB] [--json]\n");
}

int main(int argc, char **argv) {
  const char *corpus_dir = default_corpus();
  float reduction_db = 15.0f;
  double cost_seconds = 60.0;
  int repetitions = 3, do_cost = 1, json = 0, sweep = 0, generate = 0, oracle = 0, realtime = 0;
  int robust = 0;
  const char *real_corpus_dir = existing_dir(FS_BENCH_DEFAULT_REAL_CORPUS);
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc) {
      corpus_dir = argv[++i];
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
    } else {
      usage();
      return 2;
    }
  }

  if (robust) {
    const bench_robust_options options = {generate ? NULL : corpus_dir, real_corpus_dir, reduction_db, json};
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
#ifdef FS_BENCH_HAVE_SPEEXDSP
  systems[system_count++] = &bench_speexdsp;
#endif
  systems[system_count++] = &bench_failsafe_light;

  /* Latency: what each system reports, checked against what it does on
     clean speech (the largest cross-correlation between output and input). */
  system_result results[MAX_SYSTEMS];
  memset(results, 0, sizeof(results));
  const bench_clean *probe = &corpus.cleans[0];
  for (size_t s = 0; s < system_count; ++s) {
    system_result *r = &results[s];
    r->system = systems[s];
    void *instance = r->system->create(rate);
    r->reported_latency = r->system->reported_latency(instance);
    r->system->destroy(instance);
    float *out = bench_system_run(r->system, rate, reduction_db, probe->samples, probe->length, QUALITY_BLOCK);
    const size_t measured = bench_measure_delay(probe->samples, out, probe->length, MAX_DELAY_SEARCH);
    free(out);
    r->latency = r->reported_latency ? r->reported_latency : (uint32_t)measured;
    if (r->reported_latency && measured != r->reported_latency) {
      fprintf(stderr, "warning: %s reports %u samples of latency but measures %zu\n", r->system->name,
              r->reported_latency, measured);
    }
    r->improvement = calloc(corpus.mixture_count, sizeof(double));
    r->mni = calloc(corpus.mixture_count, sizeof(double));
    r->heap_bytes = heap_of(r->system, rate);
  }

  for (size_t s = 0; s < system_count; ++s) {
    score_quality(&results[s], &corpus, reduction_db);
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
      }
    }
    for (int rep = 0; rep < repetitions; ++rep) {
      for (size_t s = 0; s < system_count; ++s) {
        measure_cost(&results[s], rate, reduction_db, signal, total, 1);
      }
    }
    if (realtime) {
      leave_realtime();
    }
    free(signal);
  }

  const system_result *full = &results[0];
#ifdef FS_BENCH_HAVE_SPEEXDSP
  const system_result *peer = &results[1];
#else
  const system_result *peer = NULL;
#endif

  if (json) {
    printf("{\n  \"corpus\": \"%s\",\n  \"sample_rate\": %.0f,\n  \"reduction_db\": %.1f,\n", corpus.origin, rate,
           reduction_db);
    printf("  \"input_mni\": %.3f,\n  \"systems\": [\n", input_mni);
    for (size_t s = 0; s < system_count; ++s) {
      const system_result *r = &results[s];
      printf("    {\"name\": \"%s\", \"latency\": %u, \"mean_improvement_db\": %.3f, "
             "\"worst_improvement_db\": %.3f, \"worst_mixture\": \"%s\", \"mni\": %.3f, "
             "\"clean_si_sdr_db\": %.2f, \"heap_bytes\": %zu",
             r->system->name, r->latency, r->mean_improvement, r->worst_improvement,
             corpus.mixtures[r->worst_index].name, r->mean_mni, r->worst_clean_si_sdr, r->heap_bytes);
      if (do_cost) {
        printf(", \"cost\": [");
        for (size_t b = 0; b < COST_BLOCKS; ++b) {
          printf("%s{\"block\": %u, \"mean_ns\": %.2f, \"p99_ns\": %.2f, \"max_us\": %.2f}", b ? ", " : "",
                 cost_blocks[b], r->cost_mean[b], r->cost_p99[b], r->cost_max_us[b]);
        }
        printf("]");
      }
      printf(", \"per_mixture\": {");
      for (size_t i = 0; i < corpus.mixture_count; ++i) {
        printf("%s\"%s\": %.3f", i ? ", " : "", corpus.mixtures[i].name, r->improvement[i]);
      }
      printf("}}%s\n", s + 1 < system_count ? "," : "");
    }
    printf("  ]\n}\n");
  } else {
    printf("failsafe-bench\n==============\n");
    printf("corpus: %s, %zu mixtures, %.0f Hz, scored from %.1f s\n", corpus.origin, corpus.mixture_count, rate,
           corpus.speech_start_s);
    printf("reduction: %.1f dB (speexdsp: its default suppression)\n\n", reduction_db);

    printf("Quality: SI-SDR improvement, dB\n");
    printf("%-22s", "mixture");
    for (size_t s = 0; s < system_count; ++s) {
      printf(" %15s", results[s].system->name);
    }
    printf("\n");
    for (size_t i = 0; i < corpus.mixture_count; ++i) {
      printf("%-22s", corpus.mixtures[i].name);
      for (size_t s = 0; s < system_count; ++s) {
        printf(" %+15.2f", results[s].improvement[i]);
      }
      printf("\n");
    }
    printf("%-22s", "MEAN");
    for (size_t s = 0; s < system_count; ++s) {
      printf(" %+15.2f", results[s].mean_improvement);
    }
    printf("\n%-22s", "WORST");
    for (size_t s = 0; s < system_count; ++s) {
      printf(" %+15.2f", results[s].worst_improvement);
    }
    printf("\n%-22s", "musical-noise index");
    for (size_t s = 0; s < system_count; ++s) {
      printf(" %15.2f", results[s].mean_mni);
    }
    printf("   (input: %.2f; lower is smoother)\n", input_mni);
    printf("%-22s", "clean in: SI-SDR, dB");
    for (size_t s = 0; s < system_count; ++s) {
      printf(" %15.2f", results[s].worst_clean_si_sdr);
    }
    printf("   (worst clean file; do no harm >= 20)\n");
    printf("\nBy noise type: mean improvement, dB\n");
    for (size_t s = 0; s < system_count; ++s) {
      print_by_noise(results[s].system->name, &corpus, results[s].improvement);
    }
    if (peer) {
      printf("\nfailsafe - speexdsp: %+.2f dB mean (target >= +2.00), worst file %+.2f dB (target >= -0.50),\n"
             "MNI %.2f vs %.2f (target: not above speexdsp)\n",
             full->mean_improvement - peer->mean_improvement, full->worst_improvement, full->mean_mni,
             peer->mean_mni);
    }

    if (do_cost) {
      printf("\nCost: ns per sample over process calls (best of %d interleaved runs, %.0f s of audio, %s)\n",
             repetitions, cost_seconds,
             realtime ? "SCHED_FIFO, memory locked" : "normal priority: the slowest call includes preemption");
      printf("%-16s %6s %10s %10s %12s %10s\n", "system", "block", "mean", "p99", "max call us", "max/block");
      for (size_t s = 0; s < system_count; ++s) {
        const system_result *r = &results[s];
        for (size_t b = 0; b < COST_BLOCKS; ++b) {
          const double block_us = cost_blocks[b] / rate * 1e6;
          printf("%-16s %6u %10.1f %10.1f %12.1f %9.1f%%\n", r->system->name, cost_blocks[b], r->cost_mean[b],
                 r->cost_p99[b], r->cost_max_us[b], 100.0 * r->cost_max_us[b] / block_us);
        }
      }
      if (peer) {
        printf("ratio failsafe/speexdsp (mean):");
        for (size_t b = 0; b < COST_BLOCKS; ++b) {
          printf("  %u: %.2f", cost_blocks[b], full->cost_mean[b] / peer->cost_mean[b]);
        }
        printf("   (target <= 0.50)\n");
      } else {
        printf("speexdsp: n/a (built without it)\n");
      }
    }

    printf("\nLatency and memory\n");
    for (size_t s = 0; s < system_count; ++s) {
      const system_result *r = &results[s];
      printf("%-16s latency %4u samples = %5.2f ms (%s)   heap %7.1f KiB per instance\n", r->system->name,
             r->latency, 1000.0 * r->latency / rate, r->reported_latency ? "reported, checked" : "measured",
             r->heap_bytes / 1024.0);
    }
  }

  if (sweep) {
    printf("\nReduction sweep (failsafe): mean / worst improvement, MNI, clean SI-SDR\n");
    const float sweep_db[] = {6, 10, 12, 15, 18, 20, 25, 30, 40};
    system_result r;
    memset(&r, 0, sizeof(r));
    r.system = &bench_failsafe;
    r.latency = full->latency;
    r.improvement = calloc(corpus.mixture_count, sizeof(double));
    r.mni = calloc(corpus.mixture_count, sizeof(double));
    for (size_t i = 0; i < sizeof(sweep_db) / sizeof(sweep_db[0]); ++i) {
      score_quality(&r, &corpus, sweep_db[i]);
      printf("  %4.0f dB: %+6.2f / %+6.2f dB, MNI %5.2f, clean %6.2f dB\n", sweep_db[i], r.mean_improvement,
             r.worst_improvement, r.mean_mni, r.worst_clean_si_sdr);
    }
    free(r.improvement);
    free(r.mni);
  }

  if (oracle) {
    const size_t from = (size_t)(corpus.speech_start_s * rate);
    double *improvement = calloc(corpus.mixture_count, sizeof(double));
    double mean = 0.0;
    for (size_t i = 0; i < corpus.mixture_count; ++i) {
      const bench_mixture *m = &corpus.mixtures[i];
      uint32_t latency = 0;
      float *out = run_oracle(rate, reduction_db, m, &latency);
      improvement[i] = aligned_si_sdr(m->clean, out, m->length, latency, from) -
                       aligned_si_sdr(m->clean, m->noisy, m->length, 0, from);
      mean += improvement[i] / corpus.mixture_count;
      free(out);
    }
    printf("\nLab limit: the same gain rule driven by the true noise PSD (%.0f ms average)\n", ORACLE_SMOOTH_MS);
    printf("%-22s %+.2f dB mean (tracker: %+.2f)\n", "failsafe-oracle", mean, full->mean_improvement);
    print_by_noise("failsafe-oracle", &corpus, improvement);
    free(improvement);
  }

  for (size_t s = 0; s < system_count; ++s) {
    free(results[s].improvement);
    free(results[s].mni);
  }
  bench_corpus_free(&corpus);
  return 0;
}

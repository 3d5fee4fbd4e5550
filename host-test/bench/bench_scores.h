/*
  bench_scores: one system's figures in failsafe-bench -- quality on the
  corpus (SI-SDR improvement, musical-noise index, clean speech in) and
  cost per sample at several host block lengths -- and how they are taken.
*/
#ifndef BENCH_SCORES_H
#define BENCH_SCORES_H

#include "bench_corpus.h"
#include "bench_systems.h"

#include <stddef.h>
#include <stdint.h>

/* Host block of the quality runs and the latency probe. */
#define QUALITY_BLOCK 256u

/* The host block lengths the cost is measured at. */
enum { COST_BLOCKS = 4 };
extern const uint32_t cost_blocks[COST_BLOCKS];

/* One system's figures. */
typedef struct bench_result {
  const bench_system *system;
  uint32_t latency;          /* samples, output behind input */
  uint32_t reported_latency; /* what it says (0: says nothing) */
  double *improvement;       /* per mixture, dB */
  double *mni;               /* per mixture */
  double mean_improvement, worst_improvement, mean_mni;
  size_t worst_index;
  double clean_si_sdr[8];
  double worst_clean_si_sdr;
  double cost_mean[COST_BLOCKS], cost_p99[COST_BLOCKS], cost_p999[COST_BLOCKS], cost_max_us[COST_BLOCKS];
  /* The slowest call in the thread's own CPU time (or its wall time when
     that is shorter): what the code took, without the time the thread
     stood preempted or its virtual CPU stalled, which the wall-clock
     slowest call also counts. */
  double cost_cpu_max_us[COST_BLOCKS];
  size_t heap_bytes;
} bench_result;

/* SI-SDR of out (aligned by latency) against ref, from sample `from`. */
double bench_aligned_si_sdr(const float *ref, const float *out, size_t n, size_t latency, size_t from);

/* Sets r->system, r->reported_latency and r->latency: what the system
   reports, checked against what it does on clean speech (the lag of the
   largest cross-correlation between output and input, up to max_lag); the
   measured lag when it reports nothing.  Warns on stderr when the two
   disagree. */
void bench_find_latency(bench_result *r, const bench_system *system, double rate, float reduction_db,
                        const bench_clean *probe, size_t max_lag);

/* Fills r's quality figures at reduction_db (r->system, r->latency and the
   per-mixture arrays set by the caller). */
void bench_score_quality(bench_result *r, const bench_corpus *c, float reduction_db);

/* Times every process call of repetitions runs; cost_mean, cost_max_us
   and cost_cpu_max_us start at INFINITY and keep the best. */
void bench_measure_cost(bench_result *r, double rate, float reduction_db, const float *signal, size_t n,
                        int repetitions);

/* Heap one instance takes. */
size_t bench_heap_of(const bench_system *s, double rate);

#endif

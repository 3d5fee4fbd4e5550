/*
  bench_scores: see bench_scores.h.
*/
#include "bench_scores.h"

#include "bench_metrics.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const uint32_t cost_blocks[COST_BLOCKS] = {32, 64, 256, 1024};

/* A clock in ns: CLOCK_MONOTONIC for wall time, CLOCK_THREAD_CPUTIME_ID
   for the calling thread's CPU time, which stands still while the thread
   is preempted and (with the kernel's steal-time accounting, as on KVM)
   while its virtual CPU is stalled. */
static double clock_ns(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

double bench_aligned_si_sdr(const float *ref, const float *out, size_t n, size_t latency, size_t from) {
  if (n <= latency + from) {
    return NAN;
  }
  return bench_si_sdr(ref + from, out + latency + from, n - latency - from);
}

void bench_find_latency(bench_result *r, const bench_system *system, double rate, float reduction_db,
                        const bench_clean *probe, size_t max_lag) {
  r->system = system;
  void *instance = system->create(rate);
  r->reported_latency = system->reported_latency(instance);
  system->destroy(instance);
  float *out = bench_system_run(system, rate, reduction_db, probe->samples, probe->length, QUALITY_BLOCK);
  const size_t measured = bench_measure_delay(probe->samples, out, probe->length, max_lag);
  free(out);
  r->latency = r->reported_latency ? r->reported_latency : (uint32_t)measured;
  if (r->reported_latency && measured != r->reported_latency) {
    fprintf(stderr, "warning: %s reports %u samples of latency but measures %zu\n", system->name,
            r->reported_latency, measured);
  }
}

void bench_score_quality(bench_result *r, const bench_corpus *c, float reduction_db) {
  const size_t count = c->mixture_count;
  const size_t from = (size_t)(c->speech_start_s * c->sample_rate);
  r->mean_improvement = 0.0;
  r->worst_improvement = INFINITY;
  r->mean_mni = 0.0;
  for (size_t i = 0; i < count; ++i) {
    const bench_mixture *m = &c->mixtures[i];
    float *out = bench_system_run(r->system, c->sample_rate, reduction_db, m->noisy, m->length, QUALITY_BLOCK);
    const double before = bench_aligned_si_sdr(m->clean, m->noisy, m->length, 0, from);
    const double after = bench_aligned_si_sdr(m->clean, out, m->length, r->latency, from);
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
    r->clean_si_sdr[k] = bench_aligned_si_sdr(clean->samples, out, clean->length, r->latency, 0);
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
   whatever else the machine runs): the mean and 99th and 99.9th
   percentiles of the run with the lowest mean, and the lowest of the
   runs' slowest calls (a slow call in every run is the code's; one in a
   single run is the machine's), in wall time and in the thread's CPU
   time.  On a shared or virtual machine a stall can hit every run's
   wall-clock slowest call; the CPU-time one leaves the stall out and
   keeps what the code itself took, cache misses after it included.
   cost_mean, cost_max_us and cost_cpu_max_us start at INFINITY. */
void bench_measure_cost(bench_result *r, double rate, float reduction_db, const float *signal, size_t n,
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
      double total = 0.0, slowest = 0.0, slowest_cpu = 0.0;
      for (size_t call = 0; call < calls; ++call) {
        const double c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        const double t0 = clock_ns(CLOCK_MONOTONIC);
        r->system->process(instance, signal + call * block, out, block);
        const double t = clock_ns(CLOCK_MONOTONIC) - t0;
        /* The CPU-time span holds the wall-clock one and the clock reads
           around it; an interrupt there is charged to the thread too.
           Whichever is shorter bounds what the call itself took. */
        const double c = fmin(clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0, t);
        per_call[call] = t;
        total += t;
        slowest = t > slowest ? t : slowest;
        slowest_cpu = c > slowest_cpu ? c : slowest_cpu;
      }
      r->system->destroy(instance);
      const double mean = total / ((double)calls * block);
      if (mean < r->cost_mean[b]) {
        qsort(per_call, calls, sizeof(double), compare_doubles);
        r->cost_mean[b] = mean;
        r->cost_p99[b] = per_call[(size_t)(0.99 * (calls - 1))] / block;
        r->cost_p999[b] = per_call[(size_t)(0.999 * (calls - 1))] / block;
      }
      if (slowest / 1000.0 < r->cost_max_us[b]) {
        r->cost_max_us[b] = slowest / 1000.0;
      }
      if (slowest_cpu / 1000.0 < r->cost_cpu_max_us[b]) {
        r->cost_cpu_max_us[b] = slowest_cpu / 1000.0;
      }
    }
    free(per_call);
    free(out);
  }
}

size_t bench_heap_of(const bench_system *s, double rate) {
  struct mallinfo2 before = mallinfo2();
  void *instance = s->create(rate);
  struct mallinfo2 after = mallinfo2();
  s->destroy(instance);
  return after.uordblks + after.hblkhd - before.uordblks - before.hblkhd;
}

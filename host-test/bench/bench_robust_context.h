/*
  bench_robust_context: what the robustness bench's rows share (internal to
  bench_robust*.c): the systems with their latencies, the corpora, the
  speech clips, and the runs every row is built from.
*/
#ifndef BENCH_ROBUST_CONTEXT_H
#define BENCH_ROBUST_CONTEXT_H

#include "bench_corpus.h"
#include "bench_robust_table.h"
#include "bench_systems.h"

#include <stddef.h>
#include <stdint.h>

#define BENCH_ROBUST_RATE 48000.0
#define BENCH_WINDOW_S 0.1 /* every level measure runs on 100 ms windows */
#define BENCH_SPEECH_FROM_S 1.0 /* speech clips open with 1 s of silence: scoring starts there */
#define BENCH_FULL_SCALE 0.99 /* peak of any input, so speexdsp's 16-bit input never clips */
#define BENCH_MAX_SPEECH 12

static const char *const bench_noise_kinds[2] = {"white", "pink"};

typedef struct {
  double rate;
  float reduction_db;
  size_t system_count;
  const bench_system *systems[BENCH_ROBUST_MAX_SYSTEMS];
  uint32_t latency[BENCH_ROBUST_MAX_SYSTEMS];
  int latency_measured[BENCH_ROBUST_MAX_SYSTEMS];
  bench_corpus corpora[2]; /* synthetic, real */
  int have_corpus[2];
  bench_corpus generated; /* the speech when no corpus is there */
  const bench_clean *speech[BENCH_MAX_SPEECH];
  size_t speech_count;
  int oracle; /* row 4 adds the lab limit (bench_oracle) */
} bench_robust_context;

/* System s on in[0..n), a fresh instance, output latency-aligned. */
float *bench_robust_run(const bench_robust_context *c, size_t s, const float *in, size_t n);

/* Settled attenuation of a steady run: output over input power of its
   last 3 s, in dB.  Also the tolerance a settle time is judged with: the
   row's, or 3 standard deviations of the run's own 100 ms attenuation over
   that span when that is wider.  Without the widening a system whose
   settled output wobbles by more than the tolerance (speexdsp on pink
   noise swings by several dB from window to window) would read "never"
   however fast it adapts. */
double bench_robust_settled_db(const float *in, const float *out, size_t n, double rate, double tolerance,
                               double *judged_with);

/* 8 s of the same noise (seeded per kind) at a level: row 1's run without
   silence and row 3's references at the levels it steps to. */
float *bench_robust_steady_noise(const bench_robust_context *c, size_t kind, double dbfs, size_t *n);

/* Rows 3-5 (bench_robust_rows.c). */
void bench_robust_row_steps(const bench_robust_context *c, bench_robust_table *table);
void bench_robust_row_modulated(const bench_robust_context *c, bench_robust_table *table);
void bench_robust_row_clicks(const bench_robust_context *c, bench_robust_table *table);

#endif

/*
  bench_robust_material: what the robustness bench (bench_robust.h) feeds
  the systems and the window measures it reads their outputs with.

  Everything is generated from fixed seeds, so two runs on the same code
  print the same table.  Every system output here is latency-aligned:
  out[i] is what the system made of in[i] (the input is run with `latency`
  zeros appended and the first `latency` output samples dropped; the
  systems are causal, so the zeros change nothing before them).
*/
#ifndef BENCH_ROBUST_MATERIAL_H
#define BENCH_ROBUST_MATERIAL_H

#include "bench_systems.h"

#include <stddef.h>
#include <stdint.h>

/* xorshift64, as bench_corpus.c uses for its material. */
typedef struct {
  uint64_t state;
} bench_rng;

uint32_t bench_rng_next(bench_rng *rng);
double bench_rng_uniform(bench_rng *rng); /* (0, 1) */

/* Mean square of x[0..n). */
double bench_power(const float *x, size_t n);

/* 10 log10(num / den), finite when either is 0. */
double bench_ratio_db(double num, double den);

/* Largest |x[i]|. */
double bench_peak(const float *x, size_t n);

/* x *= k. */
void bench_scale(float *x, size_t n, double k);

/* "white" or "pink" noise scaled to `dbfs` RMS over its whole length;
   caller frees. */
float *bench_noise_at(const char *kind, size_t n, double rate, double dbfs, uint64_t seed);

/* Fresh instance, host blocks of 256, reduction set when the system has
   the control; the output latency-aligned as above.  Caller frees. */
float *bench_run_aligned(const bench_system *system, double rate, float reduction_db, const float *in,
                         size_t n, uint32_t latency);

/* 10 log10(sum b^2 / sum a^2) over `count` consecutive windows of `window`
   samples starting at a and b; -200 dB when b is silent, +200 when a is. */
void bench_window_ratio_db(const float *a, const float *b, size_t window, size_t count, double *db);

/* Standard deviation of db[0..count). */
double bench_spread_db(const double *db, size_t count);

/* Seconds from the first window to the start of the first window from
   which every later window lies within tolerance of target; INFINITY when
   the last window is still outside. */
double bench_settle_seconds(const double *db, size_t count, double target, double tolerance,
                            double window_seconds);

/* The 300-3400 Hz telephone band: 2nd-order Butterworth high-pass at
   300 Hz, then low-pass at 3400 Hz (bilinear, RBJ), run from sample 0.
   Applied alike to a system's input and its aligned output, so the
   filter's own delay and ripple cancel in their ratio. */
void bench_speech_band(const float *in, float *out, size_t n, double rate);

/* A click train on [from, n): about `per_second` clicks at uniform random
   times, each a run of 1..48 equal samples (one random sign per click) at
   20..40 dB (uniform) above the local speech RMS, i.e. the RMS of `speech`
   over 100 ms centred on the click, floored at 20 dB under the RMS of
   speech[from..n) so clicks in pauses stay audible.  Written into clicks
   (zero elsewhere, n samples); returns the number of clicks and marks
   every click sample in `mask` (n bytes, 1 = click). */
size_t bench_click_train(const float *speech, size_t n, size_t from, double rate, double per_second,
                         uint64_t seed, float *clicks, unsigned char *mask);

#endif

/*
  bench_oracle: failsafe-bench --oracle, a lab-only limit.  The same
  enhancer with its noise tracker replaced by the true noise PSD (the
  mixture minus the scaled clean speech, minus what the hum remover took,
  its periodogram averaged over ORACLE_SMOOTH_MS): how much of the gap to
  any target is noise tracking and how much the rest.
*/
#ifndef BENCH_ORACLE_H
#define BENCH_ORACLE_H

#include "bench_corpus.h"

#include <stdint.h>

#define ORACLE_SMOOTH_MS 100.0

/* The enhancer on m, driven hop by hop by the true noise PSD; *latency
   is how late the output is.  The caller frees the output. */
float *bench_oracle_run(double rate, float reduction_db, const bench_mixture *m, uint32_t *latency);

/* Scores the oracle on the corpus and prints its row; tracker_mean is the
   tracker's own mean improvement, printed beside it. */
void bench_oracle_report(const bench_corpus *corpus, double rate, float reduction_db, double tracker_mean);

#endif

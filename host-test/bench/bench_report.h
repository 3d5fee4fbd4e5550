/*
  bench_report: failsafe-bench's quality and cost tables, as text or JSON.
*/
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "bench_corpus.h"
#include "bench_scores.h"

#include <stddef.h>

/* What the tables are made of.  peer is speexdsp's result, NULL when built
   without it; full is failsafe's. */
typedef struct bench_report {
  const bench_corpus *corpus;
  double rate;
  float reduction_db;
  double input_mni;
  const bench_result *results;
  size_t system_count;
  const bench_result *full, *peer;
  int do_cost, repetitions, realtime;
  double cost_seconds;
} bench_report;

void bench_report_json(const bench_report *report);

/* A number for the bench's JSON in the given printf format; null when it
   is not finite, since JSON has no nan or inf (the musical-noise index of
   a corpus with no noise-only frames is undefined). */
void bench_json_number(const char *format, double v);
void bench_report_text(const bench_report *report);

/* The noise type of a mixture name (the part after the first '_', up to
   the next: "noisy0_babble_5" -> "babble"), "?" when there is none. */
void bench_noise_type(const char *mixture_name, char *type, size_t size);

/* Mean improvement per noise type (the part of the mixture name after the
   first '_'), printed on one line. */
void bench_print_by_noise(const char *label, const bench_corpus *c, const double *improvement);

#endif

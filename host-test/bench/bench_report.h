/*
  bench_report: failsafe-bench's quality and cost tables, as text or JSON.
*/
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include "bench_corpus.h"
#include "bench_scores.h"
#include "fs_json.h"

#include <stddef.h>
#include <stdint.h>

/* What the tables are made of.  peer is speexdsp's result, NULL when built
   without it; full is what the plugin plays by default
   (FS_LEARNED_ON_BY_DEFAULT), classical and learned the full path with
   the classical and with the learned gains. */
typedef struct bench_report {
  const bench_corpus *corpus;
  double rate;
  float reduction_db;
  double input_mni;
  const bench_result *results;
  size_t system_count;
  const bench_result *full, *classical, *learned, *peer;
  int do_cost, repetitions, realtime;
  double cost_seconds;
} bench_report;

/* The tables as one JSON object on stdout, written by fs_json: every
   string escaped, every undefined figure null. */
void bench_report_json(const bench_report *report);

/* The members every --json output gives a system scored on a corpus (the
   default mode's and --peers'), in this order: "latency",
   "mean_improvement_db", "worst_improvement_db" and "worst_mixture" (the
   name of mixture worst_index). */
void bench_json_scores(fs_json *json, const bench_corpus *corpus, uint32_t latency, double mean, double worst,
                       size_t worst_index);

/* "per_mixture": the improvement on each mixture of the corpus, dB, by
   mixture name. */
void bench_json_per_mixture(fs_json *json, const bench_corpus *corpus, const double *improvement);

void bench_report_text(const bench_report *report);

/* The noise type of a mixture name (the part after the first '_', up to
   the next: "noisy0_babble_5" -> "babble"), "?" when there is none. */
void bench_noise_type(const char *mixture_name, char *type, size_t size);

/* Mean improvement per noise type (the part of the mixture name after the
   first '_'), printed on one line. */
void bench_print_by_noise(const char *label, const bench_corpus *c, const double *improvement);

#endif

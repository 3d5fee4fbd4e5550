/*
  bench_report: see bench_report.h.
*/
#include "bench_report.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void bench_noise_type(const char *mixture_name, char *type, size_t size) {
  const char *from = strchr(mixture_name, '_');
  snprintf(type, size, "%s", from ? from + 1 : "?");
  char *end = strchr(type, '_');
  if (end) {
    *end = 0;
  }
}

void bench_print_by_noise(const char *label, const bench_corpus *c, const double *improvement) {
  char names[8][32];
  double sums[8] = {0};
  int counts[8] = {0}, types = 0;
  for (size_t i = 0; i < c->mixture_count; ++i) {
    char type[32];
    bench_noise_type(c->mixtures[i].name, type, sizeof(type));
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


void bench_json_number(const char *format, double v) {
  if (isfinite(v)) {
    printf(format, v);
  } else {
    printf("null");
  }
}

void bench_report_json(const bench_report *report) {
  const bench_corpus *corpus = report->corpus;
  const double rate = report->rate;
  const float reduction_db = report->reduction_db;
  const double input_mni = report->input_mni;
  const bench_result *results = report->results;
  const size_t system_count = report->system_count;
  const int do_cost = report->do_cost;
  printf("{\n  \"corpus\": \"%s\",\n  \"sample_rate\": %.0f,\n  \"reduction_db\": %.1f,\n", corpus->origin, rate,
         reduction_db);
  printf("  \"input_mni\": ");
  bench_json_number("%.3f", input_mni);
  printf(",\n  \"systems\": [\n");
  for (size_t s = 0; s < system_count; ++s) {
    const bench_result *r = &results[s];
    printf("    {\"name\": \"%s\", \"latency\": %u, \"mean_improvement_db\": ", r->system->name, r->latency);
    bench_json_number("%.3f", r->mean_improvement);
    printf(", \"worst_improvement_db\": ");
    bench_json_number("%.3f", r->worst_improvement);
    printf(", \"worst_mixture\": \"%s\", \"mni\": ", corpus->mixtures[r->worst_index].name);
    bench_json_number("%.3f", r->mean_mni);
    printf(", \"clean_si_sdr_db\": ");
    bench_json_number("%.2f", r->worst_clean_si_sdr);
    printf(", \"heap_bytes\": %zu", r->heap_bytes);
    if (do_cost) {
      printf(", \"cost\": [");
      for (size_t b = 0; b < COST_BLOCKS; ++b) {
        printf("%s{\"block\": %u, \"mean_ns\": %.2f, \"p99_ns\": %.2f, \"max_us\": %.2f}", b ? ", " : "",
               cost_blocks[b], r->cost_mean[b], r->cost_p99[b], r->cost_max_us[b]);
      }
      printf("]");
    }
    printf(", \"per_mixture\": {");
    for (size_t i = 0; i < corpus->mixture_count; ++i) {
      printf("%s\"%s\": ", i ? ", " : "", corpus->mixtures[i].name);
      bench_json_number("%.3f", r->improvement[i]);
    }
    printf("}}%s\n", s + 1 < system_count ? "," : "");
  }
  printf("  ]\n}\n");
}

void bench_report_text(const bench_report *report) {
  const bench_corpus *corpus = report->corpus;
  const double rate = report->rate;
  const float reduction_db = report->reduction_db;
  const double input_mni = report->input_mni;
  const bench_result *results = report->results;
  const size_t system_count = report->system_count;
  const bench_result *full = report->full;
  const bench_result *peer = report->peer;
  const int do_cost = report->do_cost;
  const int repetitions = report->repetitions;
  const int realtime = report->realtime;
  const double cost_seconds = report->cost_seconds;
  printf("failsafe-bench\n==============\n");
  printf("corpus: %s, %zu mixtures, %.0f Hz, scored from %.1f s\n", corpus->origin, corpus->mixture_count, rate,
         corpus->speech_start_s);
  printf("reduction: %.1f dB (speexdsp: its default suppression)\n\n", reduction_db);

  printf("Quality: SI-SDR improvement, dB\n");
  printf("%-22s", "mixture");
  for (size_t s = 0; s < system_count; ++s) {
    printf(" %15s", results[s].system->name);
  }
  printf("\n");
  for (size_t i = 0; i < corpus->mixture_count; ++i) {
    printf("%-22s", corpus->mixtures[i].name);
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
    bench_print_by_noise(results[s].system->name, corpus, results[s].improvement);
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
      const bench_result *r = &results[s];
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
    const bench_result *r = &results[s];
    printf("%-16s latency %4u samples = %5.2f ms (%s)   heap %7.1f KiB per instance\n", r->system->name,
           r->latency, 1000.0 * r->latency / rate, r->reported_latency ? "reported, checked" : "measured",
           r->heap_bytes / 1024.0);
  }
}

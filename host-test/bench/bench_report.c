/*
  bench_report: see bench_report.h.
*/
#include "bench_report.h"

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

/* The cost per block size: "cost" of a system's object. */
static void cost_json(fs_json *json, const bench_result *r) {
  fs_json_key(json, "cost");
  fs_json_array_begin(json);
  for (size_t b = 0; b < COST_BLOCKS; ++b) {
    fs_json_object_begin(json);
    fs_json_key(json, "block");
    fs_json_uint(json, cost_blocks[b]);
    fs_json_key(json, "mean_ns");
    fs_json_double(json, r->cost_mean[b]);
    fs_json_key(json, "p99_ns");
    fs_json_double(json, r->cost_p99[b]);
    fs_json_key(json, "p999_ns");
    fs_json_double(json, r->cost_p999[b]);
    fs_json_key(json, "max_us");
    fs_json_double(json, r->cost_max_us[b]);
    fs_json_key(json, "max_cpu_us");
    fs_json_double(json, r->cost_cpu_max_us[b]);
    fs_json_object_end(json);
  }
  fs_json_array_end(json);
}

void bench_json_scores(fs_json *json, const bench_corpus *corpus, uint32_t latency, double mean, double worst,
                       size_t worst_index) {
  fs_json_key(json, "latency");
  fs_json_uint(json, latency);
  fs_json_key(json, "mean_improvement_db");
  fs_json_double(json, mean);
  fs_json_key(json, "worst_improvement_db");
  fs_json_double(json, worst);
  fs_json_key(json, "worst_mixture");
  fs_json_string(json, corpus->mixtures[worst_index].name);
}

void bench_json_per_mixture(fs_json *json, const bench_corpus *corpus, const double *improvement) {
  fs_json_key(json, "per_mixture");
  fs_json_object_begin(json);
  for (size_t i = 0; i < corpus->mixture_count; ++i) {
    fs_json_key(json, corpus->mixtures[i].name);
    fs_json_double(json, improvement[i]);
  }
  fs_json_object_end(json);
}

/* One system's object.  A figure that is undefined (the musical-noise
   index of a corpus with no noise-only frames) comes out null: fs_json
   writes non-finite numbers so, since JSON has no nan or inf. */
static void system_json(fs_json *json, const bench_report *report, const bench_result *r) {
  fs_json_object_begin(json);
  fs_json_key(json, "name");
  fs_json_string(json, r->system->name);
  bench_json_scores(json, report->corpus, r->latency, r->mean_improvement, r->worst_improvement, r->worst_index);
  fs_json_key(json, "mni");
  fs_json_double(json, r->mean_mni);
  fs_json_key(json, "clean_si_sdr_db");
  fs_json_double(json, r->worst_clean_si_sdr);
  fs_json_key(json, "heap_bytes");
  fs_json_uint(json, r->heap_bytes);
  if (report->do_cost) {
    cost_json(json, r);
  }
  bench_json_per_mixture(json, report->corpus, r->improvement);
  fs_json_object_end(json);
}

void bench_report_json(const bench_report *report) {
  fs_json json;
  fs_json_init(&json, stdout);
  fs_json_object_begin(&json);
  fs_json_key(&json, "corpus");
  fs_json_string(&json, report->corpus->origin);
  fs_json_key(&json, "sample_rate");
  fs_json_double(&json, report->rate);
  fs_json_key(&json, "reduction_db");
  fs_json_double(&json, report->reduction_db);
  fs_json_key(&json, "input_mni");
  fs_json_double(&json, report->input_mni);
  fs_json_key(&json, "systems");
  fs_json_array_begin(&json);
  for (size_t s = 0; s < report->system_count; ++s) {
    system_json(&json, report, &report->results[s]);
  }
  fs_json_array_end(&json);
  fs_json_object_end(&json);
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
    printf("\n%s - speexdsp: %+.2f dB mean (target >= +2.00), worst file %+.2f dB (target >= -0.50),\n"
           "MNI %.2f vs %.2f (target: not above speexdsp)\n",
           full->system->name, full->mean_improvement - peer->mean_improvement, full->worst_improvement, full->mean_mni,
           peer->mean_mni);
  }

  if (do_cost) {
    printf("\nCost: ns per sample over process calls (best of %d interleaved runs, %.0f s of audio, %s)\n",
           repetitions, cost_seconds,
           realtime ? "SCHED_FIFO, memory locked" : "normal priority: the slowest call includes preemption");
    printf("(max: the slowest call in wall time; cpu max: in the thread's CPU time, stalls left out)\n");
    printf("%-16s %6s %8s %8s %8s %10s %9s %10s %9s\n", "system", "block", "mean", "p99", "p99.9", "max us",
           "max/block", "cpu max us", "cpu/block");
    for (size_t s = 0; s < system_count; ++s) {
      const bench_result *r = &results[s];
      for (size_t b = 0; b < COST_BLOCKS; ++b) {
        const double block_us = cost_blocks[b] / rate * 1e6;
        printf("%-16s %6u %8.1f %8.1f %8.1f %10.1f %8.1f%% %10.1f %8.1f%%\n", r->system->name, cost_blocks[b],
               r->cost_mean[b], r->cost_p99[b], r->cost_p999[b], r->cost_max_us[b],
               100.0 * r->cost_max_us[b] / block_us, r->cost_cpu_max_us[b], 100.0 * r->cost_cpu_max_us[b] / block_us);
      }
    }
    if (peer) {
      /* The whole full path with the learned tier may cost up to 1.7 times
         speexdsp; the classical one, half of it. */
      const bench_result *rows[2] = {report->learned, report->classical};
      const double targets[2] = {1.7, 0.5};
      for (int k = 0; k < 2; ++k) {
        printf("ratio %s/speexdsp (mean):", rows[k]->system->name);
        for (size_t b = 0; b < COST_BLOCKS; ++b) {
          printf("  %u: %.2f", cost_blocks[b], rows[k]->cost_mean[b] / peer->cost_mean[b]);
        }
        printf("   (target <= %.2f)\n", targets[k]);
      }
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

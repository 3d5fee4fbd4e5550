/* fs_host_stats: see fs_host_stats.h. */
#include "fs_host_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void fs_stats_init(fs_run_stats *stats) { memset(stats, 0, sizeof *stats); }

void fs_stats_free(fs_run_stats *stats) {
  free(stats->run_ns);
  free(stats->load_pct);
  memset(stats, 0, sizeof *stats);
}

int fs_stats_add(fs_run_stats *stats, uint64_t run_ns, uint32_t frames,
                 double sample_rate) {
  if (stats->count == stats->capacity) {
    size_t grown = stats->capacity ? stats->capacity * 2 : 1024;
    uint64_t *ns = realloc(stats->run_ns, grown * sizeof *ns);
    if (!ns) return -1;
    stats->run_ns = ns;
    double *load = realloc(stats->load_pct, grown * sizeof *load);
    if (!load) return -1;
    stats->load_pct = load;
    stats->capacity = grown;
  }
  double block_ns = frames / sample_rate * 1e9;
  stats->run_ns[stats->count] = run_ns;
  stats->load_pct[stats->count] = block_ns > 0 ? 100.0 * run_ns / block_ns : 0;
  stats->count++;
  return 0;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted series. */
static double percentile(const double *sorted, size_t count, double pct) {
  size_t rank = (size_t)ceil(pct / 100.0 * (double)count);
  if (rank < 1) rank = 1;
  if (rank > count) rank = count;
  return sorted[rank - 1];
}

fs_run_summary fs_stats_summarize(const fs_run_stats *stats) {
  fs_run_summary summary = {0};
  size_t n = stats->count;
  if (n == 0) return summary;
  double *ns = malloc(n * sizeof *ns);
  double *load = malloc(n * sizeof *load);
  if (ns && load) {
    double ns_sum = 0, load_sum = 0;
    for (size_t i = 0; i < n; i++) {
      ns[i] = (double)stats->run_ns[i];
      load[i] = stats->load_pct[i];
      ns_sum += ns[i];
      load_sum += load[i];
    }
    qsort(ns, n, sizeof *ns, compare_doubles);
    qsort(load, n, sizeof *load, compare_doubles);
    summary = (fs_run_summary){
      .ns_mean = ns_sum / (double)n,
      .ns_p50 = percentile(ns, n, 50),
      .ns_p99 = percentile(ns, n, 99),
      .ns_max = ns[n - 1],
      .load_mean = load_sum / (double)n,
      .load_p99 = percentile(load, n, 99),
      .load_max = load[n - 1],
    };
  }
  free(ns);
  free(load);
  return summary;
}

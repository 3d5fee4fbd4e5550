/* fs_host_stats: timing of every run() and what it means in real time.
 *
 * Each block's run() time is kept (the host is offline; memory is cheap
 * next to a clean distribution) so the summary can give true percentiles. */
#ifndef FS_HOST_STATS_H
#define FS_HOST_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct fs_run_stats {
  uint64_t *run_ns;
  double *load_pct; /* run time over the block's real-time duration */
  size_t count;
  size_t capacity;
} fs_run_stats;

typedef struct fs_run_summary {
  double ns_mean, ns_p50, ns_p99, ns_max;
  double load_mean, load_p99, load_max;
} fs_run_summary;

void fs_stats_init(fs_run_stats *stats);
void fs_stats_free(fs_run_stats *stats);
/* Returns -1 when out of memory. */
int fs_stats_add(fs_run_stats *stats, uint64_t run_ns, uint32_t frames,
                 double sample_rate);
/* All zero when no block ran. */
fs_run_summary fs_stats_summarize(const fs_run_stats *stats);

#endif

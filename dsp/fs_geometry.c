#include "fs_geometry.h"

#include "fs_tuning.h"

fs_geometry fs_geometry_for_rate(double sample_rate) {
  /* NaN fails both comparisons, so test the good range instead. */
  if (!(sample_rate >= FS_MIN_SAMPLE_RATE)) {
    sample_rate = FS_MIN_SAMPLE_RATE;
  }
  if (sample_rate > FS_MAX_SAMPLE_RATE) {
    sample_rate = FS_MAX_SAMPLE_RATE;
  }

  /* Pick the power of two closest (in log terms) to 512 * rate / 48000. */
  uint32_t frame = FS_FRAME_AT_48K;
  while (sample_rate >= FS_REFERENCE_RATE * 1.5 * (frame / (double)FS_FRAME_AT_48K)) {
    frame *= 2;
  }
  while (frame > FS_FRAME_AT_48K / 4 &&
         sample_rate < FS_REFERENCE_RATE * 0.75 * (frame / (double)FS_FRAME_AT_48K)) {
    frame /= 2;
  }

  fs_geometry g;
  g.sample_rate = sample_rate;
  g.frame = frame;
  g.hop = frame / FS_HOPS_PER_FRAME;
  g.analysis = g.hop * FS_ANALYSIS_HOPS;
  g.hop_latency = frame - g.hop;
  g.latency = g.hop_latency + g.hop - 1;
  return g;
}

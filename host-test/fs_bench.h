/*
  fs_bench: `failsafe-host bench`, what the safety net costs.

  Runs the same material, in one process and interleaved round by round,
  through (a) the full path alone: the hop framer and the enhancer, which is
  what run() would cost without any net, and (b) the whole supervisor:
  input checks, the light and bypass tiers kept warm, detectors, breakers,
  mixer and output guard around the same enhancer.  Prints ns per sample
  for both, the overhead of (b) over (a), and the spread over rounds.

  With --only full|net it runs one side alone, for instruction counts
  under a profiler, which are repeatable where timings are not.
*/
#ifndef FS_BENCH_H
#define FS_BENCH_H

#include <stdint.h>
#include <stdio.h>

int fs_bench_main(int argc, char **argv);
void fs_bench_usage(FILE *out);

/* The bench's generated material at 48 kHz (malloc'd, `frames` samples):
   voiced bursts, syllables at 3.1 Hz, for 4 s out of every 6, then 2 s of
   pause, over pink-ish noise.  NULL when out of memory. */
float *fs_bench_material(uint32_t frames);

#endif

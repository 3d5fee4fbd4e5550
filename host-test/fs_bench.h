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

#endif

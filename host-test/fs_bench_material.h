/*
  fs_bench_material: the generated material of `failsafe-host bench` and
  `failsafe-host faults`, and of the recovery test that holds the net to
  the campaign's marks (tests/net/test_fs_recovery.c): one generator, so
  the test runs exactly what the campaign measures.

  No LV2 or lilv here, so the tests can link it alone.
  Threading: any (no shared state).
*/
#ifndef FS_BENCH_MATERIAL_H
#define FS_BENCH_MATERIAL_H

#include <stdint.h>

/* The material at 48 kHz (malloc'd, `frames` samples): voiced bursts,
   8 harmonics of a gliding 90..150 Hz in syllables at 3.1 Hz, for 4 s out
   of every 6, then 2 s of pause, over pink-ish noise.  NULL when out of
   memory. */
float *fs_bench_material(uint32_t frames);

#endif

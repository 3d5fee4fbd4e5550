/*
  fs_faults: `failsafe-host faults`, the fault campaign with its marks.

  Runs the supervisor over generated material (or a mono file) in host
  blocks of 64, 256 and random lengths up to 2048, switches the chaos
  control on for windows that fall in speech and in pauses, and measures
  per window: whether the net saw the fault (and with which cause), how
  long after the fault ended the full tier was heard again (the `tier`
  output as a host reads it after each run()), and for the musical-noise
  mode how loud the injected artifact was against the output of the same
  run without chaos.  Exits 1 when a mark is missed: back on full within
  250 ms (1 s after a deadline overrun), chaos 3 seen in every window.

  The supervisor is driven directly, on the sample clock; freewheeling is
  on (an offline render) except for the CPU stall, which only a live run
  can show.
*/
#ifndef FS_FAULTS_H
#define FS_FAULTS_H

#include <stdio.h>

int fs_faults_main(int argc, char **argv);
void fs_faults_usage(FILE *out);

#endif

/*
  bench_rnnoise: RNNoise as a peer, run the way ../shared/peers/README.md
  says: xiph's RNNoise compiled to WebAssembly (npm package
  @jitsi/rnnoise-wasm 0.2.1), driven offline by rnnoise-wasm.js under
  Node.  Each signal goes to a float WAV in a private temporary folder,
  `node SCRIPT in.wav out.wav` runs with RNN_MODEL and RNN_WASM_DIR set,
  and the output is read back, still late by RNNoise's own delay.

  A measuring tool, not a dependency: when node, the script or the
  package is missing, or a run fails, the peer says why and is
  unavailable; the caller prints n/a and goes on.
*/
#ifndef BENCH_RNNOISE_H
#define BENCH_RNNOISE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *model;       /* "0.2" (2024 model) or "0.1" (2017 model) */
  uint32_t delay;          /* RNNoise's own delay at 48 kHz, samples */
  int available;
  char why[256];           /* why not, when not available */
  char script[1024];       /* rnnoise-wasm.js */
  char package_dir[1024];  /* where `npm install @jitsi/rnnoise-wasm` ran */
  char work_dir[256];      /* temporary, for the WAV files */
  double ns_per_sample;    /* the script's own timing, mean over runs */
  size_t runs;
} bench_rnnoise;

/* The package folder when none is given: RNN_WASM_DIR, else
   ~/rnnoise-peer (where the peers README installs it). */
void bench_rnnoise_default_dir(char *dir, size_t size);

/* Checks node, the script and the package's files for `model` and makes
   the temporary folder; r->available says whether it can run.  The
   delay is the package's documented one: 960 samples for 0.2, 480 for
   0.1 (the caller checks it against the output). */
void bench_rnnoise_init(bench_rnnoise *r, const char *model, const char *script, const char *package_dir);

/* Runs n samples at `rate` (48 kHz only) through RNNoise; returns n samples
   (malloc'd), late by r->delay, or NULL after marking r unavailable. */
float *bench_rnnoise_run(bench_rnnoise *r, const float *in, size_t n, double rate);

/* Removes the temporary folder. */
void bench_rnnoise_free(bench_rnnoise *r);

#endif

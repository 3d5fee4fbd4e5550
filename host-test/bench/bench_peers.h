/*
  bench_peers: failsafe-bench --peers, the side-by-side table the quality
  targets are judged on.  Per corpus, SI-SDR improvement (dB, scored from
  the end of the noise-only lead, each output aligned by its latency) per
  noise type, the mean and the worst file, for

    failsafe      the full path, as the plugin runs it
    speexdsp      speex_preprocess, denoise on (bench_systems.h)
    RNNoise 0.2   and 0.1: the WebAssembly build under Node (bench_rnnoise.h)
    IRM           the ideal ratio mask, a ceiling (bench_irm.h)

  and, per system, clean speech in: the SI-SDR of its output against it,
  the lowest over the corpus's clean files.  Columns that cannot run (no
  speexdsp in the build, no Node or package) print n/a.  No cost figures:
  the default mode times failsafe against speexdsp; the RNNoise script's
  own ns per sample is printed for reference only (WebAssembly under Node
  is several times slower than native RNNoise).
*/
#ifndef BENCH_PEERS_H
#define BENCH_PEERS_H

#include <stddef.h>

#define BENCH_PEERS_MAX_CORPORA 4

typedef struct {
  const char *corpora[BENCH_PEERS_MAX_CORPORA]; /* none: the generated corpus */
  size_t corpus_count;
  const char *rnnoise_script; /* rnnoise-wasm.js */
  const char *rnnoise_dir;    /* NULL: bench_rnnoise_default_dir */
  float reduction_db;         /* failsafe's */
  int json;
} bench_peers_options;

/* Runs the mode and prints its tables; returns the exit status. */
int bench_peers_main(const bench_peers_options *options);

#endif

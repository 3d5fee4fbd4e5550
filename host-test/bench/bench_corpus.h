/*
  bench_corpus: the noisy-speech material the benchmark scores on.

  Either a directory of 48 kHz FLAC/WAV files laid out as
    clean<k>.flac                   speech, opening with 1 s of silence
    noisy<k>_<noise>_<snr>.flac     clean<k> plus noise
  or, when no directory is given or found, the same layout generated in
  memory: synthetic voiced speech (glottal pulses through moving formant
  resonators, syllables and pauses) mixed with white, pink, hum and
  babble-like noise at 0, 5 and 10 dB SNR.
*/
#ifndef BENCH_CORPUS_H
#define BENCH_CORPUS_H

#include <stddef.h>

typedef struct {
  char name[96];
  const float *clean; /* reference, owned by the corpus */
  float *noisy;
  size_t length;
} bench_mixture;

typedef struct {
  char name[32];
  float *samples;
  size_t length;
} bench_clean;

typedef struct {
  double sample_rate;
  double speech_start_s; /* scoring starts here (the noise-only lead ends) */
  int generated;
  char origin[512];
  bench_clean cleans[8];
  size_t clean_count;
  bench_mixture *mixtures;
  size_t mixture_count;
} bench_corpus;

/* Load from dir; returns 0 on success, -1 (with a message on stderr) if
   the directory holds no usable corpus. */
int bench_corpus_load(bench_corpus *corpus, const char *dir);

/* Generate the synthetic corpus at 48 kHz.  Deterministic. */
void bench_corpus_generate(bench_corpus *corpus);

void bench_corpus_free(bench_corpus *corpus);

/* One of the corpus's own noises, "white", "pink" or "hum" (not babble,
   which is made from speech), unscaled.  Deterministic for a seed; the
   robustness bench builds its material from it. */
void bench_corpus_noise(float *out, size_t length, double sample_rate, const char *kind,
                        unsigned long long seed);

#endif

/*
  bench_robust: `failsafe-bench --robust`, how the systems of
  bench_systems.h hold up when the input is not steady noisy speech.  One
  run scores every system side by side on the same generated material and
  prints one table (or JSON):

  1. Digital silence (exact zeros: 50 ms, 1 s, 10 s, and none) before 8 s
     of white or pink noise at -30 dBFS RMS: the settled attenuation (out
     over in power of the last 3 s of the run without silence) and how
     long after the noise starts the attenuation of 100 ms windows stays
     within 1 dB of it.
  2. The same silences in front of every file of the shared corpora: SI-SDR
     improvement from 1 s into the unpadded file, padded against unpadded;
     the worst difference over all files and silences.
  3. Noise-only steps of +20 and -20 dB after 5 s (levels -40 and -20 dBFS):
     how long until the attenuation stays within 2 dB (+20) or the output
     floor within 1 dB (-20) of the settled one at the new level; and a
     -20 dB noise step under speech, scored by how much the speech-band gain
     wanders after it against the same speech without the step.
  4. Speech in noise whose amplitude swings by (1 + 0.8 sin 2 pi f t), at
     the same mean power as the steady mixture: SI-SDR improvement of both.
  5. Click trains on clean and noisy speech: how much of the click energy
     comes through; and clean speech without clicks: SI-SDR of the output.

  The exact definitions are in bench_robust.c beside each row.
*/
#ifndef BENCH_ROBUST_H
#define BENCH_ROBUST_H

typedef struct {
  const char *corpus_dir;      /* the synthetic shared corpus; NULL: none */
  const char *real_corpus_dir; /* the recorded one; NULL: none */
  float reduction_db;
  int json;
  int oracle; /* row 4 also for the lab limit: the true noise PSD */
} bench_robust_options;

/* Scores every row and prints the table; returns the process exit code. */
int bench_robust_main(const bench_robust_options *options);

#endif

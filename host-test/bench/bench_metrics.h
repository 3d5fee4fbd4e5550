/*
  bench_metrics: how the benchmark scores an output against its clean
  reference.

  - SI-SDR (scale-invariant signal-to-distortion ratio): both signals
    mean-removed, the output projected on the reference; the ratio of the
    projection's energy to what is left, in dB.
  - Musical-noise index (MNI): how much the residual's spectrum flickers
    in speech pauses.  Residual = output minus its projection on the
    reference.  Pauses = 21.3 ms frames (1024 at 48 kHz, Hann, hop 512)
    whose reference energy is 40 dB or more below the reference's loudest
    frame.  MNI = mean over consecutive pause-frame pairs and bins from
    200 Hz to 8 kHz of |10 log10 P_t(k) - 10 log10 P_t-1(k)|, in dB.
    Stationary noise merely turned down scores the same as the input
    (about 7 dB for Gaussian noise); the isolated spectral peaks that come
    and go with musical noise push it up; smoothing pushes it down.
  - Delay: the lag at which an output best correlates with its input.
*/
#ifndef BENCH_METRICS_H
#define BENCH_METRICS_H

#include <stddef.h>

double bench_si_sdr(const float *reference, const float *estimate, size_t length);

/* Returns the index, or NAN when the reference has no pause frames. */
double bench_musical_noise_index(const float *reference, const float *estimate, size_t length,
                                 double sample_rate);

/* Lag in [0, max_lag] maximising the normalised cross-correlation of
   output[i + lag] with input[i] over the given span. */
size_t bench_measure_delay(const float *input, const float *output, size_t length, size_t max_lag);

#endif

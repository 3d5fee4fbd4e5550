/*
  fs_periodicity: how periodic the input is, and at what pitch (the
  learned tier's features 104 and 105, docs/LEARNED.md).

  Per hop: the largest normalised autocorrelation
      r(T) / sqrt(r0(0) rT(0))
  of the last FS_PERIODICITY_MS of input over the lags T of
  FS_PITCH_LOW_HZ .. FS_PITCH_HIGH_HZ (the newest part of the window
  against the part T earlier), and the pitch log2(f0 / FS_PITCH_REFERENCE_HZ)
  of that lag when the periodicity exceeds FS_PITCH_VOICED, else 0.
  Only peaks of r over the lags count: a period in the range is one, the
  slope of lag 0's peak (rumble) or of a period beyond the range (50 Hz
  hum) is not.  The pitch is read at the shortest peak within
  FS_PITCH_PEAK_SHARE of the largest, so a voice is not taken an octave
  down.  Silence (under FS_SILENCE_DBFS) gives 0 and 0.

  The input is low-passed and decimated to FS_PERIODICITY_RATE_HZ or a
  little more (fs_tuning.h: 4 to 6 kHz, by the largest factor that
  divides the hop, so every hop keeps the same sample positions), so the
  window and lags are the same few hundred samples at every rate and
  every hop costs the same: one pass of two biquads over the hop, then a
  direct autocorrelation over the fixed lags.
  Periodicity and pitch are refined between lags by a parabola through
  the peak.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_PERIODICITY_H
#define FS_PERIODICITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_periodicity fs_periodicity;

/* sample_rate: 22.05 .. 192 kHz (clamped to that); hop: the samples each
   update() takes.  NULL on failure. */
fs_periodicity *fs_periodicity_create(double sample_rate, uint32_t hop);
void fs_periodicity_destroy(fs_periodicity *periodicity);

/* Forget the input heard so far: the next hops see silence before it. */
void fs_periodicity_reset(fs_periodicity *periodicity);

/* Take one hop of input (any floats; NaN, Inf and huge values are
   sanitised) and measure the window that ends with it. */
void fs_periodicity_update(fs_periodicity *periodicity, const float *hop_in);

/* Results of the last update: periodicity in [0, 1] and pitch (0 when not
   voiced).  Both 0 after create and reset. */
float fs_periodicity_value(const fs_periodicity *periodicity);
float fs_periodicity_pitch(const fs_periodicity *periodicity);

/* The samples per second the autocorrelation runs at, and its lags (for
   tests and cost estimates). */
double fs_periodicity_decimated_rate(const fs_periodicity *periodicity);
uint32_t fs_periodicity_shortest_lag(const fs_periodicity *periodicity);
uint32_t fs_periodicity_longest_lag(const fs_periodicity *periodicity);

/* Mutable state (filters, window, results) for snapshots. */
size_t fs_periodicity_state_size(const fs_periodicity *periodicity);
void fs_periodicity_save(const fs_periodicity *periodicity, void *dst);
void fs_periodicity_load(fs_periodicity *periodicity, const void *src);
bool fs_periodicity_state_is_finite(const fs_periodicity *periodicity);

#endif

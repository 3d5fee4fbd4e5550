/*
  fs_stft: short-time Fourier analysis and overlap-add synthesis with a
  long analysis window and a short synthesis window (asymmetric windows).

  The latency of an overlap-add system is set by its synthesis window, the
  frequency resolution by its analysis window.  Here the analysis window
  spans `size` samples (the FFT size) but only the newest 2 * hop of them
  are synthesised:

  - analysis: a square-root Hann rise over the first size - hop samples,
    then the falling half of a square-root Hann of length 2 * hop;
  - synthesis: zero except on the last 2 * hop samples, where it is
    Hann(2 * hop) / analysis, so analysis x synthesis is a plain Hann of
    length 2 * hop, whose copies at every hop add up to exactly 1.

  An untouched spectrum therefore reconstructs the input exactly, late by
  hop samples on the hop grid (2 * hop - 1 counting the framer), whatever
  the analysis length.  With size = 2 * hop both windows are the familiar
  square-root Hann pair.  A size of 4 * hop resolves 47 Hz at 48 kHz
  instead of 94 Hz for the same 10.7 ms: voice harmonics and mains hum fall
  in separate bins.

  Per hop: analyse() takes the newest hop of input and returns the frame's
  spectrum; the caller may modify the spectrum in place; synthesise()
  overlap-adds it and hands out the hop that is now complete.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_STFT_H
#define FS_STFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_stft fs_stft;

/* size: the analysis window and FFT size, a power of two >= 16;
   hop: a power of two with 2 * hop <= size.  NULL on failure. */
fs_stft *fs_stft_create(uint32_t size, uint32_t hop);
void fs_stft_destroy(fs_stft *stft);
void fs_stft_reset(fs_stft *stft);

uint32_t fs_stft_size(const fs_stft *stft);
uint32_t fs_stft_hop(const fs_stft *stft);
uint32_t fs_stft_bins(const fs_stft *stft); /* size / 2 + 1 */
/* Sum of the squared analysis window: the power a unit white noise leaves
   in each bin, so powers can be turned back into time-domain energy. */
float fs_stft_window_power(const fs_stft *stft);

/* Add `difference` to samples from..from+count-1 of the newest hop
   already shifted in, before the next analyse(): a correction that came
   one hop late (see fs_declick_revoked).  The frame already analysed keeps
   the old samples, at the tail of its window; the next frame, where they
   sit near its middle, sees the corrected ones. */
void fs_stft_amend_last_hop(fs_stft *stft, uint32_t from, const float *difference, uint32_t count);

/* Shift in one hop (sanitised, see fs_sanitize.h) and transform the
   frame.  Returns the spectrum, bins interleaved (re, im), valid until
   synthesise(). */
float *fs_stft_analyse(fs_stft *stft, const float *hop_in);

/* Inverse-transform the (possibly modified) spectrum, overlap-add it and
   write the completed hop.  hop_out may be the hop_in of analyse(). */
void fs_stft_synthesise(fs_stft *stft, float *hop_out);

/* Mutable state (input history and overlap-add memory) for snapshots. */
size_t fs_stft_state_size(const fs_stft *stft);
void fs_stft_save(const fs_stft *stft, void *dst);
void fs_stft_load(fs_stft *stft, const void *src);
bool fs_stft_state_is_finite(const fs_stft *stft);

/* Fault injection for the safety net's tests and the chaos port: writes
   `value` into the overlap-add memory, in the hop about to be output and
   in the one after it. */
void fs_stft_corrupt(fs_stft *stft, float value);

#endif

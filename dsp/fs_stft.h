/*
  fs_stft: short-time Fourier analysis and overlap-add synthesis on a
  fixed frame with FS_HOPS_PER_FRAME hops per frame (2: 50 % overlap).

  Both windows are the periodic square-root Hann window.  Their product is
  the periodic Hann window, whose copies shifted by frame / hops add up to
  exactly hops / 2, so with the 1/(hops / 2 * frame) scale folded into the
  synthesis window an unmodified spectrum reconstructs the input exactly,
  late by frame - hop samples.

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

/* frame: a power of two >= 16; hop = frame / FS_HOPS_PER_FRAME.  NULL on failure. */
fs_stft *fs_stft_create(uint32_t frame);
void fs_stft_destroy(fs_stft *stft);
void fs_stft_reset(fs_stft *stft);

uint32_t fs_stft_frame(const fs_stft *stft);
uint32_t fs_stft_hop(const fs_stft *stft);
uint32_t fs_stft_bins(const fs_stft *stft); /* frame / 2 + 1 */

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

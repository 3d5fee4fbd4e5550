/*
  fs_measure: the measuring pass the safety net makes over every hop (peak,
  sum and sum of squares, optionally copying the hop on the way), in the
  widest vectors the CPU has.

  fs_block_measure and the SSE2/portable pass live in fs_sanitize.h; this
  adds an AVX pass that gives the same bits (the same 16 lanes, added in
  the same order, as two 8-wide vectors instead of four 4-wide ones), and
  picks one at instantiation.  Every pass is a plain function of its
  arguments, callable from any thread; fs_measure_best() is for
  instantiation (it asks the CPU once).
*/
#ifndef FS_MEASURE_H
#define FS_MEASURE_H

#include "fs_sanitize.h"

#include <stddef.h>

/* Measures x[0..n) and, when copy is not NULL, copies it there (copy must
   not overlap x). */
typedef fs_block_measure (*fs_measure_fn)(const float *x, float *copy, size_t n);

/* The pass of fs_sanitize.h (SSE2 on x86-64, portable C elsewhere). */
fs_block_measure fs_measure_baseline(const float *x, float *copy, size_t n);

/* The AVX pass, or NULL when this build has none (not x86-64, or a
   compiler without target attributes).  Call it only where
   fs_measure_has_avx() says the CPU runs it. */
extern const fs_measure_fn fs_measure_avx;
bool fs_measure_has_avx(void);

/* The fastest pass this CPU runs.  Instantiation thread. */
fs_measure_fn fs_measure_best(void);

#endif

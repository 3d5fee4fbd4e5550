/*
  fs_learned_model: the learned tier's network (docs/LEARNED.md,
  "Network"), one hop at a time: 106 features in, 26 outputs in [0, 1]
  out (half the band corrections, fs_learned_gain.h), with the two GRU
  states carried from hop to hop.

  What it assumes of its input: the contract's features, each finite and
  within [-8, 8].  It does not trust that: every feature is clamped to
  [-8, 8] and a NaN is read as 0 before use, so whatever it is fed its
  state stays within [-1, 1] and its outputs within [0, 1], all finite.
  Only corrupted state (see fs_learned_model_state_is_finite) can make
  them otherwise.

  The weights are const data shared by every instance (fs_learned_weights.h);
  an instance holds its state and scratch only.  Its kernel (AVX2+FMA or
  portable, fs_gru.h) is chosen at creation and kept.

  Threading: create, create_with and destroy are instantiation class;
  everything else is audio class (no allocation, locks or I/O; the same
  work every hop).
*/
#ifndef FS_LEARNED_MODEL_H
#define FS_LEARNED_MODEL_H

#include "fs_gru.h"
#include "fs_learned_weights.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct fs_learned_model fs_learned_model;

/* With the shipped weights and the fastest kernel; state zero. */
fs_learned_model *fs_learned_model_create(void);

/* With another set of weights (the tests' fixtures), which must outlive
   the model, and the given kernel (NULL: the fastest this CPU runs).
   NULL when the set is not of the contract's version and shape. */
fs_learned_model *fs_learned_model_create_with(const fs_learned_weights *weights, fs_matvec_fn matvec);

void fs_learned_model_destroy(fs_learned_model *model);

/* State back to zero, as PyTorch starts a sequence. */
void fs_learned_model_reset(fs_learned_model *model);

/* One hop: features (FS_LEARNED_MODEL_INPUTS values) in, band_gains
   (FS_LEARNED_MODEL_BANDS values) out.  The two must not overlap. */
void fs_learned_model_run(fs_learned_model *model, const float *features, float *band_gains);

/* Snapshots of the state, for the safety net to roll back after a fault.
   load takes what save wrote, from any instance. */
size_t fs_learned_model_state_size(const fs_learned_model *model);
void fs_learned_model_save(const fs_learned_model *model, void *dst);
void fs_learned_model_load(fs_learned_model *model, const void *src);
bool fs_learned_model_state_is_finite(const fs_learned_model *model);

/* Fault injection for the safety net's tests: writes `value` (NaN, Inf...)
   into every fourth value of the state. */
void fs_learned_model_corrupt(fs_learned_model *model, float value);

#endif

/*
  fs_gru: the layers of the learned tier's network in plain C: a dense
  layer (matrix-vector product plus bias, then tanh, sigmoid or nothing)
  and one step of a GRU cell, with exactly the equations of PyTorch's
  torch.nn.GRU:

      r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
      z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
      n  = tanh(W_in x + b_in + r * (W_hn h + b_hn))
      h' = (1 - z) * n + z * h      (computed as n + z * (h - n), as PyTorch does)

  Weights are row-major as PyTorch stores them: a dense layer's `weight`
  has `outputs` rows of `inputs`; a GRU's weight_ih_l0 / weight_hh_l0 have
  3 * hidden rows, the r rows first, then z, then n.

  The matrix-vector products are nearly all of the cost (about 35 000
  multiply-adds per hop for the contract's network), so they go through a
  function pointer picked once at instantiation: an AVX2+FMA kernel where
  the CPU has it (x86-64, not FS_NO_SIMD), else the portable kernel, which
  keeps eight lanes of sums per row in two vectors of four (gcc and clang
  vector types: SSE2 on x86-64, NEON on arm64; plain C elsewhere or with
  FS_NO_SIMD, with the same results).  The two kernels round differently
  (FMA, order of additions); both stay within about 1e-6 of PyTorch, far
  inside the contract's 1e-4.  One instance keeps one kernel, so its
  results are repeatable.

  tanh and sigmoid use fs_fastmath.h's exp (relative error near 1e-6,
  so an absolute error below 2e-6 in either), branch-free so their loops
  vectorise; any finite argument gives a finite result within [-1, 1] or
  [0, 1].

  Threading: fs_matvec_best() and fs_gru_has_avx2() are for instantiation
  (they ask the CPU); everything else is audio class: no allocation, no
  locks, bounded loops, the same work every call.
*/
#ifndef FS_GRU_H
#define FS_GRU_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  const float *weight; /* outputs rows of inputs */
  const float *bias;   /* outputs */
  uint32_t inputs;
  uint32_t outputs;
} fs_dense_layer;

typedef struct {
  const float *weight_ih; /* 3 * hidden rows of inputs: r, z, n */
  const float *weight_hh; /* 3 * hidden rows of hidden: r, z, n */
  const float *bias_ih;   /* 3 * hidden */
  const float *bias_hh;   /* 3 * hidden */
  uint32_t inputs;
  uint32_t hidden;
} fs_gru_layer;

typedef enum {
  FS_ACTIVATION_NONE,
  FS_ACTIVATION_TANH,
  FS_ACTIVATION_SIGMOID,
} fs_activation;

/* out[r] = bias[r] + sum over c of weight[r * columns + c] * in[c], for
   r < rows.  `out` must not overlap the others; no alignment needed. */
typedef void (*fs_matvec_fn)(const float *weight, const float *bias, const float *in, uint32_t rows,
                             uint32_t columns, float *out);

/* Portable C (vectorised by the compiler). */
void fs_matvec_portable(const float *weight, const float *bias, const float *in, uint32_t rows, uint32_t columns,
                        float *out);

/* The AVX2+FMA kernel, or NULL when this build has none (not x86-64, a
   compiler without target attributes, or FS_NO_SIMD).  Call it only where
   fs_gru_has_avx2() says the CPU runs it. */
extern const fs_matvec_fn fs_matvec_avx2;
bool fs_gru_has_avx2(void);

/* The fastest kernel this CPU runs.  Instantiation. */
fs_matvec_fn fs_matvec_best(void);

/* Activations as the layers apply them, for finite x. */
float fs_gru_tanh(float x);
float fs_gru_sigmoid(float x);

/* out = activation(weight * in + bias); out has layer->outputs values
   and must not overlap in. */
void fs_dense(fs_matvec_fn matvec, const fs_dense_layer *layer, const float *in, fs_activation activation,
              float *out);

/* One step: state (layer->hidden values) becomes h' for input `in`
   (layer->inputs values, not overlapping state).  scratch: at least
   FS_GRU_SCRATCH(hidden) floats, overwritten. */
#define FS_GRU_SCRATCH(hidden) (6u * (hidden))
void fs_gru_step(fs_matvec_fn matvec, const fs_gru_layer *layer, const float *in, float *state, float *scratch);

#endif

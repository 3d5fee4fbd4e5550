/* fs_learned_model: see the header. */
#include "fs_learned_model.h"

#include "fs_sanitize.h"

#include <stdlib.h>
#include <string.h>

#define INPUTS FS_LEARNED_MODEL_INPUTS
#define HIDDEN FS_LEARNED_MODEL_HIDDEN
#define BANDS FS_LEARNED_MODEL_BANDS
#define STATE (2u * HIDDEN) /* gru1's state, then gru2's: dense_out reads them as one vector */

/* The feature range of the contract; anything outside is clamped to it. */
#define FEATURE_LIMIT 8.0f

struct fs_learned_model {
  const fs_learned_weights *weights;
  fs_matvec_fn matvec;
  float *state;   /* STATE values */
  float *input;   /* INPUTS values: the features as clamped */
  float *hidden;  /* HIDDEN values: dense_in's output */
  float *scratch; /* FS_GRU_SCRATCH(HIDDEN) values */
};

static bool dense_has_shape(const fs_dense_layer *layer, uint32_t inputs, uint32_t outputs) {
  return layer->weight && layer->bias && layer->inputs == inputs && layer->outputs == outputs;
}

static bool gru_has_shape(const fs_gru_layer *layer, uint32_t inputs, uint32_t hidden) {
  return layer->weight_ih && layer->weight_hh && layer->bias_ih && layer->bias_hh && layer->inputs == inputs &&
         layer->hidden == hidden;
}

static bool weights_fit_contract(const fs_learned_weights *w) {
  return w && w->contract_version == FS_LEARNED_CONTRACT_VERSION && dense_has_shape(&w->dense_in, INPUTS, HIDDEN) &&
         gru_has_shape(&w->gru1, HIDDEN, HIDDEN) && gru_has_shape(&w->gru2, HIDDEN, HIDDEN) &&
         dense_has_shape(&w->dense_out, STATE, BANDS);
}

fs_learned_model *fs_learned_model_create_with(const fs_learned_weights *weights, fs_matvec_fn matvec) {
  if (!weights_fit_contract(weights)) {
    return NULL;
  }
  fs_learned_model *m = calloc(1, sizeof(*m));
  if (!m) {
    return NULL;
  }
  m->weights = weights;
  m->matvec = matvec ? matvec : fs_matvec_best();
  m->state = calloc(STATE, sizeof(float));
  m->input = calloc(INPUTS, sizeof(float));
  m->hidden = calloc(HIDDEN, sizeof(float));
  m->scratch = calloc(FS_GRU_SCRATCH(HIDDEN), sizeof(float));
  if (!m->state || !m->input || !m->hidden || !m->scratch) {
    fs_learned_model_destroy(m);
    return NULL;
  }
  return m;
}

fs_learned_model *fs_learned_model_create(void) {
  return fs_learned_model_create_with(&fs_learned_weights_shipped, NULL);
}

void fs_learned_model_destroy(fs_learned_model *m) {
  if (!m) {
    return;
  }
  free(m->state);
  free(m->input);
  free(m->hidden);
  free(m->scratch);
  free(m);
}

void fs_learned_model_reset(fs_learned_model *m) { memset(m->state, 0, STATE * sizeof(float)); }

void fs_learned_model_run(fs_learned_model *m, const float *restrict features, float *restrict band_gains) {
  const fs_learned_weights *w = m->weights;
  float *restrict input = m->input;
  /* Branch-free, so it vectorises: x == x is false only for a NaN, and
     the comparisons below pass a finite value through unchanged. */
  for (uint32_t i = 0; i < INPUTS; ++i) {
    float x = features[i];
    x = x == x ? x : 0.0f;
    x = x > -FEATURE_LIMIT ? x : -FEATURE_LIMIT;
    input[i] = x < FEATURE_LIMIT ? x : FEATURE_LIMIT;
  }
  fs_dense(m->matvec, &w->dense_in, input, FS_ACTIVATION_TANH, m->hidden);
  fs_gru_step(m->matvec, &w->gru1, m->hidden, m->state, m->scratch);
  fs_gru_step(m->matvec, &w->gru2, m->state, m->state + HIDDEN, m->scratch);
  fs_dense(m->matvec, &w->dense_out, m->state, FS_ACTIVATION_SIGMOID, band_gains);
}

size_t fs_learned_model_state_size(const fs_learned_model *m) {
  (void)m;
  return STATE * sizeof(float);
}

void fs_learned_model_save(const fs_learned_model *m, void *dst) { memcpy(dst, m->state, STATE * sizeof(float)); }

void fs_learned_model_load(fs_learned_model *m, const void *src) { memcpy(m->state, src, STATE * sizeof(float)); }

bool fs_learned_model_state_is_finite(const fs_learned_model *m) { return fs_all_finite(m->state, STATE); }

void fs_learned_model_corrupt(fs_learned_model *m, float value) {
  for (uint32_t i = 0; i < STATE; i += 4) {
    m->state[i] = value;
  }
}

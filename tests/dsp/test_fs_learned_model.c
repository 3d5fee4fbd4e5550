/* fs_learned_model: the C network gives PyTorch's gains on fixed features
   (the fixture from dsp/train/make_parity_fixture.py), repeats itself
   after a reset and across a snapshot, and stays finite and within [0, 1]
   whatever it is fed. */
#include <assert.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_gru.h"
#include "fs_learned_model.h"
#include "fs_learned_parity_fixture.h"

#define INPUTS FS_LEARNED_MODEL_INPUTS
#define BANDS FS_LEARNED_MODEL_BANDS
#define PARITY_TOLERANCE 1e-4

/* The contract's sizes (docs/LEARNED.md): 4 * 26 + 2 features, 26 bands.
   The shipped weights' arrays are checked against these macros where
   they are defined, at compile time too. */
static_assert(FS_LEARNED_MODEL_BANDS == 26u, "26 bands");
static_assert(FS_LEARNED_MODEL_INPUTS == 4u * FS_LEARNED_MODEL_BANDS + 2u, "4 * 26 + 2 features");
static_assert(FS_LEARNED_MODEL_HIDDEN == 48u, "48 units per layer");
static_assert(FS_LEARNED_CONTRACT_VERSION == 2u, "contract version 2");

/* The fixture's hops through a freshly reset model; the largest
   |C - PyTorch| over all of them. */
static double parity_error(fs_learned_model *m, float gains[FS_PARITY_HOPS][BANDS]) {
  fs_learned_model_reset(m);
  double worst = 0.0;
  for (uint32_t hop = 0; hop < FS_PARITY_HOPS; ++hop) {
    fs_learned_model_run(m, fs_parity_features[hop], gains[hop]);
    for (uint32_t b = 0; b < BANDS; ++b) {
      const double error = fabs((double)gains[hop][b] - (double)fs_parity_gains[hop][b]);
      worst = error > worst || isnan(error) ? error : worst;
    }
  }
  return worst;
}

static void check_parity(fs_matvec_fn matvec, const char *kernel) {
  fs_learned_model *m = fs_learned_model_create_with(&fs_parity_weights, matvec);
  assert_non_null(m);
  static float gains[FS_PARITY_HOPS][BANDS];
  const double worst = parity_error(m, gains);
  print_message("# %s kernel: max |C - PyTorch| = %.3g over %u x %u gains\n", kernel, worst, FS_PARITY_HOPS, BANDS);
  assert_true(worst <= PARITY_TOLERANCE);
  fs_learned_model_destroy(m);
}

static void matches_pytorch(void **state) {
  (void)state;
  check_parity(NULL, "fastest");
}

static void matches_pytorch_with_every_kernel(void **state) {
  (void)state;
  check_parity(fs_matvec_portable, "portable");
  if (fs_matvec_avx2 && fs_gru_has_avx2()) {
    check_parity(fs_matvec_avx2, "AVX2+FMA");
  } else {
    print_message("# no AVX2+FMA kernel on this build or CPU\n");
  }
}

/* A reset brings back the very same gains, bit for bit. */
static void reset_repeats_the_sequence(void **state) {
  (void)state;
  fs_learned_model *m = fs_learned_model_create_with(&fs_parity_weights, NULL);
  assert_non_null(m);
  static float first[FS_PARITY_HOPS][BANDS], second[FS_PARITY_HOPS][BANDS];
  (void)parity_error(m, first);
  (void)parity_error(m, second);
  assert_memory_equal(first, second, sizeof(first));
  fs_learned_model_destroy(m);
}

/* A snapshot taken mid-sequence and loaded into another instance carries
   on exactly as the original does. */
static void state_round_trips_mid_sequence(void **state) {
  (void)state;
  fs_learned_model *a = fs_learned_model_create_with(&fs_parity_weights, NULL);
  fs_learned_model *b = fs_learned_model_create_with(&fs_parity_weights, NULL);
  assert_non_null(a);
  assert_non_null(b);
  const uint32_t split = FS_PARITY_HOPS / 2;
  float gains_a[BANDS], gains_b[BANDS];
  for (uint32_t hop = 0; hop < split; ++hop) {
    fs_learned_model_run(a, fs_parity_features[hop], gains_a);
  }
  const size_t size = fs_learned_model_state_size(a);
  assert_true(size > 0);
  unsigned char *snapshot = malloc(size);
  assert_non_null(snapshot);
  fs_learned_model_save(a, snapshot);
  fs_learned_model_load(b, snapshot);
  /* b, loaded, agrees with a, which carries on... */
  for (uint32_t hop = split; hop < FS_PARITY_HOPS; ++hop) {
    fs_learned_model_run(a, fs_parity_features[hop], gains_a);
    fs_learned_model_run(b, fs_parity_features[hop], gains_b);
    assert_memory_equal(gains_a, gains_b, sizeof(gains_a));
  }
  /* ...and a rolled back to the snapshot does the second half again. */
  fs_learned_model_load(a, snapshot);
  for (uint32_t hop = split; hop < FS_PARITY_HOPS; ++hop) {
    fs_learned_model_run(a, fs_parity_features[hop], gains_a);
    for (uint32_t k = 0; k < BANDS; ++k) {
      assert_true(fabs((double)gains_a[k] - (double)fs_parity_gains[hop][k]) <= PARITY_TOLERANCE);
    }
  }
  free(snapshot);
  fs_learned_model_destroy(a);
  fs_learned_model_destroy(b);
}

static bool gains_are_sane(const float *gains) {
  for (uint32_t b = 0; b < BANDS; ++b) {
    if (!(isfinite(gains[b]) && gains[b] >= 0.0f && gains[b] <= 1.0f)) {
      return false;
    }
  }
  return true;
}

/* Extreme features, held for many hops so the state goes where they
   push it: the edges of the contract's range, alternating signs, and a
   mix, all give finite gains within [0, 1] and a finite state. */
static void extreme_features_give_sane_gains(void **state) {
  (void)state;
  fs_learned_model *m = fs_learned_model_create_with(&fs_parity_weights, NULL);
  assert_non_null(m);
  float features[INPUTS], gains[BANDS];
  for (int pattern = 0; pattern < 4; ++pattern) {
    fs_learned_model_reset(m);
    for (uint32_t hop = 0; hop < 500; ++hop) {
      for (uint32_t i = 0; i < INPUTS; ++i) {
        const float sign = pattern == 0 ? 1.0f
                           : pattern == 1 ? -1.0f
                           : pattern == 2 ? ((i + hop) % 2 ? 1.0f : -1.0f)
                                          : (((i * 7u + hop * 3u) % 5u) < 2u ? 1.0f : -1.0f);
        features[i] = 8.0f * sign;
      }
      fs_learned_model_run(m, features, gains);
      assert_true(gains_are_sane(gains));
      assert_true(fs_learned_model_state_is_finite(m));
    }
  }
  fs_learned_model_destroy(m);
}

/* Out of contract: features beyond [-8, 8] act as the nearest edge, and
   a NaN as 0, so not even these reach the state. */
static void out_of_range_features_are_clamped(void **state) {
  (void)state;
  fs_learned_model *wild = fs_learned_model_create_with(&fs_parity_weights, NULL);
  fs_learned_model *tame = fs_learned_model_create_with(&fs_parity_weights, NULL);
  assert_non_null(wild);
  assert_non_null(tame);
  float wild_features[INPUTS], tame_features[INPUTS], wild_gains[BANDS], tame_gains[BANDS];
  for (uint32_t hop = 0; hop < FS_PARITY_HOPS; ++hop) {
    memcpy(wild_features, fs_parity_features[hop], sizeof(wild_features));
    memcpy(tame_features, fs_parity_features[hop], sizeof(tame_features));
    const uint32_t at = hop % 5u;
    for (uint32_t i = at; i < INPUTS; i += 5u) {
      const float value = (i / 5u) % 4u == 0 ? INFINITY : (i / 5u) % 4u == 1 ? -1e30f : (i / 5u) % 4u == 2 ? 9.0f : NAN;
      wild_features[i] = value;
      tame_features[i] = isnan(value) ? 0.0f : value > 0.0f ? 8.0f : -8.0f;
    }
    fs_learned_model_run(wild, wild_features, wild_gains);
    fs_learned_model_run(tame, tame_features, tame_gains);
    assert_true(gains_are_sane(wild_gains));
    assert_memory_equal(wild_gains, tame_gains, sizeof(wild_gains));
  }
  assert_true(fs_learned_model_state_is_finite(wild));
  fs_learned_model_destroy(wild);
  fs_learned_model_destroy(tame);
}

/* The weights the plugin ships have the contract's version and shape (the
   model refuses any other) and give sane gains. */
static void shipped_weights_fit_the_contract(void **state) {
  (void)state;
  const fs_learned_weights *w = &fs_learned_weights_shipped;
  assert_int_equal(w->contract_version, FS_LEARNED_CONTRACT_VERSION);
  assert_int_equal(w->dense_in.inputs, INPUTS);
  assert_int_equal(w->dense_out.outputs, BANDS);
  fs_learned_model *m = fs_learned_model_create();
  assert_non_null(m);
  float gains[BANDS];
  for (uint32_t hop = 0; hop < FS_PARITY_HOPS; ++hop) {
    fs_learned_model_run(m, fs_parity_features[hop], gains);
    assert_true(gains_are_sane(gains));
  }
  assert_true(fs_learned_model_state_is_finite(m));
  fs_learned_model_destroy(m);
}

static void refuses_weights_outside_the_contract(void **state) {
  (void)state;
  fs_learned_weights w = fs_parity_weights;
  w.contract_version = FS_LEARNED_CONTRACT_VERSION + 1u;
  assert_null(fs_learned_model_create_with(&w, NULL));
  w = fs_parity_weights;
  w.dense_in.inputs = INPUTS - 1u;
  assert_null(fs_learned_model_create_with(&w, NULL));
  w = fs_parity_weights;
  w.gru2.hidden = 32u;
  assert_null(fs_learned_model_create_with(&w, NULL));
  w = fs_parity_weights;
  w.dense_out.bias = NULL;
  assert_null(fs_learned_model_create_with(&w, NULL));
  assert_null(fs_learned_model_create_with(NULL, NULL));
  fs_learned_model_destroy(NULL);
}

/* A corrupted state is seen, and a reset clears it. */
static void corruption_is_seen_and_reset_clears_it(void **state) {
  (void)state;
  fs_learned_model *m = fs_learned_model_create();
  assert_non_null(m);
  assert_true(fs_learned_model_state_is_finite(m));
  fs_learned_model_corrupt(m, NAN);
  assert_false(fs_learned_model_state_is_finite(m));
  fs_learned_model_reset(m);
  assert_true(fs_learned_model_state_is_finite(m));
  fs_learned_model_corrupt(m, INFINITY);
  assert_false(fs_learned_model_state_is_finite(m));
  fs_learned_model_destroy(m);
}

/* The activations against libm's, where they matter (beyond +-20 both
   are flat to a float's precision). */
static void activations_are_accurate(void **state) {
  (void)state;
  double worst_tanh = 0.0, worst_sigmoid = 0.0;
  for (int i = -40000; i <= 40000; ++i) {
    const float x = (float)i * 0.0005f;
    worst_tanh = fmax(worst_tanh, fabs((double)fs_gru_tanh(x) - tanh((double)x)));
    worst_sigmoid = fmax(worst_sigmoid, fabs((double)fs_gru_sigmoid(x) - 1.0 / (1.0 + exp(-(double)x))));
  }
  print_message("# max error: tanh %.3g, sigmoid %.3g\n", worst_tanh, worst_sigmoid);
  assert_true(worst_tanh < 2e-6);
  assert_true(worst_sigmoid < 1e-6);
  /* Anything, even what the model never passes them, gives a value in
     range, and never a denormal (slow on the audio thread). */
  const float extremes[] = {-1e30f, -100.0f, 100.0f, 1e30f, -FLT_MAX, FLT_MAX, -INFINITY, INFINITY, NAN};
  for (size_t i = 0; i < sizeof(extremes) / sizeof(extremes[0]); ++i) {
    const float t = fs_gru_tanh(extremes[i]), s = fs_gru_sigmoid(extremes[i]);
    assert_true(isfinite(t) && t >= -1.0f && t <= 1.0f);
    assert_true(t == 0.0f || fabsf(t) >= FLT_MIN);
    assert_true(isfinite(s) && s >= FLT_MIN && s <= 1.0f);
  }
}

/* Each kernel against a plain double-precision product, on sizes with and
   without a partial vector and a partial block of rows. */
static void kernels_compute_the_product(void **state) {
  (void)state;
  enum { MAX_ROWS = 29, MAX_COLUMNS = 107 };
  static float weight[MAX_ROWS * MAX_COLUMNS], bias[MAX_ROWS], in[MAX_COLUMNS], out[MAX_ROWS];
  uint32_t seed = 99;
  for (size_t i = 0; i < MAX_ROWS * MAX_COLUMNS; ++i) {
    seed = seed * 1664525u + 1013904223u;
    weight[i] = (float)((int32_t)(seed >> 8) - (1 << 23)) / (float)(1 << 23);
  }
  for (size_t i = 0; i < MAX_COLUMNS; ++i) {
    in[i] = (float)((int)(i % 13u) - 6) * 0.25f;
  }
  for (size_t i = 0; i < MAX_ROWS; ++i) {
    bias[i] = (float)i * 0.01f - 0.1f;
  }
  const fs_matvec_fn kernels[] = {fs_matvec_portable, fs_gru_has_avx2() ? fs_matvec_avx2 : NULL};
  const uint32_t shapes[][2] = {{1, 1}, {8, 48}, {29, 106}, {26, 96}, {144, 0}, {9, 7}, {16, 107}};
  for (size_t k = 0; k < 2; ++k) {
    if (!kernels[k]) {
      continue;
    }
    for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); ++s) {
      const uint32_t rows = shapes[s][0] > MAX_ROWS ? MAX_ROWS : shapes[s][0], columns = shapes[s][1];
      kernels[k](weight, bias, in, rows, columns, out);
      for (uint32_t r = 0; r < rows; ++r) {
        double expected = bias[r];
        for (uint32_t c = 0; c < columns; ++c) {
          expected += (double)weight[(size_t)r * columns + c] * in[c];
        }
        assert_true(fabs(out[r] - expected) <= 1e-5 * (1.0 + fabs(expected)));
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(matches_pytorch),
      cmocka_unit_test(matches_pytorch_with_every_kernel),
      cmocka_unit_test(reset_repeats_the_sequence),
      cmocka_unit_test(state_round_trips_mid_sequence),
      cmocka_unit_test(extreme_features_give_sane_gains),
      cmocka_unit_test(out_of_range_features_are_clamped),
      cmocka_unit_test(shipped_weights_fit_the_contract),
      cmocka_unit_test(refuses_weights_outside_the_contract),
      cmocka_unit_test(corruption_is_seen_and_reset_clears_it),
      cmocka_unit_test(activations_are_accurate),
      cmocka_unit_test(kernels_compute_the_product),
  };
  return cmocka_run_group_tests_name("fs_learned_model", tests, NULL, NULL);
}

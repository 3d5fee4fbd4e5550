/* fs_learned_features: the 106 values are finite and bounded whatever the
   input, the change since the last hop starts at zero, the same input
   gives the same values, and the enhancer's copy follows the contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_enhancer.h"
#include "fs_learned_features.h"
#include "fs_tuning.h"
#include "test_support.h"

typedef enum { SILENCE, FULL_SCALE_NOISE, SINE, SPEECH_IN_NOISE } material;

static void make(material kind, float *x, size_t n, double rate) {
  uint32_t seed = 21;
  switch (kind) {
  case SILENCE:
    memset(x, 0, n * sizeof(float));
    break;
  case FULL_SCALE_NOISE:
    for (size_t i = 0; i < n; ++i) {
      x[i] = test_uniform(&seed); /* white, peaks at full scale */
    }
    break;
  case SINE:
    for (size_t i = 0; i < n; ++i) {
      x[i] = (float)sin(2.0 * 3.14159265358979323846 * 1000.0 * i / rate);
    }
    break;
  case SPEECH_IN_NOISE:
    test_speechlike(x, n, rate, 140.0);
    for (size_t i = 0; i < n; ++i) {
      x[i] += 0.02f * test_gauss(&seed);
    }
    break;
  }
}

/* Runs x through a fresh enhancer; checks every hop's features and
   writes them to `out` (hops x FS_LEARNED_FEATURES) when given. */
static size_t run_enhancer(double rate, const float *x, size_t n, float *out) {
  fs_enhancer *e = fs_enhancer_create(rate);
  assert_non_null(e);
  fs_enhancer_watch_learned(e, true);
  const fs_geometry *g = fs_enhancer_geometry(e);
  float *y = malloc(g->hop * sizeof(float));
  const size_t hops = n / g->hop;
  for (size_t h = 0; h < hops; ++h) {
    fs_enhancer_process_hop(e, x + h * g->hop, y);
    const float *f = fs_enhancer_features(e);
    for (uint32_t i = 0; i < FS_LEARNED_FEATURES; ++i) {
      assert_true(isfinite(f[i]));
      assert_true(f[i] >= -FS_FEATURE_LIMIT && f[i] <= FS_FEATURE_LIMIT);
    }
    if (h == 0) {
      for (uint32_t i = 0; i < FS_BANDS; ++i) {
        assert_true(f[FS_FEATURE_LEVEL_CHANGE + i] == 0.0f);
      }
    }
    for (uint32_t i = 0; i < FS_BANDS; ++i) {
      /* The classical gain is a gain (up to rounding); an empty band's is 0. */
      assert_true(f[FS_FEATURE_GAIN + i] >= 0.0f && f[FS_FEATURE_GAIN + i] <= 1.0f + 1e-6f);
      if (!fs_bands_has_bins(fs_enhancer_bands(e), i)) {
        assert_true(f[FS_FEATURE_GAIN + i] == 0.0f && f[FS_FEATURE_LEVEL_CHANGE + i] == 0.0f);
      }
    }
    assert_true(f[FS_FEATURE_PERIODICITY] >= 0.0f && f[FS_FEATURE_PERIODICITY] <= 1.0f);
    if (out) {
      memcpy(out + h * FS_LEARNED_FEATURES, f, FS_LEARNED_FEATURES * sizeof(float));
    }
  }
  assert_true(fs_enhancer_state_is_finite(e));
  free(y);
  fs_enhancer_destroy(e);
  return hops;
}

static void bounded_and_finite_on_any_material(void **state) {
  (void)state;
  const double rates[] = {48000.0, 22050.0, 192000.0};
  for (int r = 0; r < 3; ++r) {
    const size_t n = (size_t)(1.5 * rates[r]);
    float *x = malloc(n * sizeof(float));
    for (material kind = SILENCE; kind <= SPEECH_IN_NOISE; ++kind) {
      make(kind, x, n, rates[r]);
      run_enhancer(rates[r], x, n, NULL);
    }
    free(x);
  }
}

/* Silence: every band holds eps alone, so the levels read 0.1 ln(eps),
   nothing changes, and there is no periodicity or pitch. */
static void silence_reads_eps(void **state) {
  (void)state;
  const size_t n = 48000;
  float *x = calloc(n, sizeof(float));
  const size_t hops = n / 256;
  float *f = malloc(hops * FS_LEARNED_FEATURES * sizeof(float));
  fs_enhancer *e = fs_enhancer_create(48000.0);
  const float eps = fs_enhancer_feature_eps(e);
  fs_enhancer_destroy(e);
  assert_int_equal(run_enhancer(48000.0, x, n, f), hops);
  const float *last = f + (hops - 1) * FS_LEARNED_FEATURES;
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    assert_float_equal(last[FS_FEATURE_LEVEL + i], 0.1f * logf(eps), 1e-3f);
    assert_true(last[FS_FEATURE_LEVEL_CHANGE + i] == 0.0f);
  }
  assert_true(last[FS_FEATURE_PERIODICITY] == 0.0f && last[FS_FEATURE_PITCH] == 0.0f);
  free(f);
  free(x);
}

static void deterministic(void **state) {
  (void)state;
  const size_t n = 96000;
  float *x = malloc(n * sizeof(float));
  make(SPEECH_IN_NOISE, x, n, 48000.0);
  const size_t hops = n / 256;
  float *first = malloc(hops * FS_LEARNED_FEATURES * sizeof(float));
  float *second = malloc(hops * FS_LEARNED_FEATURES * sizeof(float));
  run_enhancer(48000.0, x, n, first);
  run_enhancer(48000.0, x, n, second);
  assert_memory_equal(first, second, hops * FS_LEARNED_FEATURES * sizeof(float));
  /* Voiced syllables at 140 Hz (gliding down a fifth) show as such. */
  size_t voiced = 0;
  for (size_t h = 0; h < hops; ++h) {
    const float *f = first + h * FS_LEARNED_FEATURES;
    if (f[FS_FEATURE_PERIODICITY] > 0.8f) {
      ++voiced;
      assert_true(f[FS_FEATURE_PITCH] > log2f(100.0f / 150.0f) && f[FS_FEATURE_PITCH] < log2f(150.0f / 150.0f));
    }
  }
  assert_true(voiced > hops / 3);
  free(first);
  free(second);
  free(x);
}

/* The module on its own: the table's arithmetic on known inputs, the
   first hop after reset has no change, and a snapshot replays. */
static void follows_the_table(void **state) {
  (void)state;
  const uint32_t fft = 512, hop = 256, bins = fft / 2 + 1;
  const float window_power = 192.0f;
  fs_learned_features *lf = fs_learned_features_create(48000.0, fft, hop, window_power);
  assert_non_null(lf);
  const float eps = fs_learned_features_eps(lf);
  assert_float_equal(eps, FS_FEATURE_EPS_PER_WINDOW_POWER * window_power, 1e-15f);
  float power[257], noise[257], gain[257], time[256] = {0};
  for (uint32_t k = 0; k < bins; ++k) {
    power[k] = 4.0f;
    noise[k] = 1.0f;
    gain[k] = 0.25f;
  }
  const fs_bands *b = fs_learned_features_bands(lf);
  float energy[FS_BANDS];
  fs_bands_energy(b, power, energy);
  const float *f = fs_learned_features_compute(lf, power, noise, gain, time);
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    assert_float_equal(f[FS_FEATURE_LEVEL + i], 0.1f * logf(energy[i] + eps), 1e-5f);
    assert_true(f[FS_FEATURE_LEVEL_CHANGE + i] == 0.0f);
    assert_float_equal(f[FS_FEATURE_NOISE + i], 0.1f * logf(energy[i] / 4.0f + eps), 1e-5f);
    assert_float_equal(f[FS_FEATURE_GAIN + i], 0.25f, 1e-6f);
  }
  /* Twice the power: ln 2 more, half of it as the change. */
  for (uint32_t k = 0; k < bins; ++k) {
    power[k] = 8.0f;
  }
  void *snap = malloc(fs_learned_features_state_size(lf));
  fs_learned_features_save(lf, snap);
  f = fs_learned_features_compute(lf, power, noise, gain, time);
  float kept[FS_LEARNED_FEATURES];
  memcpy(kept, f, sizeof(kept));
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    assert_float_equal(f[FS_FEATURE_LEVEL_CHANGE + i], 0.5f * logf(2.0f), 1e-4f);
  }
  fs_learned_features_load(lf, snap);
  assert_memory_equal(fs_learned_features_compute(lf, power, noise, gain, time), kept, sizeof(kept));
  fs_learned_features_reset(lf);
  f = fs_learned_features_compute(lf, power, noise, gain, time);
  for (uint32_t i = 0; i < FS_BANDS; ++i) {
    assert_true(f[FS_FEATURE_LEVEL_CHANGE + i] == 0.0f);
  }
  /* Garbage (a corrupted noise estimate, NaN gains) still gives bounded,
     finite values. */
  for (uint32_t k = 0; k < bins; ++k) {
    noise[k] = k % 3 ? INFINITY : NAN;
    gain[k] = NAN;
    power[k] = k % 2 ? 1e30f : 0.0f;
  }
  f = fs_learned_features_compute(lf, power, noise, gain, time);
  for (uint32_t i = 0; i < FS_LEARNED_FEATURES; ++i) {
    assert_true(isfinite(f[i]) && fabsf(f[i]) <= FS_FEATURE_LIMIT);
  }
  assert_true(fs_learned_features_state_is_finite(lf));
  free(snap);
  fs_learned_features_destroy(lf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(bounded_and_finite_on_any_material),
      cmocka_unit_test(silence_reads_eps),
      cmocka_unit_test(deterministic),
      cmocka_unit_test(follows_the_table),
  };
  return cmocka_run_group_tests_name("fs_learned_features", tests, NULL, NULL);
}

/* fs_stft: an untouched spectrum reconstructs the input exactly, late by
   one hop on the hop grid, whatever the analysis length; and fs_fft scales
   as documented. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "fs_fft.h"
#include "fs_stft.h"
#include "fs_tuning.h"
#include "test_support.h"

static void fft_round_trip_scales_by_size(void **state) {
  (void)state;
  fs_fft *fft = fs_fft_create(64);
  assert_non_null(fft);
  float *time = fs_fft_time(fft);
  uint32_t seed = 1;
  float original[64];
  for (int i = 0; i < 64; ++i) {
    original[i] = time[i] = test_uniform(&seed);
  }
  fs_fft_forward(fft);
  fs_fft_inverse(fft);
  for (int i = 0; i < 64; ++i) {
    assert_float_equal(time[i], 64.0f * original[i], 1e-4f);
  }
  fs_fft_destroy(fft);
  assert_null(fs_fft_create(48)); /* not a power of two */
}

static void reconstructs_at(uint32_t size, uint32_t hop) {
  fs_stft *stft = fs_stft_create(size, hop);
  assert_non_null(stft);
  assert_int_equal(fs_stft_hop(stft), hop);
  assert_int_equal(fs_stft_size(stft), size);
  assert_int_equal(fs_stft_bins(stft), size / 2 + 1);
  const uint32_t hops = 40, n = hops * hop, latency = hop;
  float *in = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
  uint32_t seed = 99;
  for (uint32_t i = 0; i < n; ++i) {
    in[i] = test_uniform(&seed);
  }
  for (uint32_t h = 0; h < hops; ++h) {
    fs_stft_analyse(stft, in + h * hop);
    fs_stft_synthesise(stft, out + h * hop);
  }
  for (uint32_t i = 0; i < n; ++i) {
    const float expected = i < latency ? 0.0f : in[i - latency];
    /* Before `latency` the output is the window's fade-in, not yet complete. */
    if (i >= latency + 0) {
      assert_float_equal(out[i], expected, 2e-6f);
    }
  }
  fs_stft_destroy(stft);
  free(in);
  free(out);
}

static void perfect_reconstruction(void **state) {
  (void)state;
  reconstructs_at(256, 128); /* the symmetric square-root Hann pair */
  reconstructs_at(512, 256);
  reconstructs_at(1024, 256); /* asymmetric: long analysis, short synthesis */
  reconstructs_at(2048, 256);
  reconstructs_at(4096, 1024);
  assert_null(fs_stft_create(512, 512)); /* the synthesis must fit */
  assert_null(fs_stft_create(1024, 96));  /* hop not a power of two */
}

static void in_place_and_snapshot(void **state) {
  (void)state;
  enum { HOP = 256 };
  fs_stft *a = fs_stft_create(HOP * FS_ANALYSIS_HOPS, HOP), *b = fs_stft_create(HOP * FS_ANALYSIS_HOPS, HOP);
  float hop_a[HOP], hop_b[HOP];
  uint32_t seed = 5;
  for (int h = 0; h < 7; ++h) {
    for (int i = 0; i < HOP; ++i) {
      hop_a[i] = test_uniform(&seed);
    }
    fs_stft_analyse(a, hop_a);
    fs_stft_synthesise(a, hop_a); /* in place */
  }
  void *snap = malloc(fs_stft_state_size(a));
  fs_stft_save(a, snap);
  fs_stft_load(b, snap);
  for (int i = 0; i < HOP; ++i) {
    hop_a[i] = hop_b[i] = test_uniform(&seed);
  }
  fs_stft_analyse(a, hop_a);
  fs_stft_synthesise(a, hop_a);
  fs_stft_analyse(b, hop_b);
  fs_stft_synthesise(b, hop_b);
  assert_memory_equal(hop_a, hop_b, sizeof(hop_a));
  assert_true(fs_stft_state_is_finite(a));
  free(snap);
  fs_stft_destroy(a);
  fs_stft_destroy(b);
}

/* A correction to the newest hop, made before the next analysis, is what
   that analysis sees: the same frame as if the hop had come in corrected. */
static void amending_the_last_hop(void **state) {
  (void)state;
  const uint32_t size = 512, hop = 256;
  fs_stft *amended = fs_stft_create(size, hop), *straight = fs_stft_create(size, hop);
  float a[256], b[256], fixed[256], difference[20];
  uint32_t seed = 5;
  for (uint32_t i = 0; i < hop; ++i) {
    a[i] = test_gauss(&seed);
    b[i] = test_gauss(&seed);
    fixed[i] = a[i];
  }
  for (uint32_t i = 0; i < 20; ++i) {
    difference[i] = 0.5f * test_gauss(&seed);
    fixed[230 + i] += difference[i];
  }
  fs_stft_analyse(amended, a);
  fs_stft_amend_last_hop(amended, 230, difference, 20);
  fs_stft_analyse(straight, fixed);
  const float *one = fs_stft_analyse(amended, b);
  float first[514];
  for (uint32_t k = 0; k < size + 2; ++k) {
    first[k] = one[k];
  }
  const float *other = fs_stft_analyse(straight, b);
  for (uint32_t k = 0; k < size + 2; ++k) {
    assert_float_equal(first[k], other[k], 1e-4f);
  }
  fs_stft_destroy(amended);
  fs_stft_destroy(straight);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fft_round_trip_scales_by_size),
      cmocka_unit_test(perfect_reconstruction),
      cmocka_unit_test(in_place_and_snapshot),
      cmocka_unit_test(amending_the_last_hop),
  };
  return cmocka_run_group_tests_name("fs_stft", tests, NULL, NULL);
}

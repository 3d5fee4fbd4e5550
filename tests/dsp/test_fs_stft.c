/* fs_stft: an untouched spectrum reconstructs the input exactly, late by
   frame - hop samples; and fs_fft scales as documented. */
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

static void reconstructs_at(uint32_t frame) {
  fs_stft *stft = fs_stft_create(frame);
  assert_non_null(stft);
  const uint32_t hop = fs_stft_hop(stft);
  assert_int_equal(hop, frame / FS_HOPS_PER_FRAME);
  assert_int_equal(fs_stft_bins(stft), frame / 2 + 1);
  const uint32_t hops = 40, n = hops * hop, latency = frame - hop;
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
  reconstructs_at(256);
  reconstructs_at(512);
  reconstructs_at(2048);
}

static void in_place_and_snapshot(void **state) {
  (void)state;
  enum { HOP = 512 / FS_HOPS_PER_FRAME };
  fs_stft *a = fs_stft_create(512), *b = fs_stft_create(512);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fft_round_trip_scales_by_size),
      cmocka_unit_test(perfect_reconstruction),
      cmocka_unit_test(in_place_and_snapshot),
  };
  return cmocka_run_group_tests_name("fs_stft", tests, NULL, NULL);
}

/* fs_light: same latency as the full path, does no harm to clean speech,
   attenuates noise-only stretches, survives odd inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fs_light.h"
#include "test_support.h"

static void impulse_comes_out_exactly_late(void **state) {
  (void)state;
  const double rates[] = {44100.0, 48000.0, 96000.0};
  for (int r = 0; r < 3; ++r) {
    fs_light *l = fs_light_create(rates[r]);
    fs_light_set_reduction(l, 0.0f);
    const fs_geometry *g = fs_light_geometry(l);
    const uint32_t hops = 16, n = hops * g->hop, at = 2 * g->hop + 5;
    float *x = calloc(n, sizeof(float));
    x[at] = 1.0f;
    for (uint32_t k = 0; k < hops; ++k) {
      fs_light_process_hop(l, x + k * g->hop, x + k * g->hop);
    }
    for (uint32_t i = 0; i < n; ++i) {
      assert_float_equal(x[i], i == at + g->hop_latency ? 1.0f : 0.0f, 0.0f);
    }
    free(x);
    fs_light_destroy(l);
  }
}

static void run(fs_light *l, const float *in, float *out, size_t n) {
  const uint32_t hop = fs_light_geometry(l)->hop;
  for (size_t k = 0; k + hop <= n; k += hop) {
    fs_light_process_hop(l, in + k, out + k);
  }
}

static void clean_speech_is_not_harmed(void **state) {
  (void)state;
  const size_t n = 96000;
  float *in = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
  const double pitches[] = {95.0, 220.0};
  for (int p = 0; p < 2; ++p) {
    test_speechlike(in, n, 48000.0, pitches[p]);
    fs_light *l = fs_light_create(48000.0);
    fs_light_set_reduction(l, 15.0f);
    run(l, in, out, n);
    const uint32_t latency = fs_light_geometry(l)->hop_latency;
    const size_t usable = (n / 128) * 128 - latency;
    assert_true(test_si_sdr(in, out + latency, usable) >= 20.0);
    fs_light_destroy(l);
  }
  free(in);
  free(out);
}

static void noise_alone_is_turned_down(void **state) {
  (void)state;
  const size_t n = 96000;
  float *in = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
  uint32_t seed = 9;
  for (size_t i = 0; i < n; ++i) {
    in[i] = 0.01f * test_gauss(&seed);
  }
  fs_light *l = fs_light_create(48000.0);
  fs_light_set_reduction(l, 12.0f);
  run(l, in, out, n);
  double in_energy = 0.0, out_energy = 0.0;
  for (size_t i = n / 2; i < n - 1000; ++i) {
    in_energy += (double)in[i] * in[i];
    out_energy += (double)out[i] * out[i];
  }
  assert_true(out_energy < in_energy * 0.5);    /* clearly quieter */
  assert_true(out_energy > in_energy * 0.05); /* but never past 12 dB (0.063) */
  fs_light_destroy(l);
  free(in);
  free(out);
}

static void odd_inputs_stay_finite(void **state) {
  (void)state;
  const double rates[] = {22050.0, 48000.0, 192000.0};
  for (int r = 0; r < 3; ++r) {
    fs_light *l = fs_light_create(rates[r]);
    fs_light_set_reduction(l, NAN);
    fs_light_set_reduction(l, 40.0f);
    const uint32_t hop = fs_light_geometry(l)->hop;
    float *x = malloc(hop * sizeof(float));
    uint32_t seed = 3;
    for (int k = 0; k < 3000; ++k) {
      for (uint32_t i = 0; i < hop; ++i) {
        const int kind = (k / 300) % 5;
        x[i] = kind == 0 ? 0.0f
               : kind == 1 ? (test_random(&seed) % 50 == 0 ? NAN : test_uniform(&seed))
               : kind == 2 ? 1e-40f
               : kind == 3 ? (i % 2 ? INFINITY : 1e30f)
                           : 1.0f;
      }
      fs_light_process_hop(l, x, x);
      for (uint32_t i = 0; i < hop; ++i) {
        assert_true(test_sample_is_clean(x[i]));
      }
    }
    fs_light_reset(l);
    free(x);
    fs_light_destroy(l);
  }
}

/* The two-step way in (the safety net's): update() with the input hop's
   energy and render() on a caller's own hop_latency delay give what
   process_hop() gives, and never more than fs_light_gain_peak() times the
   delayed input. */
static void update_and_render_match_process_hop(void **state) {
  (void)state;
  const size_t n = 48000;
  float *in = malloc(n * sizeof(float)), *want = malloc(n * sizeof(float)), *got = malloc(n * sizeof(float));
  test_speechlike(in, n, 48000.0, 150.0);
  fs_light *a = fs_light_create(48000.0), *b = fs_light_create(48000.0);
  const fs_geometry *g = fs_light_geometry(a);
  float *delayed = calloc(n + g->hop_latency, sizeof(float));
  memcpy(delayed + g->hop_latency, in, n * sizeof(float)); /* the caller's delay line */
  for (size_t k = 0; k + g->hop <= n; k += g->hop) {
    fs_light_process_hop(a, in + k, want + k);
    float energy = 0.0f;
    for (uint32_t i = 0; i < g->hop; ++i) {
      energy += in[k + i] * in[k + i];
    }
    fs_light_update(b, energy);
    fs_light_render(b, delayed + k, got + k);
    const float bound = fs_light_gain_peak(b);
    assert_true(bound <= 1.0f);
    for (uint32_t i = 0; i < g->hop; ++i) {
      assert_true(fabsf(got[k + i]) <= bound * fabsf(delayed[k + i]) * 1.000001f);
    }
  }
  /* The energies were summed in another order: equal to rounding. */
  for (size_t i = 0; i + g->hop <= n; ++i) {
    assert_float_equal(got[i], want[i], 1e-4f);
  }
  free(in);
  free(want);
  free(got);
  free(delayed);
  fs_light_destroy(a);
  fs_light_destroy(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(impulse_comes_out_exactly_late),
      cmocka_unit_test(clean_speech_is_not_harmed),
      cmocka_unit_test(noise_alone_is_turned_down),
      cmocka_unit_test(odd_inputs_stay_finite),
      cmocka_unit_test(update_and_render_match_process_hop),
  };
  return cmocka_run_group_tests_name("fs_light", tests, NULL, NULL);
}

/* fs_enhancer: exact latency, block-size invariance through fs_hopper,
   odd inputs, snapshots, stats. */
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
#include "fs_hopper.h"
#include "fs_learned_features.h"
#include "test_support.h"

static void on_hop(void *context, const float *const *in, float *const *out) {
  fs_enhancer_process_hop(context, in[0], out[0]);
}

/* Run n samples through a fresh hopper + enhancer in blocks of `block`
   (0: random sizes 1..700). */
static void run_blocks(double rate, float reduction, const float *in, float *out, size_t n, uint32_t block) {
  fs_enhancer *e = fs_enhancer_create(rate);
  assert_non_null(e);
  fs_enhancer_set_reduction(e, reduction);
  fs_hopper *h = fs_hopper_create(1, fs_enhancer_geometry(e)->hop);
  uint32_t seed = 2024;
  for (size_t done = 0; done < n;) {
    uint32_t take = block ? block : 1 + test_random(&seed) % 700;
    if (take > n - done) {
      take = (uint32_t)(n - done);
    }
    const float *ip = in + done;
    float *op = out + done;
    fs_hopper_process(h, &ip, &op, take, on_hop, e);
    done += take;
  }
  assert_true(fs_enhancer_state_is_finite(e));
  fs_hopper_destroy(h);
  fs_enhancer_destroy(e);
}

static void impulse_comes_out_exactly_late(void **state) {
  (void)state;
  const double rates[] = {44100.0, 48000.0, 96000.0};
  for (int r = 0; r < 3; ++r) {
    fs_enhancer *e = fs_enhancer_create(rates[r]);
    fs_enhancer_set_reduction(e, 0.0f);
    fs_enhancer_reset(e); /* skip the reduction ramp */
    const fs_geometry *g = fs_enhancer_geometry(e);
    assert_int_equal(g->hop_latency, g->frame - g->hop);
    const uint32_t hops = 24, n = hops * g->hop, at = 3 * g->hop + 17;
    float *x = calloc(n, sizeof(float));
    x[at] = 1.0f;
    for (uint32_t k = 0; k < hops; ++k) {
      fs_enhancer_process_hop(e, x + k * g->hop, x + k * g->hop); /* in place */
    }
    for (uint32_t i = 0; i < n; ++i) {
      assert_float_equal(x[i], i == at + g->hop_latency ? 1.0f : 0.0f, 1e-6f);
    }
    free(x);
    fs_enhancer_destroy(e);
  }
}

static void unity_at_reduction_zero_on_noise(void **state) {
  (void)state;
  fs_enhancer *e = fs_enhancer_create(48000.0);
  fs_enhancer_set_reduction(e, 0.0f);
  fs_enhancer_reset(e);
  const fs_geometry *g = fs_enhancer_geometry(e);
  const uint32_t hops = 200, n = hops * g->hop;
  float *in = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
  uint32_t seed = 3;
  for (uint32_t i = 0; i < n; ++i) {
    in[i] = 0.3f * test_gauss(&seed);
  }
  for (uint32_t k = 0; k < hops; ++k) {
    fs_enhancer_process_hop(e, in + k * g->hop, out + k * g->hop);
    assert_true(fs_enhancer_stats_last(e)->max_gain <= 1.0f);
  }
  for (uint32_t i = g->hop_latency; i < n; ++i) {
    assert_float_equal(out[i], in[i - g->hop_latency], 1e-5f);
  }
  free(in);
  free(out);
  fs_enhancer_destroy(e);
}

static void block_size_does_not_matter(void **state) {
  (void)state;
  const size_t n = 48000;
  float *in = malloc(n * sizeof(float)), *reference = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
  uint32_t seed = 11;
  test_speechlike(in, n, 48000.0, 140.0);
  for (size_t i = 0; i < n; ++i) {
    in[i] += 0.05f * test_gauss(&seed);
  }
  run_blocks(48000.0, 15.0f, in, reference, n, 128);
  const uint32_t blocks[] = {1, 37, 64, 256, 4096, 0};
  for (int b = 0; b < 6; ++b) {
    run_blocks(48000.0, 15.0f, in, out, n, blocks[b]);
    assert_memory_equal(out, reference, n * sizeof(float));
  }
  free(in);
  free(reference);
  free(out);
}

/* Every output sample and the state stay clean through a signal. */
static void check_clean(fs_enhancer *e, const float *in, size_t hops) {
  const uint32_t hop = fs_enhancer_geometry(e)->hop;
  float *out = malloc(hop * sizeof(float));
  for (size_t k = 0; k < hops; ++k) {
    fs_enhancer_process_hop(e, in + k * hop, out);
    for (uint32_t i = 0; i < hop; ++i) {
      assert_true(test_sample_is_clean(out[i]));
    }
    const fs_enhancer_stats *s = fs_enhancer_stats_last(e);
    assert_int_equal(s->bins_above_unity, 0);
    assert_true(s->max_gain <= 1.0f && s->min_gain > 0.0f);
    assert_true(isfinite(s->input_energy) && isfinite(s->output_energy));
    assert_true(s->output_energy <= s->input_energy * 1.0001f);
  }
  assert_true(fs_enhancer_state_is_finite(e));
  free(out);
}

static void odd_inputs_stay_finite(void **state) {
  (void)state;
  const double rates[] = {22050.0, 32000.0, 44100.0, 48000.0, 88200.0, 96000.0, 192000.0};
  for (int r = 0; r < 7; ++r) {
    fs_enhancer *e = fs_enhancer_create(rates[r]);
    assert_non_null(e);
    const fs_geometry *g = fs_enhancer_geometry(e);
    const size_t hops = (size_t)(0.5 * rates[r] / g->hop), n = hops * g->hop;
    float *x = malloc(n * sizeof(float));
    uint32_t seed = 77;
    for (int kind = 0; kind < 9; ++kind) {
      for (size_t i = 0; i < n; ++i) {
        switch (kind) {
        case 0: x[i] = 0.0f; break;                                   /* silence */
        case 1: x[i] = (i / 37) % 2 ? 1.0f : -1.0f; break;            /* full-scale square */
        case 2: x[i] = 1.0f; break;                                   /* DC */
        case 3: x[i] = sinf(2.0f * 3.14159265f * 1000.0f * (float)i / (float)rates[r]); break;
        case 4: x[i] = test_uniform(&seed); break;                    /* white, 0 dBFS */
        case 5: x[i] = (i % 500) < 50 ? NAN : 0.1f * test_gauss(&seed); break;
        case 6: x[i] = (i % 700) < 3 ? ((i & 1) ? INFINITY : -INFINITY) : 0.1f * test_gauss(&seed); break;
        case 7: x[i] = 1e-39f * (float)(i % 7); break;                /* denormals */
        default: x[i] = (i % 1000) == 0 ? 1e30f : 0.0f; break;        /* absurd spikes */
        }
      }
      check_clean(e, x, hops);
    }
    /* After garbage, a reset and silence give exact silence again. */
    fs_enhancer_reset(e);
    memset(x, 0, n * sizeof(float));
    check_clean(e, x, hops);
    free(x);
    fs_enhancer_destroy(e);
  }
}

static void reduction_control_is_clamped(void **state) {
  (void)state;
  fs_enhancer *e = fs_enhancer_create(48000.0);
  const float settings[] = {NAN, -5.0f, 100.0f, INFINITY, -INFINITY, 20.0f};
  const fs_geometry *g = fs_enhancer_geometry(e);
  float *x = calloc(g->hop, sizeof(float));
  uint32_t seed = 1;
  for (int s = 0; s < 6; ++s) {
    fs_enhancer_set_reduction(e, settings[s]);
    for (int k = 0; k < 50; ++k) {
      for (uint32_t i = 0; i < g->hop; ++i) {
        x[i] = 0.1f * test_gauss(&seed);
      }
      fs_enhancer_process_hop(e, x, x);
    }
    const fs_enhancer_stats *st = fs_enhancer_stats_last(e);
    assert_true(st->min_gain >= 0.01f * 0.999f); /* never past 40 dB */
    assert_true(st->max_gain <= 1.0f);
  }
  assert_true(fs_enhancer_state_is_finite(e));
  free(x);
  fs_enhancer_destroy(e);
}

static void snapshot_restore_round_trip(void **state) {
  (void)state;
  fs_enhancer *e = fs_enhancer_create(48000.0);
  fs_enhancer_watch_learned(e, true); /* the features are part of the state */
  const fs_geometry *g = fs_enhancer_geometry(e);
  const size_t hops = 300, n = hops * g->hop;
  float *in = malloc(n * sizeof(float));
  test_speechlike(in, n, 48000.0, 120.0);
  uint32_t seed = 5;
  for (size_t i = 0; i < n; ++i) {
    in[i] += 0.03f * test_gauss(&seed);
  }
  float *first = malloc(n * sizeof(float)), *second = malloc(n * sizeof(float));
  void *snap = malloc(fs_enhancer_snapshot_size(e));
  const size_t half = hops / 2;
  for (size_t k = 0; k < half; ++k) {
    fs_enhancer_process_hop(e, in + k * g->hop, first + k * g->hop);
  }
  fs_enhancer_snapshot(e, snap);
  for (size_t k = half; k < hops; ++k) {
    fs_enhancer_process_hop(e, in + k * g->hop, first + k * g->hop);
  }
  float last_features[FS_LEARNED_FEATURES];
  memcpy(last_features, fs_enhancer_features(e), sizeof(last_features));
  /* Poison the state, then roll back and replay: bit-identical. */
  float garbage[2048];
  for (int i = 0; i < 2048; ++i) {
    garbage[i] = NAN;
  }
  fs_enhancer_process_hop(e, garbage, second);
  fs_enhancer_restore(e, snap);
  assert_true(fs_enhancer_state_is_finite(e));
  for (size_t k = half; k < hops; ++k) {
    fs_enhancer_process_hop(e, in + k * g->hop, second + k * g->hop);
  }
  /* The learned tier's features replay too. */
  assert_memory_equal(fs_enhancer_features(e), last_features, sizeof(last_features));
  assert_memory_equal(first + half * g->hop, second + half * g->hop, (n - half * g->hop) * sizeof(float));
  /* A second instance restored from the snapshot behaves the same. */
  fs_enhancer *twin = fs_enhancer_create(48000.0);
  fs_enhancer_restore(twin, snap);
  for (size_t k = half; k < hops; ++k) {
    fs_enhancer_process_hop(twin, in + k * g->hop, second + k * g->hop);
  }
  assert_memory_equal(first + half * g->hop, second + half * g->hop, (n - half * g->hop) * sizeof(float));
  fs_enhancer_destroy(twin);
  free(snap);
  free(in);
  free(first);
  free(second);
  fs_enhancer_destroy(e);
}

/* Do no harm: clean speech after a silent lead (as a stream usually opens)
   comes out within 20 dB SI-SDR of itself at the default reduction. */
static void clean_speech_is_not_harmed(void **state) {
  (void)state;
  const size_t lead = 24000, n = lead + 96000;
  float *in = calloc(n, sizeof(float)), *out = malloc(n * sizeof(float));
  const double pitches[] = {100.0, 210.0};
  const uint32_t latency = fs_geometry_for_rate(48000.0).latency;
  for (int p = 0; p < 2; ++p) {
    test_speechlike(in + lead, n - lead, 48000.0, pitches[p]);
    run_blocks(48000.0, 15.0f, in, out, n, 64);
    const double si_sdr = test_si_sdr(in, out + latency, n - latency);
    printf("# clean speech, f0 %.0f Hz: SI-SDR %.1f dB\n", pitches[p], si_sdr);
    assert_true(si_sdr >= 20.0);
  }
  /* Speech from the very first sample is the hard case: the first noise
     estimate is made of speech, and only the minimum cap pulls it down. */
  test_speechlike(in, n, 48000.0, 100.0);
  run_blocks(48000.0, 15.0f, in, out, n, 64);
  const double from_start = test_si_sdr(in, out + latency, n - latency);
  printf("# clean speech from the first sample: SI-SDR %.1f dB\n", from_start);
  assert_true(from_start >= 12.0);
  free(in);
  free(out);
}

static void same_input_same_output(void **state) {
  (void)state;
  const size_t n = 24000;
  float *in = malloc(n * sizeof(float)), *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
  uint32_t seed = 8;
  for (size_t i = 0; i < n; ++i) {
    in[i] = 0.2f * test_gauss(&seed);
  }
  fs_enhancer *e = fs_enhancer_create(48000.0);
  const uint32_t hop = fs_enhancer_geometry(e)->hop;
  for (size_t k = 0; k + hop <= n; k += hop) {
    fs_enhancer_process_hop(e, in + k, a + k);
  }
  fs_enhancer_reset(e);
  for (size_t k = 0; k + hop <= n; k += hop) {
    fs_enhancer_process_hop(e, in + k, b + k);
  }
  assert_memory_equal(a, b, (n / hop) * hop * sizeof(float));
  fs_enhancer_destroy(e);
  free(in);
  free(a);
  free(b);
}

/* With the learned gains heard, whole hops of digital silence before a
   sound change nothing after it: 8 hops of zeros or 28, the same noisy
   speech then comes out the same, bit for bit (the network holds on
   silent frames, fs_learned_gain_hold). */
static void learned_output_ignores_whole_hops_of_silence(void **state) {
  (void)state;
  const size_t n = 48000;
  float *speech = malloc(n * sizeof(float));
  test_speechlike(speech, n, 48000.0, 140.0);
  uint32_t seed = 31;
  for (size_t i = 0; i < n; ++i) {
    speech[i] += 0.02f * test_gauss(&seed);
  }
  float *heard[2];
  const size_t leads[2] = {8, 28};
  for (int run = 0; run < 2; ++run) {
    fs_enhancer *e = fs_enhancer_create(48000.0);
    assert_non_null(e);
    fs_enhancer_set_reduction(e, 18.0f);
    fs_enhancer_set_learned_share(e, 1.0f);
    const uint32_t hop = fs_enhancer_geometry(e)->hop;
    float *zeros = calloc(hop, sizeof(float)), *scratch = malloc(hop * sizeof(float));
    bool held = false;
    for (size_t h = 0; h < leads[run]; ++h) {
      fs_enhancer_process_hop(e, zeros, scratch);
      held = held || fs_enhancer_learned_held(e);
    }
    assert_true(held);
    heard[run] = malloc(n * sizeof(float));
    for (size_t k = 0; k + hop <= n; k += hop) {
      fs_enhancer_process_hop(e, speech + k, heard[run] + k);
    }
    assert_true(fs_enhancer_learned_report(e)->share == 1.0f);
    assert_true(fs_enhancer_state_is_finite(e));
    fs_enhancer_destroy(e);
    free(zeros);
    free(scratch);
  }
  const uint32_t hop = fs_geometry_for_rate(48000.0).hop;
  assert_memory_equal(heard[0], heard[1], (n / hop) * hop * sizeof(float));
  free(heard[0]);
  free(heard[1]);
  free(speech);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(impulse_comes_out_exactly_late),
      cmocka_unit_test(unity_at_reduction_zero_on_noise),
      cmocka_unit_test(block_size_does_not_matter),
      cmocka_unit_test(odd_inputs_stay_finite),
      cmocka_unit_test(reduction_control_is_clamped),
      cmocka_unit_test(snapshot_restore_round_trip),
      cmocka_unit_test(clean_speech_is_not_harmed),
      cmocka_unit_test(same_input_same_output),
      cmocka_unit_test(learned_output_ignores_whole_hops_of_silence),
  };
  return cmocka_run_group_tests_name("fs_enhancer", tests, NULL, NULL);
}

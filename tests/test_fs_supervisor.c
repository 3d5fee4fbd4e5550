/* fs_supervisor: block-size invariance, latency, bypass fade, output guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fs_geometry.h"
#include "fs_supervisor.h"

#define RATE 48000.0
#define LEN 48000u

/* Speech-band noise plus a tone, with a quiet gap: enough to exercise a
   noise tracker and a gain rule. */
static void make_signal(float *x, uint32_t n, uint32_t seed) {
  for (uint32_t i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    const float noise = ((float)(seed >> 9) / 8388608.0f - 1.0f) * 0.05f;
    const float tone = (i % 20000 < 12000) ? 0.3f * sinf(2.0f * 3.14159265f * 220.0f * (float)i / 48000.0f) : 0.0f;
    x[i] = noise + tone;
  }
}

static fs_supervisor *make(uint32_t channels, const fs_controls *controls) {
  fs_supervisor *sup = fs_supervisor_create(RATE, channels);
  assert_non_null(sup);
  fs_supervisor_set_controls(sup, controls);
  fs_supervisor_reset(sup);
  return sup;
}

/* Runs `sup` over in -> out in blocks of `block` (random 1..block when
   random), in place when asked. */
static void run_blocks(fs_supervisor *sup, uint32_t channels, float *const *in, float *const *out, uint32_t len,
                       uint32_t block, int random, int in_place) {
  uint32_t done = 0, rng = 99;
  while (done < len) {
    uint32_t n = block;
    if (random) {
      rng = rng * 1103515245u + 12345u;
      n = 1 + (rng >> 8) % block;
    }
    if (n > len - done) {
      n = len - done;
    }
    const float *ins[FS_MAX_CHANNELS];
    float *outs[FS_MAX_CHANNELS];
    for (uint32_t c = 0; c < channels; ++c) {
      outs[c] = out[c] + done;
      if (in_place) {
        memcpy(outs[c], in[c] + done, n * sizeof(float));
        ins[c] = outs[c];
      } else {
        ins[c] = in[c] + done;
      }
    }
    fs_supervisor_process(sup, ins, outs, n);
    fs_supervisor_process(sup, ins, outs, 0);
    done += n;
  }
}

static void output_is_identical_for_any_block_pattern(void **state) {
  (void)state;
  static float l[LEN], r[LEN], ref_l[LEN], ref_r[LEN], got_l[LEN], got_r[LEN];
  make_signal(l, LEN, 1);
  make_signal(r, LEN, 2);
  float *in[2] = {l, r}, *ref[2] = {ref_l, ref_r}, *got[2] = {got_l, got_r};
  const fs_controls controls = fs_controls_default();

  fs_supervisor *sup = make(2, &controls);
  run_blocks(sup, 2, in, ref, LEN, 1, 0, 0);
  const struct {
    uint32_t block;
    int random, in_place;
  } patterns[] = {{37, 0, 0}, {64, 0, 0}, {256, 0, 0}, {4096, 0, 0}, {8192, 1, 0}, {512, 1, 1}, {4096, 0, 1}};
  for (size_t k = 0; k < sizeof(patterns) / sizeof(patterns[0]); ++k) {
    fs_supervisor_reset(sup);
    run_blocks(sup, 2, in, got, LEN, patterns[k].block, patterns[k].random, patterns[k].in_place);
    assert_memory_equal(ref_l, got_l, sizeof(ref_l));
    assert_memory_equal(ref_r, got_r, sizeof(ref_r));
  }
  fs_supervisor_destroy(sup);
}

static uint32_t peak_index(const float *x, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t i = 1; i < n; ++i) {
    if (fabsf(x[i]) > fabsf(x[best])) {
      best = i;
    }
  }
  return best;
}

static void impulse_comes_out_exactly_latency_late(void **state) {
  (void)state;
  const double rates[] = {44100.0, 48000.0, 96000.0};
  for (size_t k = 0; k < 3; ++k) {
    fs_controls controls = fs_controls_default();
    controls.reduction_db = 0.0f;
    fs_supervisor *sup = fs_supervisor_create(rates[k], 1);
    fs_supervisor_set_controls(sup, &controls);
    fs_supervisor_reset(sup);
    const uint32_t latency = fs_supervisor_latency(sup);
    assert_int_equal(latency, fs_geometry_for_rate(rates[k]).latency);
    static float x[8192], y[8192];
    memset(x, 0, sizeof(x));
    x[1000] = 0.5f;
    const float *in[1] = {x};
    float *out[1] = {y};
    fs_supervisor_process(sup, in, out, 8192);
    assert_int_equal(peak_index(y, 8192), 1000 + latency);
    assert_float_equal(y[1000 + latency], 0.5f, 0.01f);
    fs_supervisor_destroy(sup);
  }
}

static void disabling_fades_to_exact_latency_aligned_dry(void **state) {
  (void)state;
  static float x[LEN], y[LEN];
  make_signal(x, LEN, 3);
  fs_controls controls = fs_controls_default();
  fs_supervisor *sup = make(1, &controls);
  /* Feeds x[from, to) and writes y[from, to). */
#define FEED(from, to)                                                                                               \
  do {                                                                                                               \
    const float *in_[1] = {x + (from)};                                                                              \
    float *out_[1] = {y + (from)};                                                                                   \
    fs_supervisor_process(sup, in_, out_, (to) - (from));                                                            \
  } while (0)
  FEED(0, 4800);
  fs_status status;
  fs_supervisor_status(sup, &status);
  assert_int_equal(status.tier, FS_TIER_FULL);

  /* 10 ms fade at 48 kHz: 480 samples, decided on the hop grid. */
  controls.enabled = false;
  fs_supervisor_set_controls(sup, &controls);
  FEED(4800, 4800 + 128);
  fs_supervisor_status(sup, &status);
  assert_int_equal(status.tier, FS_TIER_FULL);
  FEED(4800 + 128, 9600);
  fs_supervisor_status(sup, &status);
  assert_int_equal(status.tier, FS_TIER_BYPASS);

  /* Fully faded: the output is the input, latency samples late, bit for bit. */
  const uint32_t latency = fs_supervisor_latency(sup);
  FEED(9600, 19200);
  for (uint32_t i = 9600 + latency; i < 19200; ++i) {
    assert_true(y[i] == x[i - latency]);
  }

  /* And back: the fade reverses to the processed signal. */
  controls.enabled = true;
  fs_supervisor_set_controls(sup, &controls);
  FEED(19200, 24000);
  fs_supervisor_status(sup, &status);
  assert_int_equal(status.tier, FS_TIER_FULL);
#undef FEED
  fs_supervisor_destroy(sup);
}

static void guard_stops_nonfinite_and_over_ceiling(void **state) {
  (void)state;
  static float x[LEN], y[LEN];
  for (uint32_t i = 0; i < LEN; ++i) {
    x[i] = 100.0f * sinf((float)i * 0.01f); /* +40 dB over full scale */
    if (i % 1000 < 50) {
      x[i] = (i & 1) ? NAN : INFINITY;
    } else if (i % 1000 < 60) {
      x[i] = 1e-40f; /* denormal input */
    }
  }
  fs_controls controls = fs_controls_default();
  controls.ceiling_db = -6.0f;
  fs_supervisor *sup = make(1, &controls);
  const float *in[1] = {x};
  float *out[1] = {y};
  run_blocks(sup, 1, (float *const *)in, out, LEN, 333, 1, 0);
  const float ceiling = powf(10.0f, -6.0f / 20.0f);
  for (uint32_t i = 0; i < LEN; ++i) {
    assert_true(isfinite(y[i]));
    assert_true(fabsf(y[i]) <= ceiling);
    assert_true(y[i] == 0.0f || fabsf(y[i]) >= 1.17549435e-38f);
  }
  fs_status status;
  fs_supervisor_status(sup, &status);
  assert_true(status.guard_clamped > 0);
  fs_supervisor_destroy(sup);
}

static void every_supported_rate_runs_clean(void **state) {
  (void)state;
  const double rates[] = {22050, 32000, 44100, 48000, 88200, 96000, 176400, 192000};
  static float x[20000], y[20000];
  make_signal(x, 20000, 5);
  for (size_t k = 0; k < sizeof(rates) / sizeof(rates[0]); ++k) {
    fs_supervisor *sup = fs_supervisor_create(rates[k], 1);
    assert_non_null(sup);
    const float *in[1] = {x};
    float *out[1] = {y};
    fs_supervisor_process(sup, in, out, 20000);
    for (uint32_t i = 0; i < 20000; ++i) {
      assert_true(isfinite(y[i]));
    }
    fs_supervisor_destroy(sup);
  }
  assert_null(fs_supervisor_create(48000, 0));
  assert_null(fs_supervisor_create(48000, 3));
  fs_supervisor_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(output_is_identical_for_any_block_pattern),
      cmocka_unit_test(impulse_comes_out_exactly_latency_late),
      cmocka_unit_test(disabling_fades_to_exact_latency_aligned_dry),
      cmocka_unit_test(guard_stops_nonfinite_and_over_ceiling),
      cmocka_unit_test(every_supported_rate_runs_clean),
  };
  return cmocka_run_group_tests_name("fs_supervisor", tests, NULL, NULL);
}

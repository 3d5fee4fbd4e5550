/* fs_guard: the ceiling holds without clicks, NaN fades out, no latency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "fs_delay.h"
#include "fs_guard.h"
#include "fs_sanitize.h"

#define HOP 128u
#define HOP_LATENCY 384u
#define LOOKAHEAD 96u
#define LEN (HOP * 400u)

static float input[LEN], output[LEN];

/* A tier that is the input, hop_latency late, times `gain`; guarded. */
static void run(float ceiling, float tier_gain, fs_guard_stats *total) {
  fs_guard *guard = fs_guard_create(1, HOP, HOP_LATENCY, LOOKAHEAD, 4800);
  fs_delay *tier = fs_delay_create(HOP_LATENCY);
  assert_non_null(guard);
  memset(total, 0, sizeof(*total));
  total->min_gain = 1.0f;
  for (uint32_t k = 0; k < LEN / HOP; ++k) {
    const float *in[1] = {input + k * HOP};
    float *out[1] = {output + k * HOP};
    fs_guard_analyse(guard, in, ceiling);
    fs_delay_process(tier, in[0], out[0], HOP);
    for (uint32_t i = 0; i < HOP; ++i) {
      out[0][i] *= tier_gain;
    }
    fs_guard_stats s;
    fs_guard_apply(guard, out, ceiling, &s);
    total->limited += s.limited;
    total->clamped += s.clamped;
    total->nonfinite += s.nonfinite;
    total->min_gain = fminf(total->min_gain, s.min_gain);
  }
  fs_delay_destroy(tier);
  fs_guard_destroy(guard);
}

static float largest_step(uint32_t from, uint32_t to) {
  float step = 0.0f;
  for (uint32_t i = from + 1; i < to; ++i) {
    step = fmaxf(step, fabsf(output[i] - output[i - 1]));
  }
  return step;
}

static void quiet_signal_passes_bit_exact(void **state) {
  (void)state;
  for (uint32_t i = 0; i < LEN; ++i) {
    input[i] = 0.5f * sinf((float)i * 0.05f);
  }
  fs_guard_stats s;
  run(0.89f, 1.0f, &s);
  assert_int_equal(s.limited, 0);
  assert_int_equal(s.clamped, 0);
  for (uint32_t i = HOP_LATENCY; i < LEN; ++i) {
    assert_true(output[i] == input[i - HOP_LATENCY]);
  }
}

static void loud_bursts_are_limited_smoothly_without_clamping(void **state) {
  (void)state;
  for (uint32_t i = 0; i < LEN; ++i) {
    /* +20 dBFS bursts with 500-sample raised-cosine edges: any step in
       the output then comes from the limiter, not from the input. */
    const uint32_t phase = i % 8000;
    float shape = phase < 4000 ? 0.0f : 1.0f;
    if (phase >= 4000 && phase < 4500) {
      shape = 0.5f - 0.5f * cosf(3.14159265f * (float)(phase - 4000) / 500.0f);
    } else if (phase >= 7500) {
      shape = 0.5f + 0.5f * cosf(3.14159265f * (float)(phase - 7500) / 500.0f);
    }
    input[i] = (0.3f + 9.7f * shape) * sinf((float)i * 0.02f);
  }
  const float ceiling = 0.5f;
  fs_guard_stats s;
  run(ceiling, 1.0f, &s);
  assert_int_equal(s.clamped, 0);
  assert_true(s.limited > 0);
  for (uint32_t i = 0; i < LEN; ++i) {
    assert_true(fabsf(output[i]) <= ceiling);
  }
  /* A sine at 0.02 rad/sample under the ceiling moves at most 0.01 per
     sample; the gain ramps add little on top: no click. */
  assert_true(largest_step(0, LEN) < 0.02f);
}

static void nonfinite_input_fades_to_zero(void **state) {
  (void)state;
  for (uint32_t i = 0; i < LEN; ++i) {
    input[i] = 0.4f * sinf((float)i * 0.01f);
    if (i >= 20000 && i < 20100) {
      input[i] = (i & 1) ? NAN : -INFINITY;
    }
  }
  fs_guard_stats s;
  run(0.89f, 1.0f, &s);
  for (uint32_t i = 0; i < LEN; ++i) {
    assert_true(isfinite(output[i]));
  }
  /* Silent across the burst, and reached without a jump. */
  for (uint32_t i = 20000; i < 20100; ++i) {
    assert_true(output[i + HOP_LATENCY] == 0.0f);
  }
  assert_true(largest_step(HOP_LATENCY, LEN) < 0.02f);
  /* This pass-through tier delivers the NaNs themselves; the guard zeroes
     each one (in the plugin, a lower tier's sample replaces them first). */
  assert_int_equal(s.nonfinite, 100);
}

static void overshooting_tier_is_clamped_and_counted(void **state) {
  (void)state;
  for (uint32_t i = 0; i < LEN; ++i) {
    input[i] = 0.8f * sinf((float)i * 0.03f);
  }
  fs_guard_stats s;
  run(0.89f, 2.0f, &s); /* the tier doubles its input: unpredictable from the input */
  assert_true(s.clamped > 0);
  for (uint32_t i = 0; i < LEN; ++i) {
    assert_true(fabsf(output[i]) <= 0.89f);
  }
}

static void nonfinite_output_becomes_zero(void **state) {
  (void)state;
  fs_guard *guard = fs_guard_create(2, HOP, HOP_LATENCY, LOOKAHEAD, 4800);
  float l[HOP] = {0}, r[HOP] = {0};
  const float *in[2] = {l, r};
  float *out[2] = {l, r};
  fs_guard_analyse(guard, in, 1.0f);
  l[5] = NAN;
  r[7] = 1e-42f;
  fs_guard_stats s;
  fs_guard_apply(guard, out, 1.0f, &s);
  assert_int_equal(s.nonfinite, 1);
  assert_true(l[5] == 0.0f && r[7] == 0.0f);
  fs_guard_destroy(guard);
  assert_null(fs_guard_create(3, HOP, HOP_LATENCY, LOOKAHEAD, 1));
  fs_guard_destroy(NULL);
}

/* A caller that measured the hops itself (fs_guard_analyse_peak,
   fs_guard_apply_known) gets exactly what the measuring calls give, on
   quiet hops, loud bursts, NaN and denormals alike. */
static void known_levels_give_the_same_output(void **state) {
  (void)state;
  for (uint32_t i = 0; i < LEN; ++i) {
    const uint32_t phase = i % 9000;
    input[i] = (phase > 6000 ? 3.0f : 0.3f) * sinf((float)i * 0.02f);
    input[i] = phase == 100 ? NAN : (phase == 200 ? 1e-41f : input[i]);
  }
  fs_guard *a = fs_guard_create(1, HOP, HOP_LATENCY, LOOKAHEAD, 4800);
  fs_guard *b = fs_guard_create(1, HOP, HOP_LATENCY, LOOKAHEAD, 4800);
  fs_delay *tier = fs_delay_create(HOP_LATENCY);
  float ya[HOP], yb[HOP];
  uint64_t skipped = 0;
  for (uint32_t k = 0; k < LEN / HOP; ++k) {
    const float *in[1] = {input + k * HOP};
    fs_guard_analyse(a, in, 0.5f);
    const uint32_t bits = fs_peak_bits(in[0], HOP);
    fs_guard_analyse_peak(b, in, 0.5f, bits > FS_FINITE_BITS_MAX ? INFINITY : fs_bits_value(bits));
    fs_delay_process(tier, in[0], ya, HOP);
    memcpy(yb, ya, sizeof(ya));
    fs_guard_level level[1];
    level[0].peak_bits = fs_peak_bits_tiny(yb, HOP, &level[0].tiny);
    float *out_a[1] = {ya}, *out_b[1] = {yb};
    fs_guard_stats sa, sb;
    fs_guard_apply(a, out_a, 0.5f, &sa);
    fs_guard_apply_known(b, out_b, 0.5f, level, &sb);
    assert_memory_equal(ya, yb, sizeof(ya));
    assert_memory_equal(&sa, &sb, sizeof(sa));
    skipped += sa.limited == 0 && sa.clamped == 0;
  }
  assert_true(skipped > 0);
  fs_delay_destroy(tier);
  fs_guard_destroy(a);
  fs_guard_destroy(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(quiet_signal_passes_bit_exact),
      cmocka_unit_test(loud_bursts_are_limited_smoothly_without_clamping),
      cmocka_unit_test(nonfinite_input_fades_to_zero),
      cmocka_unit_test(overshooting_tier_is_clamped_and_counted),
      cmocka_unit_test(nonfinite_output_becomes_zero),
      cmocka_unit_test(known_levels_give_the_same_output),
  };
  return cmocka_run_group_tests_name("fs_guard", tests, NULL, NULL);
}

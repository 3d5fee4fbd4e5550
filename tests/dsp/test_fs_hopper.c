/* fs_hopper: fixed hops out of any block pattern, hop - 1 samples late. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "fs_hopper.h"
#include "test_random.h"

#define HOP 128u
#define LEN 20000u

typedef struct {
  uint32_t hops;
  float gain[2];
} hop_context;

/* A hop callback with memory across hops, so any framing error shows. */
static void scale_and_count(void *context, const float *const *in, float *const *out) {
  hop_context *ctx = context;
  for (uint32_t c = 0; c < 2; ++c) {
    for (uint32_t i = 0; i < HOP; ++i) {
      out[c][i] = in[c][i] * ctx->gain[c] + (float)ctx->hops;
    }
  }
  ctx->hops++;
}

static void make_input(float *left, float *right) {
  uint32_t x = 12345;
  for (uint32_t i = 0; i < LEN; ++i) {
    left[i] = (float)((test_random(&x) >> 16) & 0x7fff) / 32768.0f - 0.5f;
    right[i] = -left[i];
  }
}

static void run_with_blocks(uint32_t block, int random, int in_place, float *out_l, float *out_r) {
  static float in_l[LEN], in_r[LEN];
  make_input(in_l, in_r);
  fs_hopper *h = fs_hopper_create(2, HOP);
  assert_non_null(h);
  hop_context ctx = {0, {2.0f, 0.5f}};
  uint32_t x = 7, done = 0;
  while (done < LEN) {
    uint32_t n = block;
    if (random) {
      n = 1 + (test_random(&x) >> 8) % block;
    }
    if (n > LEN - done) {
      n = LEN - done;
    }
    const float *in[2] = {in_l + done, in_r + done};
    float *out[2] = {out_l + done, out_r + done};
    if (in_place) {
      memcpy(out_l + done, in_l + done, n * sizeof(float));
      memcpy(out_r + done, in_r + done, n * sizeof(float));
      in[0] = out_l + done;
      in[1] = out_r + done;
    }
    fs_hopper_process(h, in, out, n, scale_and_count, &ctx);
    /* n == 0 must be harmless at any point. */
    fs_hopper_process(h, in, out, 0, scale_and_count, &ctx);
    done += n;
  }
  assert_int_equal(ctx.hops, LEN / HOP);
  fs_hopper_destroy(h);
}

static void output_is_input_late_by_hop_minus_one(void **state) {
  (void)state;
  static float in_l[LEN], in_r[LEN], out_l[LEN], out_r[LEN];
  make_input(in_l, in_r);
  run_with_blocks(64, 0, 0, out_l, out_r);
  const uint32_t latency = HOP - 1;
  for (uint32_t i = 0; i < LEN; ++i) {
    if (i < latency) {
      assert_true(out_l[i] == 0.0f);
      continue;
    }
    const uint32_t src = i - latency;
    const float hop_index = (float)(src / HOP);
    assert_true(out_l[i] == in_l[src] * 2.0f + hop_index);
    assert_true(out_r[i] == in_r[src] * 0.5f + hop_index);
  }
}

static void any_block_pattern_gives_identical_output(void **state) {
  (void)state;
  static float ref_l[LEN], ref_r[LEN], got_l[LEN], got_r[LEN];
  run_with_blocks(1, 0, 0, ref_l, ref_r);
  const uint32_t blocks[] = {37, 64, 127, 128, 129, 256, 4096, 8192};
  for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); ++k) {
    run_with_blocks(blocks[k], 0, 0, got_l, got_r);
    assert_memory_equal(ref_l, got_l, sizeof(ref_l));
    assert_memory_equal(ref_r, got_r, sizeof(ref_r));
  }
  run_with_blocks(8192, 1, 0, got_l, got_r);
  assert_memory_equal(ref_l, got_l, sizeof(ref_l));
  run_with_blocks(300, 1, 1, got_l, got_r);
  assert_memory_equal(ref_l, got_l, sizeof(ref_l));
  assert_memory_equal(ref_r, got_r, sizeof(ref_r));
}

/* The history: inside the callback, the hop `ago` hops back is the input
   hop k - ago as it came (silence before the first), or as the callback
   left it: here each hop is negated once read, and seen negated later. */
typedef struct {
  fs_hopper *hopper;
  uint32_t past;
  uint32_t hops;
  const float *input; /* channel 0's whole input */
  int ok;
} history_context;

static void check_history(void *context, const float *const *in, float *const *out) {
  history_context *ctx = context;
  ctx->ok = ctx->ok && fs_hopper_input_hop(ctx->hopper, 0, 0) == in[0];
  for (uint32_t ago = 1; ago <= ctx->past; ++ago) {
    const float *past = fs_hopper_input_hop(ctx->hopper, 0, ago);
    for (uint32_t i = 0; i < HOP; ++i) {
      const float want = ctx->hops >= ago ? -ctx->input[(ctx->hops - ago) * HOP + i] : 0.0f;
      ctx->ok = ctx->ok && past[i] == want;
    }
  }
  float *current = fs_hopper_input_hop(ctx->hopper, 0, 0);
  for (uint32_t i = 0; i < HOP; ++i) {
    ctx->ok = ctx->ok && in[0][i] == ctx->input[ctx->hops * HOP + i];
    out[0][i] = in[0][i];
    current[i] = -current[i];
  }
  ctx->hops++;
}

static void history_holds_the_past_hops(void **state) {
  (void)state;
  static float in_l[LEN], in_r[LEN], out[LEN];
  make_input(in_l, in_r);
  for (uint32_t past = 0; past < 4; ++past) {
    fs_hopper *h = fs_hopper_create_with_history(1, HOP, past);
    assert_non_null(h);
    for (int pass = 0; pass < 2; ++pass) {
      fs_hopper_reset(h);
      history_context ctx = {h, past, 0, in_l, 1};
      uint32_t x = 99 + past, done = 0;
      while (done < LEN) {
        uint32_t n = 1 + (test_random(&x) >> 8) % 700;
        n = n > LEN - done ? LEN - done : n;
        const float *in[1] = {in_l + done};
        float *o[1] = {out + done};
        fs_hopper_process(h, in, o, n, check_history, &ctx);
        done += n;
      }
      assert_int_equal(ctx.hops, LEN / HOP);
      assert_true(ctx.ok);
    }
    fs_hopper_destroy(h);
  }
  assert_null(fs_hopper_create_with_history(1, HOP, UINT32_MAX));
}

static void bad_arguments_are_refused(void **state) {
  (void)state;
  assert_null(fs_hopper_create(0, HOP));
  assert_null(fs_hopper_create(3, HOP));
  assert_null(fs_hopper_create(1, 0));
  fs_hopper *h = fs_hopper_create(1, 1);
  assert_int_equal(fs_hopper_latency(h), 0);
  fs_hopper_destroy(h);
  fs_hopper_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(output_is_input_late_by_hop_minus_one),
      cmocka_unit_test(any_block_pattern_gives_identical_output),
      cmocka_unit_test(history_holds_the_past_hops),
      cmocka_unit_test(bad_arguments_are_refused),
  };
  return cmocka_run_group_tests_name("fs_hopper", tests, NULL, NULL);
}

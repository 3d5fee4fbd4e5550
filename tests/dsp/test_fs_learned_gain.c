/* fs_learned_gain, through the enhancer: at share 0 the output is the
   classical tier's bit for bit while the network is judged in shadow; the
   share glides to 1 within FS_LEARNED_GLIDE_MS; a network whose state is
   broken is not heard, in the same hop; a snapshot brings it back; the
   network's outputs correct the classical gains (contract version 2):
   0.5 leaves them, 0 takes every bin to the floor, 1 keeps up to twice
   as much above the floor, never above unity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fs_enhancer.h"
#include "fs_tuning.h"
#include "test_support.h"

#define RATE 48000.0
#define SECONDS 2.0

typedef struct {
  fs_enhancer *enhancer;
  const fs_geometry *geometry;
  float *input, *output;
  size_t hops;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  f->enhancer = fs_enhancer_create(RATE);
  assert_non_null(f->enhancer);
  f->geometry = fs_enhancer_geometry(f->enhancer);
  const size_t n = (size_t)(SECONDS * RATE);
  f->hops = n / f->geometry->hop;
  f->input = malloc(n * sizeof(float));
  f->output = malloc(n * sizeof(float));
  uint32_t seed = 77;
  test_speechlike(f->input, n, RATE, 130.0);
  for (size_t i = 0; i < n; ++i) {
    f->input[i] += 0.03f * test_gauss(&seed);
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  fs_enhancer_destroy(f->enhancer);
  free(f->input);
  free(f->output);
  free(f);
  return 0;
}

static void run(fixture *f, size_t from, size_t to) {
  const uint32_t hop = f->geometry->hop;
  for (size_t h = from; h < to; ++h) {
    fs_enhancer_process_hop(f->enhancer, f->input + h * hop, f->output + h * hop);
  }
}

static void share_zero_is_the_classical_tier_and_judged_in_shadow(void **state) {
  fixture *f = *state;
  const size_t n = f->hops * f->geometry->hop;
  fs_enhancer_set_learned_share(f->enhancer, 0.0f);
  fs_enhancer_watch_learned(f->enhancer, true);
  fs_enhancer_reset(f->enhancer);
  float *first = malloc(n * sizeof(float));
  uint32_t judged = 0;
  const uint32_t hop = f->geometry->hop;
  for (size_t h = 0; h < f->hops; ++h) {
    fs_enhancer_process_hop(f->enhancer, f->input + h * hop, first + h * hop);
    const fs_learned_gain_report *r = fs_enhancer_learned_report(f->enhancer);
    assert_int_equal(r->invalid, 0);
    assert_true(r->share == 0.0f);
    assert_true(isfinite(r->flicker) && r->flicker >= 0.0f);
    assert_true(isfinite(r->loss_db));
    judged += r->loss_db != 0.0f;
  }
  /* The network ran: its gains differ from the classical ones somewhere. */
  assert_true(judged > f->hops / 2);
  /* A second run with a different share target set and taken back before
     the first hop gives the same bits. */
  fs_enhancer_set_learned_share(f->enhancer, 1.0f);
  fs_enhancer_set_learned_share(f->enhancer, 0.0f);
  fs_enhancer_reset(f->enhancer);
  run(f, 0, f->hops);
  assert_memory_equal(first, f->output, n * sizeof(float));
  free(first);
}

static void share_glides_to_one_within_the_glide_time(void **state) {
  fixture *f = *state;
  fs_enhancer_set_learned_share(f->enhancer, 0.0f);
  fs_enhancer_reset(f->enhancer);
  run(f, 0, 20);
  fs_enhancer_set_learned_share(f->enhancer, 1.0f);
  const double hop_ms = f->geometry->hop * 1000.0 / RATE;
  const size_t glide_hops = (size_t)ceil(FS_LEARNED_GLIDE_MS / hop_ms);
  float previous = 0.0f;
  for (size_t h = 20; h < 20 + glide_hops; ++h) {
    run(f, h, h + 1);
    const float share = fs_enhancer_learned_report(f->enhancer)->share;
    assert_true(share > previous); /* a glide, not a jump */
    previous = share;
  }
  assert_true(previous == 1.0f);
  /* NaN is the classical tier. */
  fs_enhancer_set_learned_share(f->enhancer, NAN);
  run(f, 20 + glide_hops, 40 + glide_hops);
  assert_true(fs_enhancer_learned_report(f->enhancer)->share == 0.0f);
}

static void broken_network_is_not_heard_in_the_same_hop(void **state) {
  fixture *f = *state;
  fs_enhancer_set_learned_share(f->enhancer, 1.0f);
  fs_enhancer_reset(f->enhancer);
  run(f, 0, 50);
  unsigned char *snapshot = malloc(fs_enhancer_snapshot_size(f->enhancer));
  fs_enhancer_snapshot(f->enhancer, snapshot);
  fs_enhancer_corrupt_learned(f->enhancer, NAN);
  assert_false(fs_enhancer_state_is_finite(f->enhancer));
  const uint32_t hop = f->geometry->hop;
  run(f, 50, 51);
  const fs_learned_gain_report *r = fs_enhancer_learned_report(f->enhancer);
  assert_true(r->invalid > 0);
  assert_true(r->share == 0.0f);
  for (uint32_t i = 0; i < hop; ++i) {
    assert_true(isfinite(f->output[50 * hop + i]));
  }
  fs_enhancer_restore(f->enhancer, snapshot);
  assert_true(fs_enhancer_state_is_finite(f->enhancer));
  run(f, 51, 60);
  assert_int_equal(fs_enhancer_learned_report(f->enhancer)->invalid, 0);
  free(snapshot);
}

/* What the hooks of the correction test force and see. */
typedef struct {
  float output;   /* every network output forced to this */
  float *gains;   /* the bin gains heard, copied at FS_ENHANCER_HOOK_GAINS */
  float floor_gain;
} correction_probe;

static void force_outputs(void *context, fs_enhancer *e, fs_enhancer_hook_point point,
                          const fs_enhancer_gain_view *view) {
  correction_probe *p = context;
  if (point == FS_ENHANCER_HOOK_LEARNED) {
    for (uint32_t b = view->band_low; b <= view->band_high; ++b) {
      view->gains[b] = p->output;
    }
  } else if (point == FS_ENHANCER_HOOK_GAINS) {
    memcpy(p->gains, view->gains, fs_enhancer_bins(e) * sizeof(float));
    p->floor_gain = view->floor_gain;
  }
}

static void outputs_correct_the_classical_gains(void **state) {
  fixture *f = *state;
  const uint32_t bins = fs_enhancer_bins(f->enhancer);
  fs_enhancer *classical = fs_enhancer_create(RATE);
  assert_non_null(classical);
  correction_probe heard = {.gains = calloc(bins, sizeof(float))};
  correction_probe reference = {.output = 0.5f, .gains = calloc(bins, sizeof(float))};
  fs_enhancer_set_hook(classical, force_outputs, &reference);
  fs_enhancer_set_hook(f->enhancer, force_outputs, &heard);
  const float outputs[] = {0.5f, 0.0f, 1.0f};
  const uint32_t hop = f->geometry->hop;
  for (size_t o = 0; o < sizeof(outputs) / sizeof(outputs[0]); ++o) {
    heard.output = outputs[o];
    fs_enhancer_set_learned_share(f->enhancer, 1.0f);
    fs_enhancer_reset(f->enhancer);
    fs_enhancer_reset(classical);
    uint32_t above_floor = 0;
    for (size_t h = 0; h < f->hops; ++h) {
      fs_enhancer_process_hop(f->enhancer, f->input + h * hop, f->output + h * hop);
      fs_enhancer_process_hop(classical, f->input + h * hop, f->output + h * hop);
      if (h < 10) {
        continue; /* the share glides in */
      }
      const float floor_gain = reference.floor_gain;
      assert_float_equal(heard.floor_gain, floor_gain, 0.0f);
      for (uint32_t k = 0; k < bins; ++k) {
        const float g = reference.gains[k];
        above_floor += g > floor_gain + 0.01f;
        if (outputs[o] == 0.5f) {
          assert_float_equal(heard.gains[k], g, 1e-6f);
        } else if (outputs[o] == 0.0f) {
          assert_float_equal(heard.gains[k], floor_gain, 1e-6f);
        } else {
          const float expected = fminf(1.0f, floor_gain + 2.0f * (g - floor_gain));
          assert_float_equal(heard.gains[k], expected, 1e-6f);
        }
      }
    }
    assert_true(above_floor > 0); /* the classical gains kept speech somewhere */
  }
  fs_enhancer_set_hook(f->enhancer, NULL, NULL);
  fs_enhancer_destroy(classical);
  free(heard.gains);
  free(reference.gains);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(share_zero_is_the_classical_tier_and_judged_in_shadow),
      cmocka_unit_test(share_glides_to_one_within_the_glide_time),
      cmocka_unit_test(broken_network_is_not_heard_in_the_same_hop),
      cmocka_unit_test(outputs_correct_the_classical_gains),
  };
  return cmocka_run_group_tests_name("fs_learned_gain", tests, setup, teardown);
}

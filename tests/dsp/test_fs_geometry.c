/* fs_geometry: frame, hop and latency for every supported rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "fs_geometry.h"
#include "fs_tuning.h"

static void latency_at_48k_is_at_most_512(void **state) {
  (void)state;
  const fs_geometry g = fs_geometry_for_rate(48000.0);
  assert_int_equal(g.frame, 512);
  /* 50 % overlap: hop 256 (5.3 ms), the tier delay the same. */
  assert_int_equal(g.hop, 512 / FS_HOPS_PER_FRAME);
  assert_int_equal(g.hop, 256);
  assert_int_equal(g.hop_latency, 256);
  assert_int_equal(g.latency, 511);
}

static void frame_scales_with_rate(void **state) {
  (void)state;
  const struct {
    double rate;
    uint32_t frame;
  } cases[] = {{22050, 256}, {32000, 256}, {44100, 512}, {48000, 512},
               {88200, 1024}, {96000, 1024}, {176400, 2048}, {192000, 2048}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    const fs_geometry g = fs_geometry_for_rate(cases[i].rate);
    assert_int_equal(g.frame, cases[i].frame);
    assert_int_equal(g.hop * FS_HOPS_PER_FRAME, g.frame);
    assert_int_equal(g.latency, g.frame - 1);
    /* The analysis window: whole hops, at least the frame. */
    assert_int_equal(g.analysis, g.hop * FS_ANALYSIS_HOPS);
    assert_true(g.analysis >= g.frame);
    /* Latency stays near 10.7 ms whatever the rate. */
    const double ms = 1000.0 * g.latency / cases[i].rate;
    assert_true(ms > 5.0 && ms < 12.0);
  }
}

static void odd_rates_are_clamped(void **state) {
  (void)state;
  assert_int_equal(fs_geometry_for_rate(NAN).sample_rate, FS_MIN_SAMPLE_RATE);
  assert_int_equal(fs_geometry_for_rate(-1.0).sample_rate, FS_MIN_SAMPLE_RATE);
  assert_int_equal(fs_geometry_for_rate(1e9).sample_rate, FS_MAX_SAMPLE_RATE);
  assert_int_equal(fs_geometry_for_rate(INFINITY).frame, 2048);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(latency_at_48k_is_at_most_512),
      cmocka_unit_test(frame_scales_with_rate),
      cmocka_unit_test(odd_rates_are_clamped),
  };
  return cmocka_run_group_tests_name("fs_geometry", tests, NULL, NULL);
}

/* fs_periodicity: voiced sounds are periodic at their pitch; noise, hum
   under the range and silence are not; nothing the input does makes it
   NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_geometry.h"
#include "fs_periodicity.h"
#include "fs_tuning.h"
#include "test_support.h"

/* A vowel-like sound: a pulse train at f0 through two resonances (near
   500 and 1500 Hz), so its harmonics carry a formant envelope. */
static void vowel(float *x, size_t n, double rate, double f0) {
  const double pi = 3.14159265358979323846;
  double y1[2] = {0}, y2[2] = {0};
  const double r = exp(-pi * 100.0 / rate);
  const double c1 = 2.0 * r * cos(2.0 * pi * 500.0 / rate), c2 = 2.0 * r * cos(2.0 * pi * 1500.0 / rate);
  double phase = 0.0;
  for (size_t i = 0; i < n; ++i) {
    phase += f0 / rate;
    double pulse = 0.0;
    if (phase >= 1.0) {
      phase -= 1.0;
      pulse = 1.0;
    }
    const double a = pulse + c1 * y1[0] - r * r * y1[1];
    y1[1] = y1[0];
    y1[0] = a;
    const double b = pulse + c2 * y2[0] - r * r * y2[1];
    y2[1] = y2[0];
    y2[0] = b;
    x[i] = (float)(0.05 * a + 0.03 * b);
  }
}

static void pulse_train(float *x, size_t n, double rate, double f0) {
  double phase = 0.0;
  for (size_t i = 0; i < n; ++i) {
    phase += f0 / rate;
    x[i] = 0.0f;
    if (phase >= 1.0) {
      phase -= 1.0;
      x[i] = 0.5f;
    }
  }
}

/* Runs `seconds` of x through a fresh instance; returns the mean
   periodicity of the second half and its mean pitch, checking each hop's
   results as it goes. */
static double run(double rate, const float *x, size_t n, double *mean_pitch, double *largest) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  fs_periodicity *p = fs_periodicity_create(rate, g.hop);
  assert_non_null(p);
  const size_t hops = n / g.hop;
  double sum = 0.0, pitch = 0.0, most = 0.0;
  size_t counted = 0;
  for (size_t h = 0; h < hops; ++h) {
    fs_periodicity_update(p, x + h * g.hop);
    const float value = fs_periodicity_value(p), f = fs_periodicity_pitch(p);
    assert_true(isfinite(value) && isfinite(f));
    assert_true(value >= 0.0f && value <= 1.0f);
    if (value <= FS_PITCH_VOICED) {
      assert_true(f == 0.0f);
    }
    if (h >= hops / 2) {
      sum += value;
      pitch += f;
      most = value > most ? value : most;
      ++counted;
    }
  }
  assert_true(fs_periodicity_state_is_finite(p));
  fs_periodicity_destroy(p);
  if (mean_pitch) {
    *mean_pitch = pitch / counted;
  }
  if (largest) {
    *largest = most;
  }
  return sum / counted;
}

static void voiced_sounds_give_their_pitch(void **state) {
  (void)state;
  const double rates[] = {48000.0, 22050.0, 44100.0, 96000.0, 192000.0};
  /* The two of the brief, and near both ends of the range. */
  const double pitches[] = {100.0, 220.0, 70.0, 450.0};
  for (int r = 0; r < 5; ++r) {
    const size_t n = (size_t)(1.0 * rates[r]);
    float *x = malloc(n * sizeof(float));
    for (int f = 0; f < 4; ++f) {
      for (int kind = 0; kind < 2; ++kind) {
        (kind ? vowel : pulse_train)(x, n, rates[r], pitches[f]);
        double pitch = 0.0;
        const double value = run(rates[r], x, n, &pitch, NULL);
        const double expected = log2(pitches[f] / FS_PITCH_REFERENCE_HZ);
        printf("# %s %.0f Hz at %.0f Hz: periodicity %.3f, pitch %.3f (expected %.3f)\n",
               kind ? "vowel" : "pulses", pitches[f], rates[r], value, pitch, expected);
        assert_true(value > 0.8);
        assert_true(fabs(pitch - expected) < 1.0 / 12.0);
      }
    }
    free(x);
  }
}

static void white_noise_is_not_periodic(void **state) {
  (void)state;
  const double rates[] = {48000.0, 22050.0};
  for (int r = 0; r < 2; ++r) {
    const size_t n = (size_t)(3.0 * rates[r]);
    float *x = malloc(n * sizeof(float));
    uint32_t seed = 11;
    for (size_t i = 0; i < n; ++i) {
      x[i] = 0.1f * test_gauss(&seed);
    }
    double largest = 0.0;
    const double value = run(rates[r], x, n, NULL, &largest);
    printf("# white noise at %.0f Hz: mean periodicity %.3f, largest %.3f\n", rates[r], value, largest);
    assert_true(value < 0.5);
    assert_true(largest < 0.6);
    free(x);
  }
}

/* Hum under the range (50 Hz) and rumble correlate well at short lags,
   but only as the slope of a peak outside the range: no pitch. */
static void hum_and_rumble_are_not_voices(void **state) {
  (void)state;
  const double rate = 48000.0;
  const size_t n = (size_t)(2.0 * rate);
  float *x = malloc(n * sizeof(float));
  uint32_t seed = 17;
  for (size_t i = 0; i < n; ++i) {
    x[i] = (float)(0.1 * sin(2.0 * 3.14159265358979323846 * 50.0 * i / rate)) + 0.001f * test_uniform(&seed);
  }
  double largest = 0.0;
  double value = run(rate, x, n, NULL, &largest);
  printf("# 50 Hz hum: mean periodicity %.3f, largest %.3f\n", value, largest);
  assert_true(largest < FS_PITCH_VOICED);
  double brown = 0.0;
  for (size_t i = 0; i < n; ++i) {
    brown = 0.998 * brown + 0.02 * test_uniform(&seed);
    x[i] = (float)brown;
  }
  value = run(rate, x, n, NULL, &largest);
  printf("# rumble (brown noise): mean periodicity %.3f, largest %.3f\n", value, largest);
  assert_true(value < 0.5);
  free(x);
}

static void silence_gives_zero(void **state) {
  (void)state;
  const fs_geometry g = fs_geometry_for_rate(48000.0);
  fs_periodicity *p = fs_periodicity_create(48000.0, g.hop);
  float *x = calloc(g.hop, sizeof(float));
  for (int h = 0; h < 50; ++h) {
    fs_periodicity_update(p, x);
    assert_true(fs_periodicity_value(p) == 0.0f);
    assert_true(fs_periodicity_pitch(p) == 0.0f);
  }
  /* And again after a loud vowel has died away. */
  float *voiced = malloc(48000 * sizeof(float));
  vowel(voiced, 48000, 48000.0, 150.0);
  for (uint32_t h = 0; h + g.hop <= 48000; h += g.hop) {
    fs_periodicity_update(p, voiced + h);
  }
  assert_true(fs_periodicity_value(p) > 0.8f);
  for (int h = 0; h < 200; ++h) {
    fs_periodicity_update(p, x);
  }
  assert_true(fs_periodicity_value(p) == 0.0f);
  assert_true(fs_periodicity_pitch(p) == 0.0f);
  fs_periodicity_reset(p);
  assert_true(fs_periodicity_value(p) == 0.0f);
  free(voiced);
  free(x);
  fs_periodicity_destroy(p);
}

/* Whole hops of silence before a sound change nothing: after 1 hop or 7
   of zeros the same vowel gives the same values, bit for bit, at every
   rate (the decimation keeps the same positions of every hop). */
static void whole_hops_of_silence_change_nothing(void **state) {
  (void)state;
  const double rates[] = {22050.0, 44100.0, 48000.0, 96000.0, 192000.0};
  for (int r = 0; r < 5; ++r) {
    const fs_geometry g = fs_geometry_for_rate(rates[r]);
    const size_t hops = 40;
    float *voiced = malloc(hops * g.hop * sizeof(float));
    float *zeros = calloc(g.hop, sizeof(float));
    vowel(voiced, hops * g.hop, rates[r], 120.0);
    fs_periodicity *early = fs_periodicity_create(rates[r], g.hop);
    fs_periodicity *late = fs_periodicity_create(rates[r], g.hop);
    fs_periodicity_update(early, zeros);
    for (int h = 0; h < 7; ++h) {
      fs_periodicity_update(late, zeros);
    }
    for (size_t h = 0; h < hops; ++h) {
      fs_periodicity_update(early, voiced + h * g.hop);
      fs_periodicity_update(late, voiced + h * g.hop);
      assert_true(fs_periodicity_value(early) == fs_periodicity_value(late));
      assert_true(fs_periodicity_pitch(early) == fs_periodicity_pitch(late));
    }
    assert_true(fs_periodicity_value(late) > 0.8f);
    fs_periodicity_destroy(early);
    fs_periodicity_destroy(late);
    free(voiced);
    free(zeros);
  }
}

static void extreme_input_stays_finite(void **state) {
  (void)state;
  const fs_geometry g = fs_geometry_for_rate(48000.0);
  fs_periodicity *p = fs_periodicity_create(48000.0, g.hop);
  float *x = malloc(g.hop * sizeof(float));
  uint32_t seed = 3;
  const float specials[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 1e-30f, 1e-40f, FLT_MAX, 0.0f};
  for (int h = 0; h < 400; ++h) {
    for (uint32_t i = 0; i < g.hop; ++i) {
      const uint32_t pick = test_random(&seed) % 16u;
      x[i] = pick < 9 ? specials[pick] : 1000.0f * test_uniform(&seed);
    }
    /* Square waves at full scale and beyond, every few hops. */
    if (h % 5 == 0) {
      for (uint32_t i = 0; i < g.hop; ++i) {
        x[i] = (i / 40u) % 2u ? 1e6f : -1e6f;
      }
    }
    fs_periodicity_update(p, x);
    assert_true(isfinite(fs_periodicity_value(p)) && isfinite(fs_periodicity_pitch(p)));
    assert_true(fs_periodicity_value(p) >= 0.0f && fs_periodicity_value(p) <= 1.0f);
    assert_true(fs_periodicity_state_is_finite(p));
  }
  free(x);
  fs_periodicity_destroy(p);
}

/* The lags cover 62.5..500 Hz at every rate; the window is 40 ms; the
   decimation divides the hop. */
static void lags_scale_with_the_rate(void **state) {
  (void)state;
  const double rates[] = {22050.0, 32000.0, 44100.0, 48000.0, 88200.0, 96000.0, 176400.0, 192000.0};
  for (int r = 0; r < 8; ++r) {
    const fs_geometry g = fs_geometry_for_rate(rates[r]);
    fs_periodicity *p = fs_periodicity_create(rates[r], g.hop);
    assert_non_null(p);
    const double kept = fs_periodicity_decimated_rate(p);
    assert_true(kept >= FS_PERIODICITY_RATE_HZ && kept <= 1.5 * FS_PERIODICITY_RATE_HZ);
    /* One kept sample in a whole divisor of the hop: every hop keeps the same positions. */
    const double factor = rates[r] / kept;
    assert_true(fabs(factor - round(factor)) < 1e-9 && g.hop % (uint32_t)round(factor) == 0);
    assert_true(kept / fs_periodicity_shortest_lag(p) >= FS_PITCH_HIGH_HZ);
    assert_true(kept / fs_periodicity_longest_lag(p) <= FS_PITCH_LOW_HZ);
    fs_periodicity_destroy(p);
  }
}

/* A snapshot taken mid-stream replays to the same results. */
static void snapshot_replays(void **state) {
  (void)state;
  const fs_geometry g = fs_geometry_for_rate(44100.0);
  fs_periodicity *p = fs_periodicity_create(44100.0, g.hop);
  const size_t hops = 200;
  float *x = malloc(hops * g.hop * sizeof(float));
  vowel(x, hops * g.hop, 44100.0, 130.0);
  uint32_t seed = 9;
  for (size_t i = 0; i < hops * g.hop; ++i) {
    x[i] += 0.02f * test_gauss(&seed);
  }
  void *snap = malloc(fs_periodicity_state_size(p));
  float first[200][2];
  for (size_t h = 0; h < hops; ++h) {
    if (h == hops / 2) {
      fs_periodicity_save(p, snap);
    }
    fs_periodicity_update(p, x + h * g.hop);
    first[h][0] = fs_periodicity_value(p);
    first[h][1] = fs_periodicity_pitch(p);
  }
  fs_periodicity_load(p, snap);
  for (size_t h = hops / 2; h < hops; ++h) {
    fs_periodicity_update(p, x + h * g.hop);
    assert_true(first[h][0] == fs_periodicity_value(p));
    assert_true(first[h][1] == fs_periodicity_pitch(p));
  }
  free(snap);
  free(x);
  fs_periodicity_destroy(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(voiced_sounds_give_their_pitch),
      cmocka_unit_test(white_noise_is_not_periodic),
      cmocka_unit_test(hum_and_rumble_are_not_voices),
      cmocka_unit_test(silence_gives_zero),
      cmocka_unit_test(whole_hops_of_silence_change_nothing),
      cmocka_unit_test(extreme_input_stays_finite),
      cmocka_unit_test(lags_scale_with_the_rate),
      cmocka_unit_test(snapshot_replays),
  };
  return cmocka_run_group_tests_name("fs_periodicity", tests, NULL, NULL);
}

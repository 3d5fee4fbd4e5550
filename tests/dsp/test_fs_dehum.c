/* fs_dehum: learns and removes mains hum at 50 or 60 Hz at any rate,
   leaves every other sound bit for bit alone, releases when the hum
   stops, and stays finite and denormal-free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_dehum.h"
#include "fs_geometry.h"
#include "test_support.h"

static const double pi = 3.14159265358979323846;

/* Mains hum: the fundamental and 19 harmonics falling as 1/h, with a
   phase per harmonic, as a transformer's buzz has. */
static float hum_at(double t, double hz, float level) {
  double y = 0.0;
  for (int h = 1; h <= 20; ++h) {
    y += sin(2.0 * pi * h * hz * t + 0.7 * h) / h;
  }
  return (float)(level * y);
}

/* Voice-like material that never repeats: harmonic syllables of random
   pitch (100..220 Hz, gliding down), length and pause.  (test_speechlike
   repeats every 0.4 s, a whole number of mains periods, which no voice
   does, and which a comb would rightly learn.) */
static void voice(float *x, size_t n, double rate, uint32_t *seed) {
  size_t i = 0;
  while (i < n) {
    const size_t length = (size_t)((0.15 + 0.2 * (0.5 + 0.5 * test_uniform(seed))) * rate);
    const size_t pause = (size_t)((0.05 + 0.2 * (0.5 + 0.5 * test_uniform(seed))) * rate);
    const double f0 = 160.0 + 60.0 * test_uniform(seed);
    double phase = 0.0;
    for (size_t j = 0; j < length && i < n; ++j, ++i) {
      const double u = (double)j / length;
      phase += f0 * (1.0 - 0.2 * u) / rate;
      double y = 0.0;
      for (int h = 1; h <= 20; ++h) {
        y += sin(2.0 * pi * h * phase) / (1.0 + pow((h * f0 - 600.0) / 400.0, 2));
      }
      x[i] = (float)(0.2 * sin(pi * u) * y);
    }
    for (size_t j = 0; j < pause && i < n; ++j, ++i) {
      x[i] = 0.0f;
    }
  }
}

static double power_of(const float *x, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    sum += (double)x[i] * x[i];
  }
  return sum / (double)n;
}

#define MUTE_AFTER_S 2.0 /* where residual_hum_db's mute starts, into the signal */

/* Runs `lead` seconds of digital silence, then 6 s of voice-like signal
   (muted to digital silence for `mute` seconds MUTE_AFTER_S into it)
   plus white noise plus hum 13 dB below the voice, through a dehum at
   `rate` and returns what the output is
   off the hum-free input in the last second, dB against the hum that went
   in.  What is left is mostly not hum but the little of the voice the
   combs learned (about -23 dB of it) and took away with the hum. */
static double residual_hum_db(double rate, double hz, double lead, double mute, uint32_t *mains) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  fs_dehum *d = fs_dehum_create(g.sample_rate, g.hop);
  assert_non_null(d);
  const double seconds = 6.0 + lead + mute;
  const size_t hops = (size_t)(seconds * rate / g.hop), n = hops * g.hop;
  float *other = calloc(n, sizeof(float)), *hum = calloc(n, sizeof(float)), *x = calloc(n, sizeof(float));
  uint32_t seed = 7;
  voice(other, n, rate, &seed);
  const size_t silent = (size_t)(lead * rate);
  const size_t mute_from = silent + (size_t)(MUTE_AFTER_S * rate), mute_to = mute_from + (size_t)(mute * rate);
  for (size_t i = 0; i < n; ++i) {
    const bool off = i < silent || (i >= mute_from && i < mute_to);
    other[i] = off ? 0.0f : other[i] + 0.003f * test_gauss(&seed);
    hum[i] = off ? 0.0f : hum_at(i / rate, hz, 0.05f);
    x[i] = other[i] + hum[i];
  }
  for (size_t h = 0; h < hops; ++h) {
    fs_dehum_process(d, x + h * g.hop);
  }
  for (size_t i = 0; i < n; ++i) {
    assert_true(test_sample_is_clean(x[i]));
    x[i] -= other[i]; /* what is left of the hum (and what was taken from the rest) */
  }
  const size_t last = (size_t)rate;
  const double db = 10.0 * log10(power_of(x + n - last, last) / power_of(hum + n - last, last));
  *mains = fs_dehum_mains_hz(d);
  assert_true(fs_dehum_state_is_finite(d));
  fs_dehum_destroy(d);
  free(other);
  free(hum);
  free(x);
  return db;
}

static void removes_hum_at_any_rate(void **state) {
  (void)state;
  const struct {
    double rate, hz;
  } cases[] = {{48000, 50}, {48000, 60}, {44100, 50}, {44100, 60}, {22050, 60}, {96000, 50}, {192000, 60}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); ++i) {
    uint32_t mains = 0;
    const double db = residual_hum_db(cases[i].rate, cases[i].hz, 0.0, 0.0, &mains);
    printf("# %.0f Hz hum at %.0f Hz: %.1f dB left\n", cases[i].hz, cases[i].rate, db);
    assert_int_equal(mains, (uint32_t)cases[i].hz);
    assert_true(db < -10.0);
  }
}

/* Mains frequency is never exact.  The combs sit 0.05 Hz apart: a grid
   on one of them loses its hum as well as an exact one, a grid halfway
   between two or at the edge (0.075 Hz off) still loses a good part, and
   one far off (0.3 Hz, beyond what grids in service drift) is at worst
   left as it was. */
/* A stream that opens with digital silence (PipeWire's first quanta, a
   muted microphone): the silence is no quiet moment of the hum, and the
   hum is still found and removed. */
static void hum_after_silence_is_removed(void **state) {
  (void)state;
  const double leads[] = {0.05, 1.0, 10.0};
  for (size_t i = 0; i < sizeof(leads) / sizeof(leads[0]); ++i) {
    uint32_t mains = 0;
    const double db = residual_hum_db(48000.0, 50.0, leads[i], 0.0, &mains);
    printf("# 50 Hz hum after %.2f s of silence: %.1f dB left\n", leads[i], db);
    assert_int_equal(mains, 50u);
    assert_true(db < -10.0);
  }
}

/* A microphone muted mid-stream (digital silence) and opened again on the
   same hum: removed again within the four seconds that follow. */
static void hum_after_a_mute_is_removed(void **state) {
  (void)state;
  const double mutes[] = {0.3, 1.0, 5.0};
  for (size_t i = 0; i < sizeof(mutes) / sizeof(mutes[0]); ++i) {
    uint32_t mains = 0;
    const double db = residual_hum_db(48000.0, 50.0, 0.0, mutes[i], &mains);
    printf("# 50 Hz hum 4 s after a %.1f s mute: %.1f dB left\n", mutes[i], db);
    assert_int_equal(mains, 50u);
    assert_true(db < -10.0);
  }
}

static void drifting_mains(void **state) {
  (void)state;
  const double offsets[] = {0.025, -0.025, 0.05, -0.05, 0.075, -0.075, 0.3};
  for (size_t i = 0; i < 7; ++i) {
    uint32_t mains = 0;
    const double db = residual_hum_db(48000.0, 50.0 + offsets[i], 0.0, 0.0, &mains);
    printf("# 50 Hz mains off by %+.3f Hz: %.1f dB left (removing %u Hz)\n", offsets[i], db, mains);
    assert_true(db < (fabs(offsets[i]) < 0.1 ? -4.0 : 0.5));
  }
}

/* Everything that is not hum: the output is the input, bit for bit. */
static void leaves_other_sound_alone(void **state) {
  (void)state;
  const double rate = 48000.0;
  const fs_geometry g = fs_geometry_for_rate(rate);
  const size_t hops = (size_t)(8.0 * rate / g.hop), n = hops * g.hop;
  float *x = calloc(n, sizeof(float)), *y = calloc(n, sizeof(float));
  for (int kind = 0; kind < 11; ++kind) {
    uint32_t seed = 11u + (uint32_t)kind;
    memset(x, 0, n * sizeof(float));
    if (kind >= 1 && kind <= 3) {
      test_speechlike(x, n, rate, kind == 1 ? 110.0 : kind == 2 ? 150.0 : 210.0);
    }
    for (size_t i = 0; i < n; ++i) {
      switch (kind) {
      case 0: x[i] = 0.1f * test_gauss(&seed); break;                          /* white noise */
      case 4: x[i] = (float)(0.3 * sin(2.0 * pi * 440.0 * i / rate)); break; /* a tone */
      case 5: x[i] = 0.25f + 0.01f * test_gauss(&seed); break;                /* DC offset */
      case 6: x[i] = 0.0f; break;                                              /* silence */
      case 7: x[i] = (float)(0.3 * sin(2.0 * pi * 1000.0 * i / rate)); break; /* line-up tone: fits 50 Hz */
      case 8: x[i] = (float)(0.3 * sin(2.0 * pi * 1200.0 * i / rate)); break; /* fits both */
      case 9:    /* a monotone voice at exactly 100 Hz, 0.3 s on, 0.2 s off: fits 50 Hz but pauses */
      case 10: { /* the same, cut out of a clean recording: its pauses are digital silence */
        const double t = i / rate, cycle = fmod(t, 0.5);
        const double on = cycle >= 0.3 ? 0.0 : kind == 9 ? sin(pi * cycle / 0.3) : 1.0;
        double y = 0.0;
        for (int h = 1; h <= 10; ++h) {
          y += sin(2.0 * pi * 100.0 * h * t) / h;
        }
        x[i] = (float)(0.2 * on * y) + (kind == 9 ? 0.001f * test_gauss(&seed) : 0.0f);
        break;
      }
      default: x[i] += 0.01f * test_gauss(&seed); break;                       /* speech in noise */
      }
    }
    memcpy(y, x, n * sizeof(float));
    fs_dehum *d = fs_dehum_create(rate, g.hop);
    for (size_t h = 0; h < hops; ++h) {
      fs_dehum_process(d, y + h * g.hop);
    }
    printf("# kind %d: engaged %.2f\n", kind, fs_dehum_engagement(d));
    assert_int_equal(fs_dehum_mains_hz(d), 0);
    assert_memory_equal(x, y, n * sizeof(float));
    fs_dehum_destroy(d);
  }
  free(x);
  free(y);
}

/* Hum that stops: the removal glides out and the output is the input
   again; long silence after it leaves no denormal in the state. */
static void releases_and_decays_cleanly(void **state) {
  (void)state;
  const double rate = 48000.0;
  const fs_geometry g = fs_geometry_for_rate(rate);
  fs_dehum *d = fs_dehum_create(rate, g.hop);
  float hop[4096], copy[4096];
  uint32_t seed = 3;
  size_t at = 0;
  for (size_t h = 0; h < (size_t)(4.0 * rate / g.hop); ++h) {
    for (uint32_t i = 0; i < g.hop; ++i, ++at) {
      hop[i] = hum_at(at / rate, 50.0, 0.1f) + 0.01f * test_gauss(&seed);
    }
    fs_dehum_process(d, hop);
  }
  assert_int_equal(fs_dehum_mains_hz(d), 50);
  assert_true(fs_dehum_engagement(d) == 1.0f);
  /* Then white noise only: released within the averaging time. */
  for (size_t h = 0; h < (size_t)(8.0 * rate / g.hop); ++h) {
    for (uint32_t i = 0; i < g.hop; ++i) {
      hop[i] = copy[i] = 0.05f * test_gauss(&seed);
    }
    fs_dehum_process(d, hop);
  }
  assert_int_equal(fs_dehum_mains_hz(d), 0);
  assert_memory_equal(hop, copy, g.hop * sizeof(float));
  /* A minute of silence: the learned waveform decays to exact zeros. */
  for (size_t h = 0; h < (size_t)(60.0 * rate / g.hop); ++h) {
    memset(hop, 0, g.hop * sizeof(float));
    fs_dehum_process(d, hop);
    for (uint32_t i = 0; i < g.hop; ++i) {
      assert_true(hop[i] == 0.0f);
    }
  }
  assert_true(fs_dehum_state_is_finite(d));
  fs_dehum_reset(d);
  assert_true(fs_dehum_engagement(d) == 0.0f);
  fs_dehum_destroy(d);
}

/* Hops skipped by the owner: the combs keep in step with the mains, so
   removal goes on as if nothing had been missed. */
static void skipped_hops_keep_phase(void **state) {
  (void)state;
  const double rate = 48000.0;
  const fs_geometry g = fs_geometry_for_rate(rate);
  fs_dehum *d = fs_dehum_create(rate, g.hop);
  float hop[4096];
  size_t at = 0;
  double hum_in = 0.0, left = 0.0;
  for (size_t h = 0; h < (size_t)(8.0 * rate / g.hop); ++h) {
    const bool skipped = h >= 700 && h < 737; /* 37 hops, 0.2 s, at 3.7 s */
    for (uint32_t i = 0; i < g.hop; ++i, ++at) {
      hop[i] = hum_at(at / rate, 50.0, 0.1f);
    }
    if (skipped) {
      fs_dehum_skip(d);
      continue;
    }
    if (h >= 740) {
      hum_in += power_of(hop, g.hop);
    }
    fs_dehum_process(d, hop);
    if (h >= 740) {
      left += power_of(hop, g.hop);
    }
  }
  const double db = 10.0 * log10(left / hum_in);
  printf("# after 37 skipped hops: %.1f dB left\n", db);
  assert_int_equal(fs_dehum_mains_hz(d), 50);
  assert_true(db < -30.0);
  fs_dehum_destroy(d);
}

static void refuses_bad_arguments(void **state) {
  (void)state;
  /* ...but takes every rate the plugin does, at its hop. */
  for (double rate = FS_MIN_SAMPLE_RATE; rate <= FS_MAX_SAMPLE_RATE; rate += 7.0) {
    const fs_geometry g = fs_geometry_for_rate(rate);
    fs_dehum *d = fs_dehum_create(g.sample_rate, g.hop);
    assert_non_null(d);
    fs_dehum_destroy(d);
  }
  assert_null(fs_dehum_create(0.0, 256));
  assert_null(fs_dehum_create(NAN, 256));
  assert_null(fs_dehum_create(48000.0, 0));
  assert_null(fs_dehum_create(48000.0, 250));
  assert_null(fs_dehum_create(48000.0, 1u << 20));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(removes_hum_at_any_rate),
      cmocka_unit_test(hum_after_silence_is_removed),
      cmocka_unit_test(hum_after_a_mute_is_removed),
      cmocka_unit_test(drifting_mains),
      cmocka_unit_test(leaves_other_sound_alone),
      cmocka_unit_test(releases_and_decays_cleanly),
      cmocka_unit_test(skipped_hops_keep_phase),
      cmocka_unit_test(refuses_bad_arguments),
  };
  return cmocka_run_group_tests_name("fs_dehum", tests, NULL, NULL);
}

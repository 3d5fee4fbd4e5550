/* fs_light: same latency as the full path, does no harm to clean speech,
   attenuates noise-only stretches, survives odd inputs; its noise floor
   learns nothing from silence, finds a louder noise within a second and
   stays on the noise under speech. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fs_light.h"
#include "fs_tuning.h"
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

/* --- The noise floor after silence, after a louder noise, under speech. --- */

#define NOISE_RMS 0.01f /* -40 dBFS: a mean square of 1e-4 */

static void add_noise(float *x, size_t n, float rms, uint32_t *seed) {
  for (size_t i = 0; i < n; ++i) {
    x[i] += rms * test_gauss(seed);
  }
}

/* A zeroed signal of n samples plus room for the output's latency. */
static float *zeroed(size_t n, uint32_t latency) { return calloc(n + latency + 4096, sizeof(float)); }

/* Run whole hops over n samples and the hop_latency after them. */
static void run_all(fs_light *l, const float *in, float *out, size_t n) {
  const fs_geometry *g = fs_light_geometry(l);
  run(l, in, out, ((n + g->hop_latency) / g->hop + 1) * g->hop);
}

/* How much quieter the output is than the input over [from, from + len)
   of the input, dB, the output read hop_latency late. */
static double attenuation_db(const float *in, const float *out, size_t from, size_t len, uint32_t latency) {
  double in_energy = 0.0, out_energy = 0.0;
  for (size_t i = from; i < from + len; ++i) {
    in_energy += (double)in[i] * in[i];
    out_energy += (double)out[i + latency] * out[i + latency];
  }
  return 10.0 * log10((in_energy + 1e-30) / (out_energy + 1e-30));
}

static double floor_db(const fs_light *l) { return 10.0 * log10(fs_light_noise_floor(l)); }

/* A stream that starts with digital silence (PipeWire streams start with
   2048 zeros, a muted microphone gives nothing but zeros) or with hiss
   below -100 dBFS must not teach the floor that silence: -40 dBFS noise
   after it is turned down as much as noise that was there from the start,
   within half a second, at any rate. */
static void noise_after_silence_is_turned_down_at_once(void **state) {
  (void)state;
  const double rates[] = {22050.0, 48000.0, 192000.0};
  const struct {
    double seconds;
    float hiss_rms; /* 0: exact zeros */
  } silences[] = {{0.05, 0.0f}, {1.0, 0.0f}, {1.0, 3e-6f /* -110 dBFS */}};
  for (int r = 0; r < 3; ++r) {
    for (int s = 0; s < 3; ++s) {
      fs_light *l = fs_light_create(rates[r]);
      fs_light_set_reduction(l, FS_REDUCTION_DEFAULT_DB);
      const uint32_t latency = fs_light_geometry(l)->hop_latency;
      const size_t quiet = (size_t)(silences[s].seconds * rates[r]), tenth = (size_t)(0.1 * rates[r]);
      const size_t n = quiet + 40 * tenth;
      float *in = zeroed(n, latency), *out = zeroed(n, latency);
      uint32_t seed = 17;
      if (silences[s].hiss_rms > 0.0f) {
        add_noise(in, quiet, silences[s].hiss_rms, &seed);
      }
      add_noise(in + quiet, n - quiet, NOISE_RMS, &seed);
      run_all(l, in, out, n);
      /* Settled: the noise's last second. */
      const double settled = attenuation_db(in, out, quiet + 30 * tenth, 10 * tenth, latency);
      assert_true(settled >= 7.0);
      /* Every tenth of a second from 0.4 s of noise on: at least 6 dB,
         and within 1 dB of the settled attenuation. */
      for (size_t w = 4; w < 30; ++w) {
        const double attenuation = attenuation_db(in, out, quiet + w * tenth, tenth, latency);
        assert_true(attenuation >= 6.0 && attenuation >= settled - 1.0);
      }
      free(in);
      free(out);
      fs_light_destroy(l);
    }
  }
}

/* A stretch of silence in the middle of a noisy stream (a mute, a gate
   upstream) leaves the floor where it was: the noise after it is turned
   down from its first tenth of a second. */
static void silence_in_a_stream_keeps_the_floor(void **state) {
  (void)state;
  const float hiss[] = {0.0f, 3e-6f};
  for (int s = 0; s < 2; ++s) {
    fs_light *l = fs_light_create(48000.0);
    fs_light_set_reduction(l, FS_REDUCTION_DEFAULT_DB);
    const fs_geometry *g = fs_light_geometry(l);
    const size_t tenth = 4800, before = 20 * tenth, quiet = 10 * tenth, n = before + quiet + 20 * tenth;
    float *in = zeroed(n, g->hop_latency), *out = zeroed(n, g->hop_latency);
    uint32_t seed = 23;
    add_noise(in, before, NOISE_RMS, &seed);
    add_noise(in + before, quiet, hiss[s], &seed);
    add_noise(in + before + quiet, n - before - quiet, NOISE_RMS, &seed);
    /* Hop by hop, to read the floor at the end of the noise and of the silence. */
    const size_t hops_before = before / g->hop, hops_quiet = (before + quiet) / g->hop;
    double floor_before = 0.0;
    for (size_t k = 0; k * g->hop < n + g->hop_latency; ++k) {
      fs_light_process_hop(l, in + k * g->hop, out + k * g->hop);
      if (k + 1 == hops_before) {
        floor_before = floor_db(l);
      } else if (k + 1 == hops_quiet) {
        assert_true(fabs(floor_db(l) - floor_before) <= 1.0);
      }
    }
    const double settled = attenuation_db(in, out, before - 10 * tenth, 10 * tenth, g->hop_latency);
    assert_true(settled >= 7.0);
    for (size_t w = 0; w < 20; ++w) {
      assert_true(attenuation_db(in, out, before + quiet + w * tenth, tenth, g->hop_latency) >= settled - 1.0);
    }
    free(in);
    free(out);
    fs_light_destroy(l);
  }
}

/* Noise 20 dB louder than the floor learned so far is the new floor within
   a second: the attenuation is back within 2 dB of its settled value. */
static void a_louder_noise_is_found_within_a_second(void **state) {
  (void)state;
  const double rates[] = {44100.0, 48000.0};
  for (int r = 0; r < 2; ++r) {
    fs_light *l = fs_light_create(rates[r]);
    fs_light_set_reduction(l, FS_REDUCTION_DEFAULT_DB);
    const uint32_t latency = fs_light_geometry(l)->hop_latency;
    const size_t tenth = (size_t)(0.1 * rates[r]), step = 20 * tenth, n = step + 40 * tenth;
    float *in = zeroed(n, latency), *out = zeroed(n, latency);
    uint32_t seed = 5;
    add_noise(in, step, 0.1f * NOISE_RMS, &seed);
    add_noise(in + step, n - step, NOISE_RMS, &seed);
    run_all(l, in, out, n);
    const double settled = attenuation_db(in, out, step + 30 * tenth, 10 * tenth, latency);
    assert_true(settled >= 7.0);
    for (size_t w = 10; w < 30; ++w) {
      assert_true(fabs(attenuation_db(in, out, step + w * tenth, tenth, latency) - settled) <= 2.0);
    }
    free(in);
    free(out);
    fs_light_destroy(l);
  }
}

/* A synthetic vowel: harmonics of f0 shaped by two formants, a flat top
   and 10 ms raised-cosine edges, added to x[0, n). */
static void add_vowel(float *x, size_t n, double rate, double f0, double rms) {
  const double pi = 3.14159265358979323846;
  double weight[40], power = 0.0;
  int harmonics = 0;
  for (int h = 1; h <= 40 && h * f0 < 4000.0; ++h, ++harmonics) {
    const double f = h * f0;
    weight[h - 1] = 1.0 / (1.0 + pow((f - 600.0) / 250.0, 2)) + 0.6 / (1.0 + pow((f - 1700.0) / 400.0, 2));
    power += 0.5 * weight[h - 1] * weight[h - 1];
  }
  const double scale = rms / sqrt(power);
  const size_t edge = (size_t)(0.01 * rate);
  for (size_t i = 0; i < n; ++i) {
    const size_t from_edge = i < n - 1 - i ? i : n - 1 - i;
    const double envelope = from_edge >= edge ? 1.0 : 0.5 - 0.5 * cos(pi * (double)from_edge / edge);
    double y = 0.0;
    for (int h = 1; h <= harmonics; ++h) {
      y += weight[h - 1] * sin(2.0 * pi * h * f0 * (double)i / rate);
    }
    x[i] += (float)(scale * envelope * y);
  }
}

/* Syllables (vowels 150 to 400 ms long at -20 dBFS, 100 to 300 ms apart)
   over -40 dBFS noise, the first first_at seconds after PipeWire's 2048
   zeros. */
static void syllables_over_noise(double first_at) {
  const double rate = 48000.0;
  fs_light *l = fs_light_create(rate);
  fs_light_set_reduction(l, FS_REDUCTION_DEFAULT_DB);
  const fs_geometry *g = fs_light_geometry(l);
  const size_t zeros = 2048, n = zeros + (size_t)(12.0 * rate);
  float *in = zeroed(n, g->hop_latency), *out = zeroed(n, g->hop_latency);
  uint32_t seed = 31;
  add_noise(in + zeros, n - zeros, NOISE_RMS, &seed);
  size_t start[64], length[64], bursts = 0;
  for (size_t at = zeros + (size_t)(first_at * rate); bursts < 64;) {
    const size_t len = (size_t)((0.15 + 0.25 * (test_random(&seed) % 1001) / 1000.0) * rate);
    if (at + len > n) {
      break;
    }
    const double f0 = 100.0 + (test_random(&seed) % 121);
    add_vowel(in + at, len, rate, f0, 0.1);
    start[bursts] = at;
    length[bursts++] = len;
    at += len + (size_t)((0.1 + 0.2 * (test_random(&seed) % 1001) / 1000.0) * rate);
  }
  assert_true(bursts >= 20);
  for (size_t k = 0; k * g->hop < n + g->hop_latency; ++k) {
    fs_light_process_hop(l, in + k * g->hop, out + k * g->hop);
    /* From the first pause's end on. */
    if ((k + 1) * g->hop >= start[1] && (k + 1) * g->hop <= n) {
      assert_true(fabs(floor_db(l) + 40.0) <= 3.0);
    }
  }
  /* Inside each vowel, away from its edges, the output is the input; but
     a vowel that starts with the stream seeds the floor itself. */
  const size_t edge = (size_t)(0.01 * rate);
  for (size_t b = first_at > 0.0 ? 0 : 1; b < bursts; ++b) {
    for (size_t i = start[b] + edge; i < start[b] + length[b] - edge; ++i) {
      assert_float_equal(out[i + g->hop_latency], in[i], 1e-6f * fabsf(in[i]));
    }
  }
  free(in);
  free(out);
  fs_light_destroy(l);
}

/* Over syllables, the floor stays within 3 dB of the noise throughout and
   the vowels pass untouched (gain 1).  When the first vowel starts with
   the stream, the floor can only be seeded on it: the first pause must
   undo that at once, so that every vowel after it passes untouched too. */
static void syllables_leave_the_floor_on_the_noise(void **state) {
  (void)state;
  syllables_over_noise(0.2);
  syllables_over_noise(0.0);
}

/* reset() leaves nothing behind: afterwards the tier behaves exactly like
   a new one. */
static void reset_gives_a_new_tier(void **state) {
  (void)state;
  const size_t n = 96000;
  fs_light *used = fs_light_create(48000.0), *fresh = fs_light_create(48000.0);
  const uint32_t latency = fs_light_geometry(used)->hop_latency;
  float *in = zeroed(n, latency), *a = zeroed(n, latency), *b = zeroed(n, latency);
  test_speechlike(in, n, 48000.0, 140.0);
  uint32_t seed = 77;
  add_noise(in + n / 4, n / 4, 0.03f, &seed);
  run_all(used, in, a, n);
  fs_light_reset(used);
  memset(in, 0, n * sizeof(float));
  add_noise(in + 3000, n - 3000, NOISE_RMS, &seed);
  run_all(used, in, a, n);
  run_all(fresh, in, b, n);
  assert_memory_equal(a, b, n * sizeof(float));
  assert_true(fs_light_noise_floor(used) == fs_light_noise_floor(fresh));
  free(in);
  free(a);
  free(b);
  fs_light_destroy(used);
  fs_light_destroy(fresh);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(impulse_comes_out_exactly_late),
      cmocka_unit_test(clean_speech_is_not_harmed),
      cmocka_unit_test(noise_alone_is_turned_down),
      cmocka_unit_test(odd_inputs_stay_finite),
      cmocka_unit_test(update_and_render_match_process_hop),
      cmocka_unit_test(noise_after_silence_is_turned_down_at_once),
      cmocka_unit_test(silence_in_a_stream_keeps_the_floor),
      cmocka_unit_test(a_louder_noise_is_found_within_a_second),
      cmocka_unit_test(syllables_leave_the_floor_on_the_noise),
      cmocka_unit_test(reset_gives_a_new_tier),
  };
  return cmocka_run_group_tests_name("fs_light", tests, NULL, NULL);
}

/* fs_noise_tracker: converges on stationary noise, follows a level change,
   stays finite and floored on silence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_noise_tracker.h"
#include "fs_stft.h"
#include "fs_tuning.h"
#include "test_support.h"

#define HOP 256u /* the hop at 48 kHz */
#define FRAME (HOP * FS_ANALYSIS_HOPS)
#define BINS (FRAME / 2 + 1)
#define HOP_SECONDS (HOP / 48000.0)
#define WINDOW_POWER (FRAME * 0.375f) /* sum of a Hann window's squares */

/* One hop through the STFT, its frame's bin powers into the tracker; the
   STFT synthesises too, so it stays in step.  `power` is left holding the
   frame's bin powers. */
static void feed_hop(fs_noise_tracker *t, fs_stft *stft, const float *hop, float *power) {
  const float *spectrum = fs_stft_analyse(stft, hop);
  for (uint32_t k = 0; k < BINS; ++k) {
    power[k] = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1] + FS_POWER_FLOOR;
  }
  fs_noise_tracker_update(t, power);
  float dummy[HOP];
  fs_stft_synthesise(stft, dummy);
}

/* The estimate's mean log error (dB) against a true bin power `truth`
   that is the same in every bin, over bins 2 .. BINS-3. */
static double estimate_error_db(const fs_noise_tracker *t, double truth) {
  const float *psd = fs_noise_tracker_psd(t);
  double error = 0.0;
  for (uint32_t k = 2; k < BINS - 2; ++k) {
    error += 10.0 * log10(psd[k] / truth);
  }
  return error / (BINS - 4);
}

/* Feed `seconds` of white noise of the given std through a real STFT and
   the tracker; return the mean log error (dB) of the estimate against the
   true PSD of windowed white noise, over bins 2 .. BINS-3. */
static double track_white(fs_noise_tracker *t, fs_stft *stft, float std, double seconds, uint32_t *seed) {
  const uint32_t hops = (uint32_t)(seconds / HOP_SECONDS);
  float hop[HOP], power[BINS];
  for (uint32_t h = 0; h < hops; ++h) {
    for (uint32_t i = 0; i < HOP; ++i) {
      hop[i] = std * test_gauss(seed);
    }
    feed_hop(t, stft, hop, power);
  }
  /* E|X_k|^2 = sigma^2 * sum(w^2) for white noise. */
  return estimate_error_db(t, (double)std * std * fs_stft_window_power(stft));
}

static void converges_on_stationary_noise(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  uint32_t seed = 42;
  const double error = track_white(t, stft, 0.1f, 3.0, &seed);
  /* Then 12 dB louder, and back down: followed within a few seconds. */
  const double louder = track_white(t, stft, 0.4f, 5.0, &seed);
  const double quieter = track_white(t, stft, 0.1f, 3.0, &seed);
  printf("# mean log error: %.2f dB, after +12 dB %.2f dB, after -12 dB %.2f dB\n", error, louder, quieter);
  assert_true(fabs(error) < 3.0);
  assert_true(fabs(louder) < 3.0);
  assert_true(fabs(quieter) < 3.0);
  assert_true(fs_noise_tracker_state_is_finite(t));
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* Feed `seconds` of exact zeros through the STFT and the tracker. */
static void feed_silence(fs_noise_tracker *t, fs_stft *stft, double seconds) {
  const uint32_t hops = (uint32_t)(seconds / HOP_SECONDS);
  const float hop[HOP] = {0};
  float power[BINS];
  for (uint32_t h = 0; h < hops; ++h) {
    feed_hop(t, stft, hop, power);
  }
}

/* A stream that opens with digital silence (PipeWire's first quanta, a
   muted microphone): the noise that follows is found within half a second,
   not after the twelve seconds the estimate once took to climb out of the
   silence. */
static void noise_after_silence_is_found_at_once(void **state) {
  (void)state;
  const double silences[] = {0.05, 1.0, 10.0};
  for (size_t i = 0; i < sizeof(silences) / sizeof(silences[0]); ++i) {
    fs_stft *stft = fs_stft_create(FRAME, HOP);
    fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
    uint32_t seed = 7;
    feed_silence(t, stft, silences[i]);
    const double error = track_white(t, stft, 0.03f, 0.5, &seed);
    printf("# after %.2f s of silence: estimate %.2f dB from the truth at 0.5 s\n", silences[i], error);
    assert_true(fabs(error) < 3.0);
    fs_stft_destroy(stft);
    fs_noise_tracker_destroy(t);
  }
}

/* A microphone muted for a while (digital zeros) and opened again on the
   same noise: the estimate is right again within half a second, and a
   dropout of a few milliseconds changes nothing. */
static void noise_after_a_mute_is_found_at_once(void **state) {
  (void)state;
  const double mutes[] = {0.3, 1.0, 5.0};
  for (size_t i = 0; i < sizeof(mutes) / sizeof(mutes[0]); ++i) {
    fs_stft *stft = fs_stft_create(FRAME, HOP);
    fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
    uint32_t seed = 17;
    (void)track_white(t, stft, 0.03f, 2.0, &seed);
    feed_silence(t, stft, mutes[i]);
    const double error = track_white(t, stft, 0.03f, 0.5, &seed);
    printf("# 0.5 s after a %.1f s mute: estimate %.2f dB from the truth\n", mutes[i], error);
    assert_true(fabs(error) < 3.0);
    fs_stft_destroy(stft);
    fs_noise_tracker_destroy(t);
  }
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  uint32_t seed = 19;
  (void)track_white(t, stft, 0.03f, 2.0, &seed);
  feed_silence(t, stft, 0.011); /* two hops */
  const double error = track_white(t, stft, 0.03f, 0.05, &seed);
  printf("# 50 ms after a 10 ms dropout: estimate %.2f dB from the truth\n", error);
  assert_true(fabs(error) < 3.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* A fan starts, a car passes: +20 dB of noise is followed within a second,
   and a drop of 20 dB as fast. */
static void a_step_of_20_db_is_followed_within_a_second(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  uint32_t seed = 11;
  (void)track_white(t, stft, 0.01f, 3.0, &seed);
  const double up = track_white(t, stft, 0.1f, 1.0, &seed);
  (void)track_white(t, stft, 0.1f, 3.0, &seed);
  const double down = track_white(t, stft, 0.01f, 1.0, &seed);
  printf("# 1 s after +20 dB: %.2f dB from the truth; 1 s after -20 dB: %.2f dB\n", up, down);
  assert_true(fabs(up) < 3.0);
  assert_true(fabs(down) < 3.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* Noise whose level swings by itself (a fan hunting, a machine's cycle,
   traffic): white noise at 1 +- 0.8 times its mean amplitude, 0.3 Hz.
   Over a whole cycle the estimate keeps with the level of the moment: a
   follower that waits out a whole dead zone each time trails it by about
   4 dB RMS. */
static void modulated_noise_is_followed(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  uint32_t seed = 23;
  const double rate = 48000.0, hz = 0.3, from_s = 2.0, to_s = from_s + 1.0 / hz;
  float hop[HOP], power[BINS];
  double square = 0.0, worst = 0.0;
  uint32_t judged = 0;
  for (uint32_t h = 0; h * HOP_SECONDS < to_s; ++h) {
    for (uint32_t i = 0; i < HOP; ++i) {
      const double at = (h * HOP + i) / rate;
      hop[i] = 0.03f * (float)(1.0 + 0.8 * sin(2.0 * M_PI * hz * at)) * test_gauss(&seed);
    }
    feed_hop(t, stft, hop, power);
    if (h * HOP_SECONDS < from_s) {
      continue;
    }
    /* The frame ends with this hop and spans FS_ANALYSIS_HOPS hops: its
       level is the mean square of the envelope over that span. */
    double level = 0.0;
    for (uint32_t i = 0; i < FRAME; ++i) {
      const double a = 1.0 + 0.8 * sin(2.0 * M_PI * hz * ((h + 1.0) * HOP - FRAME + i) / rate);
      level += a * a / FRAME;
    }
    const double error = estimate_error_db(t, 0.03 * 0.03 * level * fs_stft_window_power(stft));
    square += error * error;
    worst = fmax(worst, fabs(error));
    ++judged;
  }
  const double rms = sqrt(square / judged);
  printf("# 0.3 Hz, +-80 %%: estimate off by %.2f dB RMS, %.2f dB at worst\n", rms, worst);
  assert_true(rms < 2.5);
  assert_true(worst < 7.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* Noise that comes and goes after silence (a pump, a machine's cycle):
   0.3 s loud, 0.2 s 12 dB softer.  It fails the steadiness trial, so it
   starts held under the silence's cap; once the silence has left the
   minimum window it must be followed, loud phase and soft, rather than
   left for the SPP update to find in tens of seconds. */
static void rhythmic_noise_after_silence_is_found(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  feed_silence(t, stft, 1.0);
  uint32_t seed = 29;
  float hop[HOP], power[BINS];
  const uint32_t hops = (uint32_t)(4.0 / HOP_SECONDS);
  double square = 0.0;
  uint32_t judged = 0;
  for (uint32_t h = 0; h < hops; ++h) {
    const double at = h * HOP_SECONDS, phase = fmod(at, 0.5);
    const float level = phase < 0.3 ? 0.03f : 0.0075f;
    for (uint32_t i = 0; i < HOP; ++i) {
      hop[i] = level * test_gauss(&seed);
    }
    feed_hop(t, stft, hop, power);
    /* From 2.5 s on, late in each phase (the frame then holds that phase
       alone): the estimate against the level of the moment. */
    const bool late = (phase > 0.2 && phase < 0.3) || phase > 0.45;
    if (at >= 2.5 && late) {
      const double error = estimate_error_db(t, (double)level * level * fs_stft_window_power(stft));
      square += error * error;
      ++judged;
    }
  }
  const double rms = sqrt(square / judged);
  printf("# rhythmic noise after 1 s of silence, 2.5 to 4 s into it: estimate off by %.1f dB RMS\n", rms);
  assert_true(rms < 2.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* Noise that wavers after leading silence (a crowd, a hum that beats): its
   level steps at random by up to 4 dB every 50 ms, so it fails the 3 dB
   steadiness trial, but it never goes back to silence.  The lenient trial
   takes it for noise at 0.5 s, as a start with no silence before it
   would; held under the silence's cap it would wait for the whole 1.5 s
   minimum window. */
static void wavering_noise_after_silence_is_found(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  feed_silence(t, stft, 0.05);
  uint32_t seed = 41;
  float hop[HOP], power[BINS];
  const uint32_t hops = (uint32_t)(1.0 / HOP_SECONDS), every = (uint32_t)(0.05 / HOP_SECONDS);
  double level_db = 0.0, square = 0.0;
  uint32_t judged = 0;
  for (uint32_t h = 0; h < hops; ++h) {
    if (h % every == 0) {
      level_db = 4.0 * test_uniform(&seed); /* -4 .. +4 dB */
    }
    const float std = (float)(0.03 * pow(10.0, level_db / 20.0));
    for (uint32_t i = 0; i < HOP; ++i) {
      hop[i] = std * test_gauss(&seed);
    }
    feed_hop(t, stft, hop, power);
    /* From 0.7 s on, against the mean level of the swings (0 dB: their
       power average is 0.9 dB up, within the tolerance). */
    if (h * HOP_SECONDS >= 0.7) {
      const double error = estimate_error_db(t, 0.03 * 0.03 * fs_stft_window_power(stft));
      square += error * error;
      ++judged;
    }
  }
  const double rms = sqrt(square / judged);
  printf("# wavering noise after 50 ms of silence, 0.7 to 1 s into it: estimate off by %.1f dB RMS\n", rms);
  assert_true(rms < 3.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* A voice's mean power against the estimate's highest, at the bins of its
   harmonics (a 150 Hz voice: bins 1 to 10, 150 Hz being bin 1.6). */
typedef struct {
  double voice[11], estimate[11];
  uint32_t hops;
} harmonic_watch;

static void watch_hop(harmonic_watch *w, const float *power, const float *psd) {
  ++w->hops;
  for (uint32_t k = 1; k <= 10; ++k) {
    w->voice[k] += power[k];
    w->estimate[k] = fmax(w->estimate[k], psd[k]);
  }
}

/* The estimate's highest over the voice's mean, dB, at the worst bin. */
static double watch_worst_db(const harmonic_watch *w) {
  double worst = -INFINITY;
  for (uint32_t k = 1; k <= 10; ++k) {
    worst = fmax(worst, 10.0 * log10(w->estimate[k] / (w->voice[k] / w->hops)));
  }
  return worst;
}

/* A 150 Hz-ish buzz's first three harmonics at `phase` (radians). */
static double buzz(double phase) { return sin(phase) + 0.5 * sin(2 * phase) + 0.3 * sin(3 * phase); }

/* A voice after silence that never pauses for a whole minimum window (a
   voice-over, a fast talker: its syllables only dip): once the silence has
   left the window, the estimate stays well under the voice. */
static void a_voice_that_never_pauses_is_not_taken_for_noise(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  feed_silence(t, stft, 1.0);
  float hop[HOP], power[BINS];
  double phase = 0.0;
  harmonic_watch watch = {0};
  const uint32_t hops = (uint32_t)(3.0 / HOP_SECONDS);
  for (uint32_t h = 0; h < hops; ++h) {
    for (uint32_t i = 0; i < HOP; ++i) {
      const double at = (h * HOP + i) / 48000.0;
      phase += 2.0 * M_PI * 150.0 * (1.0 + 0.1 * sin(2.0 * M_PI * 0.7 * at)) / 48000.0;
      /* Syllables at 4 Hz whose valleys fall 20 dB, never to silence. */
      const double envelope = 0.1 + 0.9 * pow(0.5 + 0.5 * sin(2.0 * M_PI * 4.0 * at), 2.0);
      hop[i] = (float)(0.2 * envelope * buzz(phase));
    }
    feed_hop(t, stft, hop, power);
    if (h * HOP_SECONDS >= 2.0) { /* the silence has left the window */
      watch_hop(&watch, power, fs_noise_tracker_psd(t));
    }
  }
  const double worst = watch_worst_db(&watch);
  printf("# a voice that never pauses: estimate at most %.1f dB against it at its harmonics\n", worst);
  assert_true(worst < -6.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

/* Speech after digital silence is not noise: a clean recording's first
   words (a voiced tone that comes and goes) leave the estimate far under
   them. */
static void speech_after_silence_is_not_taken_for_noise(void **state) {
  (void)state;
  fs_stft *stft = fs_stft_create(FRAME, HOP);
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, fs_stft_window_power(stft));
  feed_silence(t, stft, 1.0);
  float hop[HOP], power[BINS];
  double phase = 0.0;
  harmonic_watch watch = {0};
  const uint32_t hops = (uint32_t)(2.0 / HOP_SECONDS);
  for (uint32_t h = 0; h < hops; ++h) {
    /* Syllables: 150 ms of a 150 Hz buzz with a 4 Hz level swing, then
       100 ms of digital silence. */
    const bool voiced = (h % 47u) < 28u;
    for (uint32_t i = 0; i < HOP; ++i) {
      phase += 2.0 * M_PI * 150.0 / 48000.0;
      const double envelope = 0.5 + 0.5 * sin(2.0 * M_PI * 4.0 * (h * HOP + i) / 48000.0);
      hop[i] = voiced ? (float)(0.2 * envelope * buzz(phase)) : 0.0f;
    }
    feed_hop(t, stft, hop, power);
    if (voiced) {
      watch_hop(&watch, power, fs_noise_tracker_psd(t));
    }
  }
  const double worst = watch_worst_db(&watch);
  printf("# estimate against the voice at its harmonics: at most %.1f dB\n", worst);
  assert_true(worst < -15.0);
  fs_stft_destroy(stft);
  fs_noise_tracker_destroy(t);
}

static void silence_keeps_the_floor(void **state) {
  (void)state;
  fs_noise_tracker *t = fs_noise_tracker_create(BINS, HOP_SECONDS, FS_ANALYSIS_HOPS - 1u, WINDOW_POWER);
  float power[BINS];
  for (uint32_t k = 0; k < BINS; ++k) {
    power[k] = FS_POWER_FLOOR;
  }
  for (int h = 0; h < 2000; ++h) {
    fs_noise_tracker_update(t, power);
  }
  const float *psd = fs_noise_tracker_psd(t);
  const float *presence = fs_noise_tracker_presence(t);
  for (uint32_t k = 0; k < BINS; ++k) {
    assert_true(psd[k] >= FS_POWER_FLOOR);
    assert_true(test_sample_is_clean(psd[k]));
    assert_true(presence[k] >= 0.0f && presence[k] <= 1.0f);
  }
  fs_noise_tracker_reset(t);
  assert_true(fs_noise_tracker_state_is_finite(t));
  fs_noise_tracker_destroy(t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(converges_on_stationary_noise),
      cmocka_unit_test(silence_keeps_the_floor),
      cmocka_unit_test(noise_after_silence_is_found_at_once),
      cmocka_unit_test(noise_after_a_mute_is_found_at_once),
      cmocka_unit_test(a_step_of_20_db_is_followed_within_a_second),
      cmocka_unit_test(modulated_noise_is_followed),
      cmocka_unit_test(rhythmic_noise_after_silence_is_found),
      cmocka_unit_test(wavering_noise_after_silence_is_found),
      cmocka_unit_test(a_voice_that_never_pauses_is_not_taken_for_noise),
      cmocka_unit_test(speech_after_silence_is_not_taken_for_noise),
  };
  return cmocka_run_group_tests_name("fs_noise_tracker", tests, NULL, NULL);
}

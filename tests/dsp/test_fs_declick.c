/* fs_declick: removes clicks of one sample to a millisecond from voiced
   speech, clean or noisy, at every rate and across hop boundaries; leaves
   vowels, plosive bursts and word onsets alone, bit for bit; stays finite
   on anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_declick.h"
#include "fs_geometry.h"
#include "fs_tuning.h"
#include "test_support.h"

static const double pi = 3.14159265358979323846;

/* A sustained /a/: the derivative of a Rosenberg glottal pulse (opening
   over 40 % of the period, closing over 16 %, then an abrupt closure: the
   sharp pulse a real glottis gives) at f0 with a slow vibrato and a
   little jitter, through four formant resonators.  Scaled to `rms`. */
static void vowel(float *x, size_t n, double rate, double f0, float rms, uint32_t *seed) {
  const double formant[4] = {730.0, 1090.0, 2440.0, 3400.0}, bandwidth[4] = {80.0, 90.0, 120.0, 200.0};
  double a1[4], a2[4], gain[4], y1[4] = {0}, y2[4] = {0};
  for (int k = 0; k < 4; ++k) {
    const double r = exp(-pi * bandwidth[k] / rate);
    a1[k] = 2.0 * r * cos(2.0 * pi * formant[k] / rate);
    a2[k] = r * r;
    gain[k] = 1.0 - a1[k] + a2[k]; /* unity at DC */
  }
  double phase = 0.0, period_f0 = f0, flow_before = 0.0, energy = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double flow = 0.0;
    if (phase < 0.4) {
      flow = 0.5 * (1.0 - cos(pi * phase / 0.4));
    } else if (phase < 0.56) {
      flow = cos(pi * (phase - 0.4) / (2.0 * 0.16));
    }
    double u = flow - flow_before;
    flow_before = flow;
    for (int k = 0; k < 4; ++k) {
      const double y = gain[k] * u + a1[k] * y1[k] - a2[k] * y2[k];
      y2[k] = y1[k];
      y1[k] = y;
      u = y;
    }
    x[i] = (float)u;
    energy += u * u;
    phase += period_f0 / rate;
    if (phase >= 1.0) {
      phase -= 1.0;
      period_f0 = f0 * (1.0 + 0.02 * sin(2.0 * pi * 5.0 * i / rate) + 0.005 * test_uniform(seed));
    }
  }
  const float scale = rms / (float)sqrt(energy / (double)n);
  for (size_t i = 0; i < n; ++i) {
    x[i] *= scale;
  }
}

/* A click: `length` samples of white noise (one sample: an impulse of
   either sign), or with `held` one value of either sign held throughout
   (a digital glitch, a dropout to a rail), with an RMS of exactly `rms`
   over its span. */
static void add_click(float *x, size_t length, float rms, bool held, uint32_t *seed) {
  float burst[1024];
  double energy = 0.0;
  for (size_t i = 0; i < length; ++i) {
    burst[i] = length == 1 || (held && i == 0) ? (test_uniform(seed) < 0.0f ? -1.0f : 1.0f)
               : held                          ? burst[0]
                                               : test_gauss(seed);
    energy += (double)burst[i] * burst[i];
  }
  const float scale = rms / (float)sqrt(energy / (double)length);
  for (size_t i = 0; i < length; ++i) {
    x[i] += scale * burst[i];
  }
}

/* Runs x through a declicker hop by hop; returns the samples it repaired. */
static size_t run(double rate, float *x, size_t n) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  fs_declick *d = fs_declick_create(g.sample_rate, g.hop);
  assert_non_null(d);
  size_t repaired = 0;
  for (size_t at = 0; at + g.hop <= n; at += g.hop) {
    repaired += fs_declick_process(d, x + at);
  }
  assert_true(fs_declick_state_is_finite(d));
  fs_declick_destroy(d);
  return repaired;
}

#define LENGTHS 4
#define LEVELS 3
static const double click_ms[LENGTHS] = {0.0, 8.0 / 48.0, 0.5, 1.0}; /* 0: one sample; at 48 kHz 1, 8, 24, 48 */
static const float click_db[LEVELS] = {20.0f, 30.0f, 40.0f};

static size_t click_length(int k, double rate) {
  const long samples = lround(click_ms[k] * rate / 1000.0);
  return samples < 1 ? 1u : (size_t)samples;
}

/* A click train on `clean` (voice RMS `rms`), through a declicker: every
   length at every level, a click every 50 ms after a settling 100 ms;
   with `straddle`, every click starts across, just before or just after a
   hop boundary.  Prints, per length and level, the click energy left
   (output less the clean signal) against the energy that went in, over
   the click's own samples (returned in left_db) and over the click and a
   millisecond either side (which also counts what the repair took from
   the signal around it); checks that every sample further from a click is
   untouched, but for the vowel's start in the first 20 ms (an onset, see
   onset_changes()). */
static void click_train(double rate, const float *clean, size_t n, float rms, bool straddle, bool held,
                        double left_db[LENGTHS][LEVELS]) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
  unsigned char *near = calloc(n, 1);
  memcpy(x, clean, n * sizeof(float));
  memset(near, 1, (size_t)(0.02 * rate));
  size_t starts[512], clicks = 0;
  uint32_t seed = 99;
  const size_t margin = (size_t)(0.001 * rate), spacing = (size_t)(0.05 * rate);
  for (size_t at = (size_t)(0.1 * rate); at + spacing < n && clicks < 512; at += spacing) {
    const int k = (int)(clicks % LENGTHS), level = (int)(clicks / LENGTHS % LEVELS);
    const size_t length = click_length(k, rate);
    size_t start = at;
    if (straddle) {
      const size_t boundary = (at / g.hop + 1) * g.hop, where = clicks / (LENGTHS * LEVELS) % 3;
      start = where == 0 ? boundary - length / 2 : where == 1 ? boundary - length : boundary;
    }
    add_click(x + start, length, rms * powf(10.0f, click_db[level] / 20.0f), held, &seed);
    memset(near + start - margin, 1, length + 2 * margin);
    starts[clicks++] = start;
  }
  memcpy(y, x, n * sizeof(float));
  const size_t repaired = run(rate, y, n);
  double in[LENGTHS][LEVELS][2] = {{{0}}}, out[LENGTHS][LEVELS][2] = {{{0}}};
  for (size_t c = 0; c < clicks; ++c) {
    const int k = (int)(c % LENGTHS), level = (int)(c / LENGTHS % LEVELS);
    const size_t length = click_length(k, rate);
    for (size_t i = starts[c] - margin; i < starts[c] + length + margin; ++i) {
      const int wide = i < starts[c] || i >= starts[c] + length;
      const double before = (double)x[i] - clean[i], after = (double)y[i] - clean[i];
      for (int w = wide; w < 2; ++w) {
        in[k][level][w] += before * before;
        out[k][level][w] += after * after;
      }
    }
  }
  size_t touched_far = 0;
  for (size_t i = 0; i < n; ++i) {
    touched_far += !near[i] && y[i] != x[i];
  }
  printf("# %6.0f Hz%s: %zu clicks, %zu samples repaired, %zu far from a click touched\n", rate,
         straddle ? ", clicks on hop boundaries" : "", clicks, repaired, touched_far);
  for (int k = 0; k < LENGTHS; ++k) {
    printf("#   %2zu-sample clicks, left at", click_length(k, rate));
    for (int level = 0; level < LEVELS; ++level) {
      left_db[k][level] = 10.0 * log10((out[k][level][0] + 1e-30) / in[k][level][0]);
      printf(" %2.0f dB: %6.1f dB (%6.1f)%s", (double)click_db[level], left_db[k][level],
             10.0 * log10((out[k][level][1] + 1e-30) / in[k][level][1]), level + 1 < LEVELS ? "," : "\n");
    }
  }
  assert_int_equal(touched_far, 0);
  free(x);
  free(y);
  free(near);
}

/* At least `least_db` less click, and 20 dB less for clicks 30 dB and more above the voice. */
static void assert_removed(double left_db[LENGTHS][LEVELS], double least_db) {
  for (int k = 0; k < LENGTHS; ++k) {
    for (int level = 0; level < LEVELS; ++level) {
      assert_true(left_db[k][level] < -(level == 0 ? least_db : 20.0));
    }
  }
}

static void removes_clicks_from_a_vowel(void **state) {
  (void)state;
  const double rate = 48000.0;
  const size_t n = (size_t)(10.0 * rate);
  float *clean = malloc(n * sizeof(float));
  const double pitches[2] = {100.0, 220.0};
  for (int v = 0; v < 2; ++v) {
    uint32_t seed = 5u + (uint32_t)v;
    vowel(clean, n, rate, pitches[v], 0.1f, &seed);
    double left[LENGTHS][LEVELS];
    printf("# vowel at %.0f Hz:\n", pitches[v]);
    click_train(rate, clean, n, 0.1f, false, false, left);
    assert_removed(left, 20.0);
  }
  free(clean);
}

/* The same clicks on the vowel in white noise 5 dB below it.  The noise
   under a click goes with it, and no repair can know it: a click 20 dB
   above the vowel stands 25 dB above the noise, which bounds what can be
   taken off it, and the vowel under it is only predicted through the
   noise (about 3 dB more error over a millisecond's gap).  Those get 17
   dB; the louder ones the full 20. */
static void removes_clicks_from_noisy_speech(void **state) {
  (void)state;
  const double rate = 48000.0;
  const size_t n = (size_t)(10.0 * rate);
  float *noisy = malloc(n * sizeof(float));
  uint32_t seed = 17;
  vowel(noisy, n, rate, 130.0, 0.1f, &seed);
  const float noise = 0.1f * powf(10.0f, -5.0f / 20.0f);
  for (size_t i = 0; i < n; ++i) {
    noisy[i] += noise * test_gauss(&seed);
  }
  double left[LENGTHS][LEVELS];
  printf("# vowel at 130 Hz in white noise 5 dB under it:\n");
  click_train(rate, noisy, n, 0.1f, false, false, left);
  assert_removed(left, 17.0);
  free(noisy);
}

/* A plosive that starts in the last samples of a hop is predicted over
   there (nothing after it is visible yet); the next hop shows it is sound,
   and fs_declick_revoked hands back exactly what the prediction took. */
static void hands_back_an_onset_at_a_hop_end(void **state) {
  (void)state;
  const double rate = 48000.0;
  const fs_geometry g = fs_geometry_for_rate(rate);
  const size_t n = 16 * g.hop;
  float *x = calloc(n, sizeof(float)), *y = malloc(n * sizeof(float));
  uint32_t seed = 23;
  /* Faint noise, then a /t/: 10 ms of loud noise from 8 samples before
   the end of hop 9, then a vowel. */
  for (size_t i = 0; i < n; ++i) {
    x[i] = 1e-3f * test_gauss(&seed);
  }
  float *word = malloc(n * sizeof(float));
  vowel(word, n, rate, 140.0, 0.2f, &seed);
  const size_t onset = 10 * g.hop - 8, burst = (size_t)(0.01 * rate);
  for (size_t i = onset; i < n; ++i) {
    x[i] += i < onset + burst ? 0.1f * test_gauss(&seed) : word[i - onset - burst];
  }
  memcpy(y, x, n * sizeof(float));
  fs_declick *d = fs_declick_create(rate, g.hop);
  uint32_t handed_back = 0;
  for (size_t at = 0; at + g.hop <= n; at += g.hop) {
    fs_declick_process(d, y + at);
    uint32_t from;
    const float *difference;
    const uint32_t count = fs_declick_revoked(d, &from, &difference);
    for (uint32_t i = 0; i < count; ++i) {
      y[at - g.hop + from + i] += difference[i];
    }
    handed_back += count;
  }
  size_t differ = 0;
  for (size_t i = 0; i < n; ++i) {
    differ += fabsf(y[i] - x[i]) > 1e-6f * (fabsf(x[i]) + 1e-3f);
  }
  printf("# a /t/ 8 samples before a hop's end: %u samples handed back, %zu still differ\n", handed_back, differ);
  assert_true(handed_back > 0);
  assert_int_equal(differ, 0);
  fs_declick_destroy(d);
  free(x);
  free(y);
  free(word);
}

/* Click trains on a vowel at f0 at each of `count` rates, with every click
   placed freely and then across, just before or just after a hop
   boundary; each must come out at least 20 dB down. */
static void clicks_on_vowels_at(const double *rates, int count, double f0, uint32_t seed0, bool held) {
  for (int r = 0; r < count; ++r) {
    const size_t n = (size_t)(6.0 * rates[r]);
    float *clean = malloc(n * sizeof(float));
    uint32_t seed = seed0 + (uint32_t)r;
    vowel(clean, n, rates[r], f0, 0.1f, &seed);
    for (int straddle = 0; straddle < 2; ++straddle) {
      double left[LENGTHS][LEVELS];
      if (held) {
        printf("# held-value clicks on a vowel at %.0f Hz:\n", f0);
      }
      click_train(rates[r], clean, n, 0.1f, straddle, held, left);
      assert_removed(left, 20.0);
    }
    free(clean);
  }
}

/* Clicks that hold one value (their second difference stands out only at
   their two edges), at 22.05, 48 and 192 kHz, also across hop boundaries. */
static void removes_clicks_that_hold_a_value(void **state) {
  (void)state;
  const double rates[3] = {22050.0, 48000.0, 192000.0};
  clicks_on_vowels_at(rates, 3, 120.0, 41u, true);
}

/* At every rate the plugin runs at, with its hop; and with every click
   across, just before or just after a hop boundary, so its end is only
   known in the next hop. */
static void removes_clicks_at_any_rate_and_across_hops(void **state) {
  (void)state;
  const double rates[4] = {22050.0, 44100.0, 96000.0, 192000.0};
  clicks_on_vowels_at(rates, 4, 150.0, 31u, false);
}

/* Everything the declicker changed in a sound with no click in it must
   be the onset of a sound in the last FS_DECLICK_MAX_MS of a hop: taken
   for a click when nothing after it could be seen, found to be sound in
   the next hop (see fs_declick.h).  Returns the samples changed. */
static size_t onset_changes(const float *x, const float *y, size_t n, double rate) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  const size_t reach = (size_t)ceil((FS_DECLICK_MAX_MS + FS_DECLICK_GUARD_MS) * rate / 1000.0) + 1u;
  size_t changed = 0;
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) {
      ++changed;
      assert_true(g.hop - i % g.hop <= reach);
    }
  }
  return changed;
}

/* Clicks laid on `clean` as the robustness bench lays them: a click that
   lands on an earlier one replaces it there.  Each is `length` samples of
   one held value, or of white noise, at `rms`. */
typedef struct {
  size_t at, length;
  float rms;
  bool held;
} click;

/* Runs `clean` and `clean` with the clicks through declickers, as the
   bench does, and returns the click energy that went in over what is left
   (the difference of the two outputs), in dB, over every click's samples
   and FS_DECLICK_GUARD_MS around them; the least of the clicks' own
   figures goes to *worst_db. */
static double clicks_removed(double rate, const float *clean, size_t n, const click *clicks, size_t count,
                             double *worst_db) {
  float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *y0 = malloc(n * sizeof(float));
  memcpy(x, clean, n * sizeof(float));
  uint32_t seed = 71;
  for (size_t c = 0; c < count; ++c) {
    float *at = x + clicks[c].at;
    for (size_t i = 0; i < clicks[c].length; ++i) {
      at[i] = clean[clicks[c].at + i]; /* replace, not add */
    }
    add_click(at, clicks[c].length, clicks[c].rms, clicks[c].held, &seed);
  }
  memcpy(y, x, n * sizeof(float));
  memcpy(y0, clean, n * sizeof(float));
  run(rate, y, n);
  run(rate, y0, n);
  const size_t margin = (size_t)(0.001 * rate);
  double in_all = 0.0, out_all = 0.0;
  *worst_db = 1e9;
  for (size_t c = 0; c < count; ++c) {
    double in = 0.0, out = 0.0;
    for (size_t i = clicks[c].at - margin; i < clicks[c].at + clicks[c].length + margin; ++i) {
      const double before = (double)x[i] - clean[i], after = (double)y[i] - y0[i];
      in += before * before;
      out += after * after;
    }
    in_all += in;
    out_all += out;
    const double db = 10.0 * log10(in / (out + 1e-30));
    *worst_db = db < *worst_db ? db : *worst_db;
  }
  free(x);
  free(y);
  free(y0);
  return 10.0 * log10(in_all / (out_all + 1e-30));
}

/* A word that starts abruptly (a vowel's first glottal pulse at full
   strength, out of faint noise or noise at -40 dBFS) with a click just
   before it, on its first pulse or in its first milliseconds: the onset
   must not carry the click through as sound.  Every click length and
   level, held and noise clicks, at positions across the hop grid.  At 48
   kHz every click comes out 10 dB down and more, those 30 dB over the
   word 20; at the other rates a few land where a click and a glottal
   pulse cannot be told apart that well (15 dB). */
static void clicks_on_word_onsets_at(double rate) {
  const fs_geometry g = fs_geometry_for_rate(rate);
  const size_t n = (size_t)(0.2 * rate), onset = (size_t)(0.1 * rate), run_in = (size_t)(0.05 * rate);
  const float rise = (float)(0.002 * rate); /* the word comes in over 2 ms, mid-waveform */
  const double offset_ms[7] = {-1.0, -0.25, 0.0, 0.3, 1.0, 2.0, 4.0};
  float *x = malloc(n * sizeof(float)), *voice = malloc(2 * n * sizeof(float));
  double least = 1e9, worst = 1e9;
  for (int level = 0; level < LEVELS; ++level) {
    double in_db_sum = 0.0;
    int cases = 0;
    for (int k = 0; k < LENGTHS; ++k) {
      for (int o = 0; o < 7; ++o) {
        for (int kind = 0; kind < 4; ++kind) {
          uint32_t seed = 300u + (uint32_t)(((level * LENGTHS + k) * 7 + o) * 4 + kind);
          const float background = kind & 1 ? 0.01f : 0.0003f;
          vowel(voice, 2 * n, rate, kind & 2 ? 210.0 : 110.0, 0.1f, &seed);
          const size_t start = onset + (size_t)(cases * 37) % g.hop;
          for (size_t i = 0; i < n; ++i) {
            /* The voice is read only from the onset on (start >= onset): before
               it, its index would fall ahead of the buffer. */
            const float t = i >= start ? fminf((float)(i - start) / rise, 1.0f) : 0.0f;
            const float word = i >= start ? t * t * (3.0f - 2.0f * t) * voice[i + run_in - onset] : 0.0f;
            x[i] = background * test_gauss(&seed) + word;
          }
          const click c = {(size_t)((double)start + offset_ms[o] * rate / 1000.0), click_length(k, rate),
                           0.1f * powf(10.0f, click_db[level] / 20.0f), kind & 1};
          double worst_here;
          const double db = clicks_removed(rate, x, n, &c, 1, &worst_here);
          in_db_sum += db;
          least = db < least ? db : least;
          worst = level > 0 && db < worst ? db : worst;
          ++cases;
        }
      }
    }
    printf("# clicks %2.0f dB over a word on its onset: mean %.1f dB down\n", (double)click_db[level],
           in_db_sum / cases);
    assert_true(in_db_sum / cases >= 30.0);
  }
  printf("# at %.0f Hz, least: %.1f dB down, %.1f dB for clicks 30 dB and more over the word\n", rate, least, worst);
  assert_true(rate != 48000.0 || (least >= 10.0 && worst >= 20.0));
  assert_true(worst >= 15.0);
  free(x);
  free(voice);
}

static void removes_clicks_on_word_onsets(void **state) {
  (void)state;
  const double rates[3] = {22050.0, 48000.0, 192000.0};
  for (int r = 0; r < 3; ++r) {
    clicks_on_word_onsets_at(rates[r]);
  }
}

/* A voice rising out of a pause (a vowel's low harmonics and the breath
   over them, rising 40 dB over 10 ms out of faint noise) with a held
   click 30 dB over the voice 4 to 9 ms into the rise: over a level that
   low the breath's rise leads up to the click without a break, and must
   not make it look longer than a click. */
static void removes_clicks_on_a_rising_voice(void **state) {
  (void)state;
  const double rate = 48000.0;
  const size_t n = (size_t)(6.0 * rate), period = (size_t)(0.15 * rate), rise = (size_t)(0.01 * rate);
  float *x = malloc(n * sizeof(float));
  uint32_t seed = 61;
  click clicks[64];
  size_t count = 0;
  for (size_t at = 0; at < n; ++at) {
    const size_t in = at % period;
    const float risen = in < period / 2 ? 0.0f : fminf((float)(in - period / 2) / (float)rise, 1.0f);
    const float gain = in < period / 2 ? 0.0f : powf(10.0f, -2.0f * (1.0f - risen));
    float voice = 0.0f;
    for (int k = 1; k <= 3; ++k) {
      voice += 0.05f / (float)k * sinf((float)(2.0 * pi * 150.0 * k * (double)at / rate));
    }
    x[at] = 3e-5f * test_gauss(&seed) + gain * (voice + 0.002f * test_gauss(&seed));
  }
  for (size_t start = period / 2; start + period / 2 < n && count < 64; start += period) {
    const double into = 0.004 + 0.0006 * (double)(count % 9);
    const float around = 0.06f * powf(10.0f, -2.0f * (float)fmax(0.0, 1.0 - into / 0.01));
    clicks[count] = (click){start + (size_t)(into * rate) + count % 7, click_length((int)(count % LENGTHS), rate),
                            around * powf(10.0f, 1.5f), true};
    ++count;
  }
  double worst;
  const double db = clicks_removed(rate, x, n, clicks, count, &worst);
  printf("# %zu clicks on a voice rising out of a pause: %.1f dB down, the least %.1f dB\n", count, db, worst);
  assert_true(db >= 20.0 && worst >= 10.0);
  free(x);
}

/* Two clicks close together on a vowel, each a millisecond or less, held
   or noise, the louder first or second: once the signal has settled back
   between them (here 0.5 and 1 ms apart), they are repaired as two
   clicks, not taken for a sound because together they last longer than
   one click does.  Clicks that touch or overlap (0 and 6 samples apart,
   or 12 overlapping) make one longer burst, and are only printed: one
   longer than FS_DECLICK_MAX_MS passes as sound. */
static void removes_clicks_close_together(void **state) {
  (void)state;
  const double rate = 48000.0;
  const size_t n = (size_t)(4.0 * rate);
  float *clean = malloc(n * sizeof(float));
  uint32_t seed = 9;
  vowel(clean, n, rate, 140.0, 0.1f, &seed);
  const long gaps[5] = {-12, 0, 6, 24, 48}; /* samples from the first's end to the second's start */
  for (int gap = 0; gap < 5; ++gap) {
    click clicks[2 * LENGTHS * LENGTHS * 2];
    size_t count = 0, at = (size_t)(0.1 * rate);
    for (int a = 0; a < LENGTHS; ++a) {
      for (int b = 0; b < LENGTHS; ++b) {
        for (int held = 0; held < 2; ++held) {
          const size_t first = click_length(a, rate), second = click_length(b, rate);
          const long next = (long)at + (long)first + gaps[gap];
          const float louder = (a + b + held) % 2 ? 10.0f : 0.0f; /* dB on the first */
          clicks[count++] = (click){at, first, 0.1f * powf(10.0f, (30.0f + louder) / 20.0f), held};
          clicks[count++] = (click){(size_t)(next > (long)at ? next : (long)at + 1), second,
                                    0.1f * powf(10.0f, (40.0f - louder) / 20.0f), held};
          at += (size_t)(0.1 * rate);
        }
      }
    }
    double worst;
    const double db = clicks_removed(rate, clean, n, clicks, count, &worst);
    printf("# %zu pairs of clicks %ld samples apart: %.1f dB down, the least %.1f dB\n", count / 2, gaps[gap], db,
           worst);
    if (gaps[gap] >= 24) {
      assert_true(db >= 20.0 && worst >= 10.0);
    }
  }
  free(clean);
}

/* Vowels alone, male and female, at every rate: bit for bit, but for the
   onset of the vowel at the very start. */
static void leaves_vowels_alone(void **state) {
  (void)state;
  const double rates[5] = {22050.0, 44100.0, 48000.0, 96000.0, 192000.0};
  for (int r = 0; r < 5; ++r) {
    const size_t n = (size_t)(2.0 * rates[r]), onset = (size_t)(0.02 * rates[r]);
    float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    for (int v = 0; v < 2; ++v) {
      uint32_t seed = 21u + (uint32_t)v;
      vowel(x, n, rates[r], v ? 220.0 : 100.0, 0.1f, &seed);
      memcpy(y, x, n * sizeof(float));
      run(rates[r], y, n);
      const size_t changed = onset_changes(x, y, n, rates[r]);
      const double sdr = test_si_sdr(x, y, n);
      printf("# %.0f Hz vowel at %6.0f Hz: %zu samples changed at its onset, SI-SDR %.1f dB\n", v ? 220.0 : 100.0,
             rates[r], changed, sdr);
      assert_memory_equal(x + onset, y + onset, (n - onset) * sizeof(float));
      assert_true(sdr >= 40.0);
    }
    free(x);
    free(y);
  }
}

/* Plosive bursts (5 to 30 ms of noise, abrupt out of silence or low
   noise, white or tilted up like a /t/) with a word onset after them (a
   vowel, abrupt or faded in over 20 ms, faded out over 30: a word cut off
   mid-waveform ends in a true click), at every position against the hop
   grid: nothing is touched, but for onsets in the last FS_DECLICK_MAX_MS
   of a hop (see onset_changes()).  Prints how many were, and the least
   SI-SDR of a whole 0.4 s take that was. */
static void leaves_plosives_and_onsets_alone(void **state) {
  (void)state;
  const double rate = 48000.0;
  const fs_geometry g = fs_geometry_for_rate(rate);
  const size_t n = (size_t)(0.4 * rate), word = (size_t)(0.3 * rate);
  float *x = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float)), *voice = malloc(word * sizeof(float));
  const double burst_ms[3] = {5.0, 12.0, 30.0};
  const float backgrounds[3] = {0.0f, 0.001f, 0.01f}; /* silence, -60 and -40 dBFS */
  size_t cases = 0, identical = 0, changed_most = 0;
  double sdr_least = 1e9;
  for (size_t offset = 0; offset < g.hop; offset += 11) {
    for (int kind = 0; kind < 18; ++kind) {
      const int b = kind % 3, background = kind / 3 % 3, tilted = kind / 9;
      uint32_t seed = 1000u + (uint32_t)(offset * 18 + (size_t)kind);
      const size_t start = 4 * g.hop + offset, length = (size_t)(burst_ms[b] * rate / 1000.0);
      const size_t vowel_at = start + length + (size_t)(0.02 * rate) + (offset * 7) % g.hop;
      vowel(voice, word, rate, b == 1 ? 210.0 : 110.0, 0.1f, &seed);
      float previous = 0.0f;
      for (size_t i = 0; i < n; ++i) {
        x[i] = backgrounds[background] * test_gauss(&seed);
        if (i >= start && i < start + length) {
          const float white = test_gauss(&seed), sound = tilted ? 0.7f * (white - previous) : white;
          previous = white;
          x[i] += 0.1f * sound * expf(-3.0f * (float)(i - start) / (float)length);
        }
        if (i >= vowel_at && i - vowel_at < word) {
          const float in = tilted ? (float)(i - vowel_at) / (0.02f * (float)rate) : 1.0f;
          const float fade = fminf(fminf(in, 1.0f), (float)(word - (i - vowel_at)) / (0.03f * (float)rate));
          x[i] += fade * voice[i - vowel_at];
        }
      }
      memcpy(y, x, n * sizeof(float));
      run(rate, y, n);
      const size_t changed = onset_changes(x, y, n, rate);
      ++cases;
      identical += changed == 0;
      if (changed) {
        changed_most = changed > changed_most ? changed : changed_most;
        const double sdr = test_si_sdr(x, y, n);
        sdr_least = sdr < sdr_least ? sdr : sdr_least;
      }
    }
  }
  printf("# %zu plosives and onsets: %zu untouched; the others changed in at most %zu samples at a hop's end, "
         "SI-SDR >= %.1f dB\n", cases, identical, changed_most, sdr_least);
  free(x);
  free(y);
  free(voice);
}

/* Full-scale square waves, spikes at the sanitiser's limit, noise at it,
   then silence: every output sample finite, within the limit and never a
   denormal, the state finite, and silence comes out as exact zeros. */
static void stays_finite_on_extreme_input(void **state) {
  (void)state;
  const double rates[2] = {48000.0, 192000.0};
  for (int r = 0; r < 2; ++r) {
    const fs_geometry g = fs_geometry_for_rate(rates[r]);
    fs_declick *d = fs_declick_create(g.sample_rate, g.hop);
    assert_non_null(d);
    float hop[2048];
    uint32_t seed = 77;
    size_t at = 0, repaired = 0;
    const size_t hops = (size_t)(4.0 * rates[r] / g.hop);
    for (size_t h = 0; h < hops; ++h) {
      const int part = (int)(4 * h / hops);
      for (uint32_t i = 0; i < g.hop; ++i, ++at) {
        const float u = test_uniform(&seed);
        switch (part) {
        case 0: hop[i] = fmod(at * 100.0 / rates[r], 1.0) < 0.5 ? 1.0f : -1.0f; break;
        case 1: hop[i] = fabsf(u) > 0.995f ? copysignf(1000.0f, u) : 0.0f; break;
        case 2: hop[i] = 1000.0f * u; break;
        default: hop[i] = 0.0f; break;
        }
      }
      repaired += fs_declick_process(d, hop);
      for (uint32_t i = 0; i < g.hop; ++i) {
        assert_true(test_sample_is_clean(hop[i]) && fabsf(hop[i]) <= 1000.0f);
        assert_true(h < hops - 2 || hop[i] == 0.0f);
      }
      assert_true(fs_declick_state_is_finite(d));
    }
    printf("# extreme input at %.0f Hz: %zu samples repaired\n", rates[r], repaired);
    fs_declick_destroy(d);
  }
}

/* A snapshot taken with a click running across the hop boundary, loaded
   into another declicker, carries on exactly as the original; reset
   forgets it all. */
static void snapshot_carries_an_open_click(void **state) {
  (void)state;
  const double rate = 48000.0;
  const fs_geometry g = fs_geometry_for_rate(rate);
  const size_t n = 64 * g.hop;
  float *x = malloc(n * sizeof(float)), *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
  uint32_t seed = 3;
  vowel(x, n, rate, 120.0, 0.1f, &seed);
  add_click(x + 40 * g.hop - 20, 40, 3.0f, false, &seed); /* across the boundary before hop 40 */
  memcpy(a, x, n * sizeof(float));
  memcpy(b, x, n * sizeof(float));
  fs_declick *one = fs_declick_create(rate, g.hop), *other = fs_declick_create(rate, g.hop);
  assert_true(fs_declick_state_size(one) % sizeof(float) == 0);
  void *snapshot = malloc(fs_declick_state_size(one));
  for (size_t h = 0; h < 40; ++h) {
    fs_declick_process(one, a + h * g.hop);
  }
  fs_declick_save(one, snapshot);
  fs_declick_load(other, snapshot);
  memcpy(b, a, 40 * g.hop * sizeof(float));
  uint32_t repaired = 0;
  for (size_t h = 40; h < 64; ++h) {
    repaired += fs_declick_process(one, a + h * g.hop);
    fs_declick_process(other, b + h * g.hop);
  }
  assert_true(repaired > 0); /* the click's second part */
  assert_memory_equal(a, b, n * sizeof(float));
  /* Reset: the same as a new one. */
  fs_declick_reset(one);
  fs_declick_destroy(other);
  other = fs_declick_create(rate, g.hop);
  memcpy(a, x, n * sizeof(float));
  memcpy(b, x, n * sizeof(float));
  for (size_t h = 0; h < 64; ++h) {
    fs_declick_process(one, a + h * g.hop);
    fs_declick_process(other, b + h * g.hop);
  }
  assert_memory_equal(a, b, n * sizeof(float));
  fs_declick_destroy(one);
  fs_declick_destroy(other);
  free(snapshot);
  free(x);
  free(a);
  free(b);
}

static void refuses_bad_arguments(void **state) {
  (void)state;
  /* ...but takes every rate the plugin does, at its hop. */
  for (double rate = FS_MIN_SAMPLE_RATE; rate <= FS_MAX_SAMPLE_RATE; rate += 997.0) {
    const fs_geometry g = fs_geometry_for_rate(rate);
    fs_declick *d = fs_declick_create(g.sample_rate, g.hop);
    assert_non_null(d);
    fs_declick_destroy(d);
  }
  assert_null(fs_declick_create(0.0, 256));
  assert_null(fs_declick_create(NAN, 256));
  assert_null(fs_declick_create(48000.0, 0));
  assert_null(fs_declick_create(48000.0, 8));
  assert_null(fs_declick_create(48000.0, 1u << 20));
  fs_declick_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(removes_clicks_from_a_vowel),
      cmocka_unit_test(removes_clicks_from_noisy_speech),
      cmocka_unit_test(removes_clicks_at_any_rate_and_across_hops),
      cmocka_unit_test(removes_clicks_that_hold_a_value),
      cmocka_unit_test(hands_back_an_onset_at_a_hop_end),
      cmocka_unit_test(removes_clicks_on_word_onsets),
      cmocka_unit_test(removes_clicks_close_together),
      cmocka_unit_test(removes_clicks_on_a_rising_voice),
      cmocka_unit_test(leaves_vowels_alone),
      cmocka_unit_test(leaves_plosives_and_onsets_alone),
      cmocka_unit_test(stays_finite_on_extreme_input),
      cmocka_unit_test(snapshot_carries_an_open_click),
      cmocka_unit_test(refuses_bad_arguments),
  };
  return cmocka_run_group_tests_name("fs_declick", tests, NULL, NULL);
}

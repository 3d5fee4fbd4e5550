#include "bench_corpus.h"

#include <dirent.h>
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846

/* ---- loading ------------------------------------------------------------ */

static float *read_mono(const char *path, size_t *length, double *rate) {
  SF_INFO info;
  memset(&info, 0, sizeof(info));
  SNDFILE *file = sf_open(path, SFM_READ, &info);
  if (!file) {
    return NULL;
  }
  float *frames = malloc(sizeof(float) * (size_t)info.frames * (size_t)info.channels);
  float *mono = malloc(sizeof(float) * (size_t)info.frames);
  if (!frames || !mono) {
    free(frames);
    free(mono);
    sf_close(file);
    return NULL;
  }
  const sf_count_t got = sf_readf_float(file, frames, info.frames);
  sf_close(file);
  for (sf_count_t i = 0; i < got; ++i) {
    mono[i] = frames[i * info.channels]; /* first channel */
  }
  free(frames);
  *length = (size_t)got;
  *rate = info.samplerate;
  return mono;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const bench_mixture *)a)->name, ((const bench_mixture *)b)->name);
}

int bench_corpus_load(bench_corpus *c, const char *dir) {
  memset(c, 0, sizeof(*c));
  snprintf(c->origin, sizeof(c->origin), "%s", dir);
  c->speech_start_s = 1.0;
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "corpus: cannot open %s\n", dir);
    return -1;
  }
  size_t capacity = 0;
  struct dirent *entry;
  while ((entry = readdir(d))) {
    unsigned k;
    char rest[96];
    if (sscanf(entry->d_name, "noisy%u_%95s", &k, rest) != 2 || k >= 8) {
      continue;
    }
    const char *dot = strrchr(entry->d_name, '.');
    if (!dot || (strcmp(dot, ".flac") != 0 && strcmp(dot, ".wav") != 0)) {
      continue;
    }
    /* The matching clean reference, loaded once. */
    char clean_name[32];
    snprintf(clean_name, sizeof(clean_name), "clean%u%s", k, dot);
    size_t ci = 0;
    while (ci < c->clean_count && strcmp(c->cleans[ci].name, clean_name) != 0) {
      ++ci;
    }
    if (ci == c->clean_count) {
      char path[1024];
      snprintf(path, sizeof(path), "%s/%s", dir, clean_name);
      double rate = 0;
      size_t length = 0;
      float *samples = read_mono(path, &length, &rate);
      if (!samples) {
        fprintf(stderr, "corpus: %s has no readable %s\n", dir, clean_name);
        continue;
      }
      if (c->sample_rate != 0 && rate != c->sample_rate) {
        fprintf(stderr, "corpus: mixed sample rates\n");
        free(samples);
        continue;
      }
      c->sample_rate = rate;
      snprintf(c->cleans[ci].name, sizeof(c->cleans[ci].name), "%s", clean_name);
      c->cleans[ci].samples = samples;
      c->cleans[ci].length = length;
      c->clean_count++;
    }
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, entry->d_name);
    double rate = 0;
    size_t length = 0;
    float *noisy = read_mono(path, &length, &rate);
    if (!noisy || rate != c->sample_rate) {
      free(noisy);
      continue;
    }
    if (c->mixture_count == capacity) {
      capacity = capacity ? 2 * capacity : 32;
      c->mixtures = realloc(c->mixtures, capacity * sizeof(bench_mixture));
    }
    bench_mixture *m = &c->mixtures[c->mixture_count++];
    snprintf(m->name, sizeof(m->name), "%.*s", (int)(dot - entry->d_name), entry->d_name);
    m->clean = c->cleans[ci].samples;
    m->noisy = noisy;
    m->length = length < c->cleans[ci].length ? length : c->cleans[ci].length;
  }
  closedir(d);
  if (c->mixture_count == 0) {
    fprintf(stderr, "corpus: no noisy<k>_*.flac mixtures in %s\n", dir);
    bench_corpus_free(c);
    return -1;
  }
  qsort(c->mixtures, c->mixture_count, sizeof(bench_mixture), by_name);
  return 0;
}

/* ---- generating --------------------------------------------------------- */

typedef struct {
  uint64_t state;
} rng;

static uint32_t rng_next(rng *r) {
  r->state ^= r->state << 13;
  r->state ^= r->state >> 7;
  r->state ^= r->state << 17;
  return (uint32_t)(r->state >> 16);
}

static double rng_uniform(rng *r) { return (rng_next(r) + 0.5) / 4294967296.0; }

static double rng_gauss(rng *r) {
  return sqrt(-2.0 * log(rng_uniform(r))) * cos(2.0 * PI * rng_uniform(r));
}

/* A two-pole resonator at a formant frequency and bandwidth. */
typedef struct {
  double a1, a2, gain, y1, y2;
} resonator;

static void resonator_tune(resonator *f, double freq, double bandwidth, double rate) {
  const double radius = exp(-PI * bandwidth / rate);
  f->a1 = -2.0 * radius * cos(2.0 * PI * freq / rate);
  f->a2 = radius * radius;
  f->gain = 1.0 - radius;
}

static double resonator_run(resonator *f, double x) {
  const double y = f->gain * x - f->a1 * f->y1 - f->a2 * f->y2;
  f->y2 = f->y1;
  f->y1 = y;
  return y;
}

/* Vowel formants (F1, F2, F3) in Hz, roughly an adult voice. */
static const double vowels[][3] = {
    {730, 1090, 2440}, {270, 2290, 3010}, {530, 1840, 2480}, {660, 1720, 2410},
    {300, 870, 2240},  {570, 840, 2410},  {440, 1020, 2240}, {490, 1350, 1690},
};

/* Speech-like signal: 1 s of silence, then words of 1-4 syllables with
   pauses between them.  Each syllable: an optional fricative burst, then a
   voiced vowel whose pitch falls gently and whose formants glide towards
   the next vowel. */
static void synthesise_speech(float *out, size_t length, double rate, double f0, uint64_t seed) {
  rng r = {seed};
  memset(out, 0, length * sizeof(float));
  size_t t = (size_t)rate; /* the silent lead */
  double phase = 0.0;
  resonator formants[3];
  memset(formants, 0, sizeof(formants));
  resonator fricative;
  memset(&fricative, 0, sizeof(fricative));
  while (t < length) {
    const unsigned syllables = 1 + rng_next(&r) % 4;
    for (unsigned s = 0; s < syllables && t < length; ++s) {
      const double *from = vowels[rng_next(&r) % 8];
      const double *to = vowels[rng_next(&r) % 8];
      if (rng_next(&r) % 3 == 0) {
        const size_t burst = (size_t)(rate * (0.03 + 0.05 * rng_uniform(&r)));
        resonator_tune(&fricative, 3000 + 3000 * rng_uniform(&r), 2000, rate);
        for (size_t i = 0; i < burst && t < length; ++i, ++t) {
          const double env = sin(PI * i / burst);
          out[t] += (float)(0.6 * env * resonator_run(&fricative, rng_gauss(&r)));
        }
      }
      const size_t voiced = (size_t)(rate * (0.12 + 0.18 * rng_uniform(&r)));
      const double pitch = f0 * (0.9 + 0.2 * rng_uniform(&r));
      for (size_t i = 0; i < voiced && t < length; ++i, ++t) {
        const double u = (double)i / voiced;
        if (i % 64 == 0) {
          for (int k = 0; k < 3; ++k) {
            const double freq = from[k] + (to[k] - from[k]) * u;
            resonator_tune(&formants[k], freq, 60.0 + 40.0 * k, rate);
          }
        }
        /* Glottal flow derivative: a raised-cosine pulse over the open
           60 % of each period, differentiated, plus a breath of noise. */
        const double f = pitch * (1.0 - 0.15 * u) * (1.0 + 0.01 * sin(2 * PI * 5.0 * t / rate));
        const double previous = phase;
        phase += f / rate;
        if (phase >= 1.0) {
          phase -= 1.0;
        }
        const double open = 0.6;
        const double flow_now = phase < open ? 0.5 - 0.5 * cos(2 * PI * phase / open) : 0.0;
        const double flow_then = previous < open ? 0.5 - 0.5 * cos(2 * PI * previous / open) : 0.0;
        const double source = (flow_now - flow_then) * 20.0 + 0.02 * rng_gauss(&r);
        double y = 0.0;
        for (int k = 0; k < 3; ++k) {
          y += resonator_run(&formants[k], source) * (k == 0 ? 1.0 : 0.5);
        }
        const double attack = u < 0.1 ? u / 0.1 : 1.0;
        const double decay = u > 0.7 ? (1.0 - u) / 0.3 : 1.0;
        out[t] += (float)(y * attack * decay * (0.6 + 0.4 * sin(PI * u)));
      }
      t += (size_t)(rate * 0.02 * rng_uniform(&r));
    }
    t += (size_t)(rate * (0.08 + 0.35 * rng_uniform(&r))); /* between words */
  }
  double peak = 0.0;
  for (size_t i = 0; i < length; ++i) {
    peak = fabs(out[i]) > peak ? fabs(out[i]) : peak;
  }
  for (size_t i = 0; i < length && peak > 0; ++i) {
    out[i] = (float)(out[i] * 0.5 / peak);
  }
}

static void make_noise(float *out, size_t length, double rate, const char *kind, const float *speech,
                       size_t speech_length, uint64_t seed) {
  rng r = {seed};
  if (strcmp(kind, "white") == 0) {
    for (size_t i = 0; i < length; ++i) {
      out[i] = (float)rng_gauss(&r);
    }
  } else if (strcmp(kind, "pink") == 0) {
    /* Octave-spaced one-pole low-passes of white noise, each weighted so
       every octave carries about the same power: a 1/f slope. */
    double state[10] = {0};
    for (size_t i = 0; i < length; ++i) {
      double sum = 0.0;
      for (int k = 0; k < 10; ++k) {
        const double corner = 20.0 * pow(2.0, k);
        const double c = 1.0 - exp(-2.0 * PI * corner / rate);
        state[k] += c * (rng_gauss(&r) - state[k]);
        sum += state[k] / sqrt(c);
      }
      out[i] = (float)sum;
    }
  } else if (strcmp(kind, "hum") == 0) {
    for (size_t i = 0; i < length; ++i) {
      double sum = 0.0;
      for (int h = 1; h <= 20; ++h) {
        sum += sin(2.0 * PI * 50.0 * h * i / rate + h) / h;
      }
      out[i] = (float)(sum + 0.03 * rng_gauss(&r));
    }
  } else { /* babble: six shifted, time-reversed copies of the speech */
    memset(out, 0, length * sizeof(float));
    for (int v = 0; v < 6; ++v) {
      const size_t shift = (size_t)(rng_uniform(&r) * speech_length);
      for (size_t i = 0; i < length; ++i) {
        out[i] += speech[speech_length - 1 - (i + shift) % speech_length];
      }
    }
  }
}

void bench_corpus_noise(float *out, size_t length, double rate, const char *kind, unsigned long long seed) {
  make_noise(out, length, rate, kind, NULL, 0, seed);
}

void bench_corpus_generate(bench_corpus *c) {
  memset(c, 0, sizeof(*c));
  c->generated = 1;
  c->sample_rate = 48000.0;
  c->speech_start_s = 1.0;
  snprintf(c->origin, sizeof(c->origin), "generated (synthetic voiced speech)");
  const size_t length = (size_t)(c->sample_rate * 7.0);
  const double pitches[2] = {115.0, 210.0};
  c->clean_count = 2;
  for (size_t k = 0; k < 2; ++k) {
    snprintf(c->cleans[k].name, sizeof(c->cleans[k].name), "clean%zu", k);
    c->cleans[k].samples = malloc(length * sizeof(float));
    c->cleans[k].length = length;
    synthesise_speech(c->cleans[k].samples, length, c->sample_rate, pitches[k], 0x9e3779b97f4a7c15ull + k);
  }
  static const char *noises[4] = {"babble", "hum", "pink", "white"};
  static const int snrs[3] = {0, 10, 5}; /* name order, as a directory sorts */
  c->mixture_count = 24;
  c->mixtures = calloc(c->mixture_count, sizeof(bench_mixture));
  float *noise = malloc(length * sizeof(float));
  size_t m = 0;
  for (size_t k = 0; k < 2; ++k) {
    const float *speech = c->cleans[k].samples;
    double speech_power = 0.0;
    for (size_t i = 0; i < length; ++i) {
      speech_power += (double)speech[i] * speech[i];
    }
    for (int n = 0; n < 4; ++n) {
      make_noise(noise, length, c->sample_rate, noises[n], c->cleans[1 - k].samples, length, 1000 + 10 * k + n);
      double noise_power = 0.0;
      for (size_t i = 0; i < length; ++i) {
        noise_power += (double)noise[i] * noise[i];
      }
      for (int s = 0; s < 3; ++s, ++m) {
        bench_mixture *mix = &c->mixtures[m];
        snprintf(mix->name, sizeof(mix->name), "noisy%zu_%s_%d", k, noises[n], snrs[s]);
        const double scale = sqrt(speech_power / noise_power / pow(10.0, snrs[s] / 10.0));
        mix->clean = speech;
        mix->length = length;
        mix->noisy = malloc(length * sizeof(float));
        double peak = 0.0;
        for (size_t i = 0; i < length; ++i) {
          mix->noisy[i] = (float)(speech[i] + scale * noise[i]);
          peak = fabs(mix->noisy[i]) > peak ? fabs(mix->noisy[i]) : peak;
        }
        if (peak > 0.9) {
          for (size_t i = 0; i < length; ++i) {
            mix->noisy[i] = (float)(mix->noisy[i] * 0.9 / peak);
          }
        }
      }
    }
  }
  free(noise);
}

void bench_corpus_free(bench_corpus *c) {
  for (size_t i = 0; i < c->mixture_count; ++i) {
    free(c->mixtures[i].noisy);
  }
  free(c->mixtures);
  for (size_t k = 0; k < c->clean_count; ++k) {
    free(c->cleans[k].samples);
  }
  memset(c, 0, sizeof(*c));
}

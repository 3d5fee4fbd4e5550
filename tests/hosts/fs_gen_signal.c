/* fs-gen-signal: deterministic test material for the host tests, written
 * with libsndfile so the tests need no other audio tool.
 *
 *   fs-gen-signal speech OUT [--seconds S] [--rate R] [--channels C]
 *                            [--seed N] [--subtype float|pcm16|pcm24]
 *                            [--gain G]
 *       voiced syllables (gliding pitch, harmonics, a syllable-rate
 *       envelope, pauses) over steady broadband noise;
 *   fs-gen-signal impulse OUT [--at I] [...]
 *       silence with one sample at 0.5;
 *   fs-gen-signal noise OUT [--lead S] [...]
 *       steady white noise at -30 dBFS RMS after S seconds of exact zeros
 *       (a stream that opens with silence);
 *   fs-gen-signal window-db IN OUT FROM SECONDS
 *       prints the energy of OUT over that of IN in the window, in dB;
 *   fs-gen-signal locate-peak FILE
 *       prints "INDEX VALUE" of the largest |x| in channel 0. */
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct signal_options {
  double seconds;
  int rate;
  int channels;
  uint64_t seed;
  long impulse_at;
  int subtype;
  double gain; /* linear, applied to speech */
  double lead;  /* seconds of zeros before the noise */
} signal_options;

/* xorshift64*: the same noise on every machine. */
static double noise(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  uint64_t r = *state * 0x2545F4914F6CDD1Dull;
  return (double)(r >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

static void fill_speech(float *out, long frames, const signal_options *opt) {
  uint64_t state = opt->seed * 0x9E3779B97F4A7C15ull + 1;
  for (int c = 0; c < opt->channels; c++) {
    double phase = 0;
    for (long i = 0; i < frames; i++) {
      double t = (double)i / opt->rate;
      /* Syllables at ~4 Hz, with a pause every ~1.5 s. */
      double syllable = pow(fmax(0.0, sin(2 * M_PI * 4.1 * t)), 2);
      double phrase = fmod(t, 1.5) < 1.1 ? 1.0 : 0.0;
      double f0 = 120 + 40 * sin(2 * M_PI * 0.7 * t) + 15 * c;
      phase += 2 * M_PI * f0 / opt->rate;
      double voiced = 0;
      for (int k = 1; k * f0 < 4000; k++) voiced += sin(k * phase) / k;
      double x = 0.12 * voiced * syllable * phrase + 0.02 * noise(&state);
      out[i * opt->channels + c] = (float)(x * opt->gain * (c ? 0.8 : 1.0));
    }
  }
}

static int generate(const char *kind, const char *path,
                    const signal_options *opt) {
  long frames = lround(opt->seconds * opt->rate);
  float *samples = calloc((size_t)frames * opt->channels + 1, sizeof *samples);
  if (!samples) return 1;
  if (strcmp(kind, "speech") == 0) {
    fill_speech(samples, frames, opt);
  } else if (strcmp(kind, "noise") == 0) {
    uint64_t state = opt->seed * 0x9E3779B97F4A7C15ull + 1;
    const long lead = lround(opt->lead * opt->rate);
    for (long i = lead; i < frames; i++)
      for (int c = 0; c < opt->channels; c++) /* uniform: RMS = peak / sqrt(3) */
        samples[i * opt->channels + c] = (float)(0.0316 * sqrt(3.0) * noise(&state));
  } else if (strcmp(kind, "impulse") == 0) {
    if (opt->impulse_at < 0 || opt->impulse_at >= frames) {
      fprintf(stderr, "fs-gen-signal: --at outside the file\n");
      free(samples);
      return 1;
    }
    for (int c = 0; c < opt->channels; c++)
      samples[opt->impulse_at * opt->channels + c] = 0.5f;
  } else {
    fprintf(stderr, "fs-gen-signal: unknown kind '%s'\n", kind);
    free(samples);
    return 1;
  }
  SF_INFO info = {.samplerate = opt->rate, .channels = opt->channels,
                  .format = SF_FORMAT_WAV | opt->subtype};
  SNDFILE *file = sf_open(path, SFM_WRITE, &info);
  if (!file) {
    fprintf(stderr, "fs-gen-signal: %s: %s\n", path, sf_strerror(NULL));
    free(samples);
    return 1;
  }
  sf_count_t written = sf_writef_float(file, samples, frames);
  sf_close(file);
  free(samples);
  return written == frames ? 0 : 1;
}

static int locate_peak(const char *path) {
  SF_INFO info = {0};
  SNDFILE *file = sf_open(path, SFM_READ, &info);
  if (!file) {
    fprintf(stderr, "fs-gen-signal: %s: %s\n", path, sf_strerror(NULL));
    return 1;
  }
  float *frame = calloc((size_t)info.channels, sizeof *frame);
  long best_index = -1, index = 0;
  float best = 0;
  while (frame && sf_readf_float(file, frame, 1) == 1) {
    if (fabsf(frame[0]) > best) {
      best = fabsf(frame[0]);
      best_index = index;
    }
    index++;
  }
  sf_close(file);
  free(frame);
  printf("%ld %.9g\n", best_index, best);
  return 0;
}

/* Energy of channel 0 of `out` over that of `in`, from `from` seconds for
   `seconds`, in dB. */
static int window_db(const char *in, const char *out, double from, double seconds) {
  const char *paths[2] = {in, out};
  double energy[2] = {0, 0};
  for (int f = 0; f < 2; f++) {
    SF_INFO info = {0};
    SNDFILE *file = sf_open(paths[f], SFM_READ, &info);
    if (!file) {
      fprintf(stderr, "fs-gen-signal: %s: %s\n", paths[f], sf_strerror(NULL));
      return 1;
    }
    float *frame = calloc((size_t)info.channels, sizeof *frame);
    const long first = lround(from * info.samplerate), last = first + lround(seconds * info.samplerate);
    for (long i = 0; frame && i < last && sf_readf_float(file, frame, 1) == 1; i++)
      if (i >= first) energy[f] += (double)frame[0] * frame[0];
    sf_close(file);
    free(frame);
  }
  printf("%.2f\n", 10.0 * log10((energy[1] + 1e-30) / (energy[0] + 1e-30)));
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "locate-peak") == 0)
    return locate_peak(argv[2]);
  if (argc == 6 && strcmp(argv[1], "window-db") == 0)
    return window_db(argv[2], argv[3], atof(argv[4]), atof(argv[5]));
  if (argc < 3) {
    fprintf(stderr, "usage: fs-gen-signal speech|impulse|noise OUT [options] | "
                    "locate-peak FILE | window-db IN OUT FROM SECONDS\n");
    return 1;
  }
  signal_options opt = {.seconds = 3, .rate = 48000, .channels = 1,
                        .seed = 1, .impulse_at = 1000,
                        .subtype = SF_FORMAT_FLOAT, .gain = 1};
  for (int i = 3; i + 1 < argc; i += 2) {
    const char *name = argv[i], *value = argv[i + 1];
    if (strcmp(name, "--seconds") == 0) opt.seconds = atof(value);
    else if (strcmp(name, "--rate") == 0) opt.rate = atoi(value);
    else if (strcmp(name, "--channels") == 0) opt.channels = atoi(value);
    else if (strcmp(name, "--seed") == 0) opt.seed = strtoull(value, NULL, 10);
    else if (strcmp(name, "--gain") == 0) opt.gain = atof(value);
    else if (strcmp(name, "--at") == 0) opt.impulse_at = atol(value);
    else if (strcmp(name, "--lead") == 0) opt.lead = atof(value);
    else if (strcmp(name, "--subtype") == 0)
      opt.subtype = strcmp(value, "pcm16") == 0   ? SF_FORMAT_PCM_16
                    : strcmp(value, "pcm24") == 0 ? SF_FORMAT_PCM_24
                                                  : SF_FORMAT_FLOAT;
    else {
      fprintf(stderr, "fs-gen-signal: unknown option '%s'\n", name);
      return 1;
    }
  }
  if (opt.seconds <= 0 || opt.rate <= 0 || opt.channels < 1) {
    fprintf(stderr, "fs-gen-signal: bad length, rate or channel count\n");
    return 1;
  }
  return generate(argv[1], argv[2], &opt);
}

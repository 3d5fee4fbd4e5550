/* fs-ux-long-signal: a long speech-like WAV, fast.
 *
 *   fs-ux-long-signal OUT SECONDS RATE [CHANNELS]
 *
 * The timeline test needs ten minutes of material that the enhancer
 * treats like speech (voiced bursts in steady noise, with pauses) in well
 * under a second, so each syllable is three harmonics rather than a full
 * voice model.  The noise is seeded: the same file on every machine.
 * Extra channels carry the same voice, quieter, over their own noise. */
#include <math.h>
#include <sndfile.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { CHUNK = 4096, MAX_CHANNELS = 8 };

/* xorshift64*, uniform in -1..1. */
static float noise(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  uint64_t r = *state * 0x2545F4914F6CDD1Dull;
  return (float)((double)(r >> 40) / (double)(1u << 24) * 2.0 - 1.0);
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: fs-ux-long-signal OUT SECONDS RATE [CHANNELS]\n");
    return 2;
  }
  double seconds = atof(argv[2]);
  int rate = atoi(argv[3]);
  int channels = argc == 5 ? atoi(argv[4]) : 1;
  if (seconds <= 0 || rate <= 0 || channels < 1 || channels > MAX_CHANNELS) {
    fprintf(stderr, "fs-ux-long-signal: bad SECONDS, RATE or CHANNELS\n");
    return 2;
  }
  SF_INFO info = {.samplerate = rate, .channels = channels,
                  .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
  SNDFILE *file = sf_open(argv[1], SFM_WRITE, &info);
  if (!file) {
    fprintf(stderr, "fs-ux-long-signal: %s\n", sf_strerror(NULL));
    return 1;
  }
  uint64_t state = 0x5EEDull;
  long frames = lround(seconds * rate);
  double phase = 0;
  float block[CHUNK * MAX_CHANNELS];
  for (long done = 0; done < frames;) {
    long n = frames - done < CHUNK ? frames - done : CHUNK;
    for (long i = 0; i < n; i++) {
      double t = (double)(done + i) / rate;
      /* ~4 syllables a second, a breath every 2 s. */
      double syllable = fmax(0.0, sin(2 * M_PI * 4.0 * t));
      double phrase = fmod(t, 2.0) < 1.5 ? 1.0 : 0.0;
      phase += 2 * M_PI * (130 + 30 * sin(2 * M_PI * 0.5 * t)) / rate;
      double voiced = sin(phase) + 0.5 * sin(2 * phase) + 0.3 * sin(3 * phase);
      double voice = 0.2 * voiced * syllable * syllable * phrase;
      for (int c = 0; c < channels; c++)
        block[i * channels + c] =
            (float)(voice * (c ? 0.7 : 1.0) + 0.02 * noise(&state));
    }
    if (sf_writef_float(file, block, n) != n) {
      fprintf(stderr, "fs-ux-long-signal: %s\n", sf_strerror(file));
      sf_close(file);
      return 1;
    }
    done += n;
  }
  return sf_close(file) == 0 ? 0 : 1;
}

/* fs-wav-peak FILE: prints what a listener check needs to know about an
 * audio file, as one line of key=value pairs:
 *   frames channels rate peak rms nonfinite clipped
 * (clipped: samples at or above 0.999 full scale). */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: fs-wav-peak FILE\n");
    return 2;
  }
  SF_INFO info = {0};
  SNDFILE *sf = sf_open(argv[1], SFM_READ, &info);
  if (!sf) {
    fprintf(stderr, "fs-wav-peak: cannot read %s: %s\n", argv[1], sf_strerror(NULL));
    return 1;
  }
  /* Integer files are read unnormalised-free: libsndfile scales them to
   * [-1, 1), so peaks compare directly with a dBFS ceiling. */
  float chunk[4096];
  double peak = 0.0, energy = 0.0;
  unsigned long long samples = 0, nonfinite = 0, clipped = 0;
  sf_count_t got;
  while ((got = sf_read_float(sf, chunk, 4096)) > 0) {
    for (sf_count_t i = 0; i < got; ++i) {
      const double x = chunk[i];
      if (!isfinite(x)) {
        ++nonfinite;
        continue;
      }
      if (fabs(x) > peak) peak = fabs(x);
      if (fabs(x) >= 0.999) ++clipped;
      energy += x * x;
      ++samples;
    }
  }
  sf_close(sf);
  printf("frames=%lld channels=%d rate=%d peak=%.6f rms=%.6f nonfinite=%llu clipped=%llu\n", (long long)info.frames,
         info.channels, info.samplerate, peak, samples ? sqrt(energy / (double)samples) : 0.0, nonfinite, clipped);
  return 0;
}

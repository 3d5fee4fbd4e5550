/* fs-pw-check: the measurements the PipeWire host test takes on its
 * recordings, with libsndfile only (channel 0 of every file).
 *
 *   fs-pw-check stats FILE
 *       prints "frames N nonfinite K peak_db P rms_db R" (dBFS; -inf as -999);
 *   fs-pw-check onset FILE THRESHOLD
 *       prints the index of the first sample with |x| > THRESHOLD, or -1;
 *   fs-pw-check diff A FROM_A B FROM_B [FRAMES]
 *       compares A[FROM_A + i] with B[FROM_B + i] over FRAMES samples (by
 *       default as many as both have) and prints "frames N max D at I";
 *   fs-pw-check trim IN OUT FROM [FRAMES]
 *       writes IN[FROM...] (FROM < 0 prepends -FROM zeros) as 32-bit float;
 *   fs-pw-check pad IN OUT ZEROS
 *       writes ZEROS zeros, then IN, as 32-bit float;
 *   fs-pw-check window-db IN OUT FROM SECONDS
 *       prints the energy of OUT over that of IN in the window, in dB (as
 *       fs-gen-signal window-db does, reading whole files at once);
 *   fs-pw-check concat OUT IN...
 *       writes the files one after the other, as 32-bit float at the
 *       first one's rate. */
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct audio {
  float *x; /* channel 0 */
  long n;
  int rate;
} audio;

static int load(const char *path, audio *a) {
  SF_INFO info = {0};
  SNDFILE *f = sf_open(path, SFM_READ, &info);
  if (!f) {
    fprintf(stderr, "fs-pw-check: %s: %s\n", path, sf_strerror(NULL));
    return -1;
  }
  long frames = (long)info.frames;
  float *all = malloc(((size_t)frames * (size_t)info.channels + 1) * sizeof *all);
  a->x = malloc(((size_t)frames + 1) * sizeof *a->x);
  if (!all || !a->x) {
    sf_close(f);
    free(all);
    free(a->x);
    a->x = NULL;
    return -1;
  }
  /* Float files read as stored (overs stay visible), integer ones scaled to +-1. */
  long got = (long)sf_readf_float(f, all, frames);
  sf_close(f);
  for (long i = 0; i < got; i++) a->x[i] = all[i * info.channels];
  free(all);
  a->n = got;
  a->rate = info.samplerate;
  return 0;
}

static int save(const char *path, const float *x, long n, int rate) {
  SF_INFO info = {.samplerate = rate, .channels = 1,
                  .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
  SNDFILE *f = sf_open(path, SFM_WRITE, &info);
  if (!f) {
    fprintf(stderr, "fs-pw-check: %s: %s\n", path, sf_strerror(NULL));
    return 1;
  }
  long put = (long)sf_writef_float(f, x, n);
  sf_close(f);
  return put == n ? 0 : 1;
}

static double db(double v) { return v > 0 ? 20 * log10(v) : -999; }

static int stats(const char *path) {
  audio a = {0};
  if (load(path, &a)) return 1;
  long bad = 0;
  double peak = 0, sum = 0;
  for (long i = 0; i < a.n; i++) {
    double v = a.x[i];
    if (!isfinite(v)) {
      bad++;
      continue;
    }
    peak = fmax(peak, fabs(v));
    sum += v * v;
  }
  printf("frames %ld nonfinite %ld peak_db %.3f rms_db %.3f\n", a.n, bad, db(peak),
         a.n ? db(sqrt(sum / (double)a.n)) : -999);
  free(a.x);
  return 0;
}

static int onset(const char *path, double threshold) {
  audio a;
  if (load(path, &a)) return 1;
  long at = -1;
  for (long i = 0; i < a.n && at < 0; i++)
    if (fabs(a.x[i]) > threshold) at = i;
  printf("%ld\n", at);
  free(a.x);
  return 0;
}

static int diff(const char *pa, long from_a, const char *pb, long from_b, long frames) {
  audio a, b;
  if (load(pa, &a)) return 1;
  if (load(pb, &b)) {
    free(a.x);
    return 1;
  }
  long n = fmin(a.n - from_a, b.n - from_b);
  if (frames >= 0 && frames < n) n = frames;
  if (from_a < 0 || from_b < 0 || n <= 0) {
    fprintf(stderr, "fs-pw-check: nothing to compare\n");
    free(a.x);
    free(b.x);
    return 1;
  }
  double worst = 0;
  long at = 0;
  for (long i = 0; i < n; i++) {
    double d = fabs((double)a.x[from_a + i] - (double)b.x[from_b + i]);
    if (!(d <= worst)) { /* NaN counts as the worst */
      worst = isfinite(d) ? d : INFINITY;
      at = i;
      if (!isfinite(d)) break;
    }
  }
  printf("frames %ld max %.9g at %ld\n", n, worst, at);
  free(a.x);
  free(b.x);
  return 0;
}

static int trim(const char *in, const char *out, long from, long frames) {
  audio a;
  if (load(in, &a)) return 1;
  long n = a.n - from;
  if (frames >= 0 && frames < n) n = frames;
  if (n < 0) n = 0;
  float *y = calloc((size_t)n + 1, sizeof *y);
  if (!y) return 1;
  for (long i = 0; i < n; i++) {
    long j = from + i;
    y[i] = j >= 0 && j < a.n ? a.x[j] : 0.0f;
  }
  int status = save(out, y, n, a.rate);
  free(y);
  free(a.x);
  return status;
}

static int window_db(const char *pin, const char *pout, double from, double seconds) {
  audio in, out;
  if (load(pin, &in)) return 1;
  if (load(pout, &out)) {
    free(in.x);
    return 1;
  }
  const long first = lround(from * in.rate), last = first + lround(seconds * in.rate);
  double energy[2] = {0, 0};
  for (long i = first < 0 ? 0 : first; i < last; i++) {
    if (i < in.n) energy[0] += (double)in.x[i] * in.x[i];
    if (i < out.n) energy[1] += (double)out.x[i] * out.x[i];
  }
  printf("%.2f\n", 10.0 * log10((energy[1] + 1e-30) / (energy[0] + 1e-30)));
  free(in.x);
  free(out.x);
  return 0;
}

static int concat(const char *out, int count, char **in) {
  long total = 0;
  int rate = 0;
  audio *parts = calloc((size_t)count, sizeof *parts);
  if (!parts) return 1;
  int status = 0;
  for (int k = 0; k < count && status == 0; k++) {
    status = load(in[k], &parts[k]) ? 1 : 0;
    if (status == 0) {
      total += parts[k].n;
      if (k == 0) rate = parts[0].rate;
    }
  }
  float *y = status == 0 ? calloc((size_t)total + 1, sizeof *y) : NULL;
  if (y) {
    long at = 0;
    for (int k = 0; k < count; k++) {
      memcpy(y + at, parts[k].x, (size_t)parts[k].n * sizeof *y);
      at += parts[k].n;
    }
    status = save(out, y, total, rate);
  } else {
    status = 1;
  }
  for (int k = 0; k < count; k++) free(parts[k].x);
  free(parts);
  free(y);
  return status;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "stats") == 0) return stats(argv[2]);
  if (argc == 4 && strcmp(argv[1], "onset") == 0) return onset(argv[2], atof(argv[3]));
  if ((argc == 6 || argc == 7) && strcmp(argv[1], "diff") == 0)
    return diff(argv[2], atol(argv[3]), argv[4], atol(argv[5]), argc == 7 ? atol(argv[6]) : -1);
  if ((argc == 5 || argc == 6) && strcmp(argv[1], "trim") == 0)
    return trim(argv[2], argv[3], atol(argv[4]), argc == 6 ? atol(argv[5]) : -1);
  if (argc == 5 && strcmp(argv[1], "pad") == 0)
    return trim(argv[2], argv[3], -atol(argv[4]), -1);
  if (argc == 6 && strcmp(argv[1], "window-db") == 0)
    return window_db(argv[2], argv[3], atof(argv[4]), atof(argv[5]));
  if (argc >= 4 && strcmp(argv[1], "concat") == 0) return concat(argv[2], argc - 3, argv + 3);
  fprintf(stderr, "usage: fs-pw-check stats|onset|diff|trim|pad|window-db|concat ... (see the source)\n");
  return 2;
}

/*
  fs-train-features: the learned tier's training material for one pair of
  recordings (docs/LEARNED.md, "Training target").

    fs-train-features CLEAN NOISY OUT.f32

  CLEAN and NOISY: mono, the same rate (22.05..192 kHz) and length.  The
  enhancer runs over NOISY hop by hop; a plain STFT of the same geometry
  runs over CLEAN in step, so each of its frames covers the same samples
  as the enhancer's analysis frame.

  The network corrects the classical gains band by band: with c[i] its
  correction of band i, spread to the bins through the band triangles
  (c_k = sum_i w[i][k] c[i]), bin k is heard with gain f + (g_k - f) c_k,
  g the classical gain and f the floor.  The error that leaves in the hop,
  sum_k |(f + (g_k - f) c_k) X_k - S_k|^2 with X the enhancer's spectrum
  and S the clean one, is a quadratic in c, and only neighbouring bands
  share bins, so five short sums per hop give it exactly for any c:

    error(c) = sum_i Q[i] c[i]^2 + 2 sum_i R[i] c[i] c[i+1]
             + 2 sum_i L[i] c[i] + D0

    Q[i] = sum_k w[i][k]^2 e_k^2 |X_k|^2,  R[i] = sum_k w[i][k] w[i+1][k] e_k^2 |X_k|^2,
    L[i] = sum_k w[i][k] e_k Re(X_k conj(D_k)),  D0 = sum_k |D_k|^2,
    e_k = g_k - f,  D_k = f X_k - S_k.

  c = 1 gives the classical hop's error; train.py turns the errors into a
  signal-to-distortion ratio per stretch.  Per hop, OUT.f32 gets one
  record of native float32:

    FS_LEARNED_FEATURES features (fs_enhancer_features),
    FS_BANDS Q, FS_BANDS R (the last one 0), FS_BANDS L, D0,
    S0 = sum_k |S_k|^2 (the clean energy the error is measured against).

  The gains are the classical ones the gain rule made (before the
  musical-noise protection, where the learned stage sits).  A last partial
  hop is left out, and so are the hops of digital silence, where the
  network holds (fs_learned_gain_hold) and so never learns from.  Prints
  the number of records.  Exit status 2 on bad input
  or usage, with a one-line message; 1 when the output cannot be written.
*/
#include "fs_bands.h"
#include "fs_enhancer.h"
#include "fs_learned_features.h"
#include "fs_stft.h"
#include "fs_tuning.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECORD_FLOATS (FS_LEARNED_FEATURES + 3u * FS_BANDS + 2u)

/* What the enhancer's hook copies out of the hop, before the gains scale
   the spectrum. */
typedef struct {
  uint32_t bins;
  float *spectrum; /* X, re and im interleaved */
  float *gains;    /* g, the classical bin gains */
  float floor_gain;
} hop_capture;

static void capture(void *context, fs_enhancer *enhancer, fs_enhancer_hook_point point,
                    const fs_enhancer_gain_view *view) {
  if (point != FS_ENHANCER_HOOK_GAINS) {
    return;
  }
  hop_capture *c = context;
  memcpy(c->spectrum, fs_enhancer_spectrum(enhancer), 2u * c->bins * sizeof(float));
  memcpy(c->gains, view->gains, c->bins * sizeof(float));
  c->floor_gain = view->floor_gain;
}

static int fail(int status, const char *message, const char *path) {
  if (path) {
    fprintf(stderr, "fs-train-features: %s: %s\n", path, message);
  } else {
    fprintf(stderr, "fs-train-features: %s\n", message);
  }
  return status;
}

/* The whole of a mono file, or NULL with a message printed. */
static float *read_mono(const char *path, SF_INFO *info) {
  memset(info, 0, sizeof(*info));
  SNDFILE *file = sf_open(path, SFM_READ, info);
  if (!file) {
    char message[256];
    snprintf(message, sizeof(message), "cannot read: %s", sf_strerror(NULL));
    /* libsndfile's messages may end in a full stop or a newline: one line. */
    for (char *c = message; *c; ++c) {
      if (*c == '\n' || *c == '\r') {
        *c = ' ';
      }
    }
    size_t length = strlen(message);
    while (length > 0 && (message[length - 1] == ' ' || message[length - 1] == '.')) {
      message[--length] = '\0';
    }
    fail(2, message, path);
    return NULL;
  }
  if (info->channels != 1) {
    sf_close(file);
    fail(2, "not mono", path);
    return NULL;
  }
  float *samples = malloc(((size_t)info->frames + 1u) * sizeof(float));
  if (!samples) {
    sf_close(file);
    fail(2, "too long to hold in memory", path);
    return NULL;
  }
  const sf_count_t got = sf_readf_float(file, samples, info->frames);
  sf_close(file);
  if (got != info->frames) {
    free(samples);
    fail(2, "read error", path);
    return NULL;
  }
  return samples;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    return fail(2, "usage: fs-train-features CLEAN NOISY OUT.f32", NULL);
  }
  const char *clean_path = argv[1], *noisy_path = argv[2], *out_path = argv[3];
  SF_INFO clean_info, noisy_info;
  float *clean = read_mono(clean_path, &clean_info);
  if (!clean) {
    return 2;
  }
  float *noisy = read_mono(noisy_path, &noisy_info);
  if (!noisy) {
    free(clean);
    return 2;
  }
  int status = 0;
  if (clean_info.samplerate != noisy_info.samplerate) {
    status = fail(2, "CLEAN and NOISY have different sample rates", NULL);
  } else if (clean_info.frames != noisy_info.frames) {
    status = fail(2, "CLEAN and NOISY have different lengths", NULL);
  } else if (clean_info.samplerate < FS_MIN_SAMPLE_RATE || clean_info.samplerate > FS_MAX_SAMPLE_RATE) {
    status = fail(2, "sample rate outside 22050..192000 Hz", clean_path);
  }
  fs_enhancer *enhancer = NULL;
  fs_stft *stft = NULL;
  float *scratch = NULL;
  hop_capture hop = {0};
  FILE *out = NULL;
  if (status == 0) {
    enhancer = fs_enhancer_create(clean_info.samplerate);
    const fs_geometry *g = enhancer ? fs_enhancer_geometry(enhancer) : NULL;
    stft = g ? fs_stft_create(g->analysis, g->hop) : NULL;
    scratch = g ? malloc(g->hop * sizeof(float)) : NULL;
    if (enhancer) {
      fs_enhancer_watch_learned(enhancer, true); /* the features are what we are here for */
      hop.bins = fs_enhancer_bins(enhancer);
      hop.spectrum = malloc(2u * hop.bins * sizeof(float));
      hop.gains = malloc(hop.bins * sizeof(float));
    }
    if (!enhancer || !stft || !scratch || !hop.spectrum || !hop.gains) {
      status = fail(1, "out of memory", NULL);
    } else {
      fs_enhancer_set_hook(enhancer, capture, &hop);
    }
  }
  if (status == 0) {
    out = fopen(out_path, "wb");
    if (!out) {
      status = fail(1, "cannot write", out_path);
    }
  }
  size_t hops = 0, records = 0;
  if (status == 0) {
    const fs_geometry *g = fs_enhancer_geometry(enhancer);
    const uint32_t bins = hop.bins;
    const fs_bands *bands = fs_enhancer_bands(enhancer);
    const size_t total = (size_t)clean_info.frames / g->hop;
    for (; hops < total; ++hops) {
      fs_enhancer_process_hop(enhancer, noisy + hops * g->hop, scratch);
      const float *clean_spectrum = fs_stft_analyse(stft, clean + hops * g->hop);
      if (fs_enhancer_learned_held(enhancer)) {
        continue; /* digital silence: the network holds there, and never sees it */
      }
      float record[RECORD_FLOATS] = {0};
      memcpy(record, fs_enhancer_features(enhancer), FS_LEARNED_FEATURES * sizeof(float));
      float *q = record + FS_LEARNED_FEATURES, *r = q + FS_BANDS, *l = r + FS_BANDS;
      double d0 = 0.0, s0 = 0.0;
      double qs[FS_BANDS] = {0}, rs[FS_BANDS] = {0}, ls[FS_BANDS] = {0};
      const float f = hop.floor_gain;
      for (uint32_t k = 0; k < bins; ++k) {
        const double xr = hop.spectrum[2 * k], xi = hop.spectrum[2 * k + 1];
        const double sr = clean_spectrum[2 * k], si = clean_spectrum[2 * k + 1];
        const double dr = f * xr - sr, di = f * xi - si;
        const double e = hop.gains[k] > f ? hop.gains[k] - f : 0.0;
        const double x2 = xr * xr + xi * xi;
        const double xd = xr * dr + xi * di; /* Re(X conj(D)) */
        d0 += dr * dr + di * di;
        s0 += sr * sr + si * si;
        /* A bin has weight in its lower band and the next one only. */
        uint32_t i;
        float lower_weight, upper_weight;
        fs_bands_bin_weights(bands, k, &i, &lower_weight, &upper_weight);
        const double w0 = lower_weight, w1 = upper_weight;
        qs[i] += w0 * w0 * e * e * x2;
        ls[i] += w0 * e * xd;
        if (i + 1 < FS_BANDS) {
          qs[i + 1] += w1 * w1 * e * e * x2;
          ls[i + 1] += w1 * e * xd;
          rs[i] += w0 * w1 * e * e * x2;
        }
      }
      for (uint32_t i = 0; i < FS_BANDS; ++i) {
        q[i] = (float)qs[i];
        r[i] = (float)rs[i];
        l[i] = (float)ls[i];
      }
      l[FS_BANDS] = (float)d0;
      l[FS_BANDS + 1] = (float)s0;
      if (fwrite(record, sizeof(float), RECORD_FLOATS, out) != RECORD_FLOATS) {
        status = fail(1, "cannot write", out_path);
        break;
      }
      ++records;
    }
    if (fclose(out) != 0 && status == 0) {
      status = fail(1, "cannot write", out_path);
    }
  }
  if (status == 0) {
    printf("%zu\n", records);
  }
  fs_enhancer_destroy(enhancer);
  fs_stft_destroy(stft);
  free(scratch);
  free(hop.spectrum);
  free(hop.gains);
  free(clean);
  free(noisy);
  return status;
}

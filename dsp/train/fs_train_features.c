/*
  fs-train-features: the learned tier's training material for one pair of
  recordings (docs/LEARNED.md, "Training target").

    fs-train-features CLEAN NOISY OUT.f32

  CLEAN and NOISY: mono, the same rate (22.05..192 kHz) and length.  The
  enhancer runs over NOISY hop by hop; a plain STFT of the same geometry
  runs over CLEAN in step, so each of its frames covers the same samples
  as the enhancer's analysis frame.  Per hop, OUT.f32 gets one record of
  native float32:

    FS_LEARNED_FEATURES features (fs_enhancer_features),
    FS_BANDS targets   min(1, sqrt(E_S / (E_Y + eps))),
    FS_BANDS weights   0 where the band has no bins or neither E_S nor E_Y
                       reaches 10 eps, else 1,

  E_S the band energies of the clean STFT, E_Y those of the enhancer's
  own power (after click repair and hum removal).  A last partial hop is
  left out.  Prints the number of hops.  Exit status 2 on bad input or
  usage, with a one-line message; 1 when the output cannot be written.
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

#define RECORD_FLOATS (FS_LEARNED_FEATURES + 2u * FS_BANDS)

/* Nothing in the band: neither the clean speech nor the input reaches
   this many eps. */
#define EMPTY_BAND_EPS 10.0f

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
  float *scratch = NULL, *clean_power = NULL;
  FILE *out = NULL;
  if (status == 0) {
    enhancer = fs_enhancer_create(clean_info.samplerate);
    if (enhancer) {
      fs_enhancer_watch_learned(enhancer, true); /* the features are what we are here for */
    }
    const fs_geometry *g = enhancer ? fs_enhancer_geometry(enhancer) : NULL;
    stft = g ? fs_stft_create(g->analysis, g->hop) : NULL;
    scratch = g ? malloc(g->hop * sizeof(float)) : NULL;
    clean_power = enhancer ? malloc(fs_enhancer_bins(enhancer) * sizeof(float)) : NULL;
    if (!enhancer || !stft || !scratch || !clean_power) {
      status = fail(1, "out of memory", NULL);
    }
  }
  if (status == 0) {
    out = fopen(out_path, "wb");
    if (!out) {
      status = fail(1, "cannot write", out_path);
    }
  }
  size_t hops = 0;
  if (status == 0) {
    const fs_geometry *g = fs_enhancer_geometry(enhancer);
    const fs_bands *bands = fs_enhancer_bands(enhancer);
    const uint32_t bins = fs_enhancer_bins(enhancer);
    const float eps = fs_enhancer_feature_eps(enhancer);
    const size_t total = (size_t)clean_info.frames / g->hop;
    for (; hops < total; ++hops) {
      fs_enhancer_process_hop(enhancer, noisy + hops * g->hop, scratch);
      const float *spectrum = fs_stft_analyse(stft, clean + hops * g->hop);
      /* The clean power as the enhancer takes its own. */
      for (size_t k = 0; k < bins; ++k) {
        const float re = spectrum[2 * k], im = spectrum[2 * k + 1];
        clean_power[k] = re * re + im * im + FS_POWER_FLOOR;
      }
      float record[RECORD_FLOATS], clean_energy[FS_BANDS], noisy_energy[FS_BANDS];
      memcpy(record, fs_enhancer_features(enhancer), FS_LEARNED_FEATURES * sizeof(float));
      fs_bands_energy(bands, clean_power, clean_energy);
      fs_bands_energy(bands, fs_enhancer_power(enhancer), noisy_energy);
      float *target = record + FS_LEARNED_FEATURES, *weight = target + FS_BANDS;
      for (uint32_t i = 0; i < FS_BANDS; ++i) {
        const float ratio = sqrtf(clean_energy[i] / (noisy_energy[i] + eps));
        target[i] = ratio < 1.0f ? ratio : 1.0f;
        const bool empty = clean_energy[i] < EMPTY_BAND_EPS * eps && noisy_energy[i] < EMPTY_BAND_EPS * eps;
        weight[i] = fs_bands_has_bins(bands, i) && !empty ? 1.0f : 0.0f;
      }
      if (fwrite(record, sizeof(float), RECORD_FLOATS, out) != RECORD_FLOATS) {
        status = fail(1, "cannot write", out_path);
        break;
      }
    }
    if (fclose(out) != 0 && status == 0) {
      status = fail(1, "cannot write", out_path);
    }
  }
  if (status == 0) {
    printf("%zu\n", hops);
  }
  fs_enhancer_destroy(enhancer);
  fs_stft_destroy(stft);
  free(scratch);
  free(clean_power);
  free(clean);
  free(noisy);
  return status;
}

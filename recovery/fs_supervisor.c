#include "fs_supervisor.h"

#include "fs_delay.h"
#include "fs_enhancer.h"
#include "fs_fpu.h"
#include "fs_geometry.h"
#include "fs_hopper.h"
#include "fs_light.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* The load meter averages over this much audio before it updates. */
#define LOAD_WINDOW_SECONDS 0.1
#define LOAD_SMOOTHING 0.3f

struct fs_supervisor {
  fs_geometry geometry;
  uint32_t channels;
  fs_hopper *hopper;

  /* The tiers, one instance per channel, all late by geometry.hop_latency. */
  fs_enhancer *full[FS_MAX_CHANNELS];
  fs_light *light[FS_MAX_CHANNELS];
  fs_delay *dry[FS_MAX_CHANNELS];
  float *full_out[FS_MAX_CHANNELS];
  float *light_out[FS_MAX_CHANNELS];
  float *dry_out[FS_MAX_CHANNELS];

  /* Controls: `pending` is what the host set, `active` what this hop uses. */
  fs_controls pending;
  fs_controls active;

  /* Host bypass: position of the fade, 0 = dry, 1 = processed. */
  float wet;
  bool snap_wet; /* after reset, start where the controls say, no fade */

  /* Load meter. */
  uint64_t load_ns;
  uint64_t load_samples;
  bool load_valid;

  fs_status status;
};

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

fs_supervisor *fs_supervisor_create(double sample_rate, uint32_t channels) {
  if (channels == 0 || channels > FS_MAX_CHANNELS) {
    return NULL;
  }
  fs_supervisor *sup = calloc(1, sizeof(*sup));
  if (!sup) {
    return NULL;
  }
  sup->geometry = fs_geometry_for_rate(sample_rate);
  sup->channels = channels;
  const uint32_t hop = sup->geometry.hop;
  bool ok = (sup->hopper = fs_hopper_create(channels, hop)) != NULL;
  for (uint32_t c = 0; ok && c < channels; ++c) {
    sup->full[c] = fs_enhancer_create(sup->geometry.sample_rate);
    sup->light[c] = fs_light_create(sup->geometry.sample_rate);
    sup->dry[c] = fs_delay_create(sup->geometry.hop_latency);
    sup->full_out[c] = calloc(hop, sizeof(float));
    sup->light_out[c] = calloc(hop, sizeof(float));
    sup->dry_out[c] = calloc(hop, sizeof(float));
    ok = sup->full[c] && sup->light[c] && sup->dry[c] && sup->full_out[c] && sup->light_out[c] &&
         sup->dry_out[c];
  }
  if (!ok) {
    fs_supervisor_destroy(sup);
    return NULL;
  }
  sup->pending = fs_controls_default();
  fs_supervisor_reset(sup);
  return sup;
}

void fs_supervisor_destroy(fs_supervisor *sup) {
  if (!sup) {
    return;
  }
  for (uint32_t c = 0; c < FS_MAX_CHANNELS; ++c) {
    fs_enhancer_destroy(sup->full[c]);
    fs_light_destroy(sup->light[c]);
    fs_delay_destroy(sup->dry[c]);
    free(sup->full_out[c]);
    free(sup->light_out[c]);
    free(sup->dry_out[c]);
  }
  fs_hopper_destroy(sup->hopper);
  free(sup);
}

uint32_t fs_supervisor_latency(const fs_supervisor *sup) { return sup->geometry.latency; }

void fs_supervisor_reset(fs_supervisor *sup) {
  fs_hopper_reset(sup->hopper);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_reset(sup->full[c]);
    fs_light_reset(sup->light[c]);
    fs_delay_reset(sup->dry[c]);
  }
  sup->active = sup->pending;
  sup->wet = sup->active.enabled ? 1.0f : 0.0f;
  sup->snap_wet = true;
  sup->load_ns = 0;
  sup->load_samples = 0;
  sup->load_valid = false;
  sup->status = (fs_status){.latency = sup->geometry.latency, .tier = FS_TIER_FULL, .health = 100.0f};
}

void fs_supervisor_set_controls(fs_supervisor *sup, const fs_controls *controls) {
  sup->pending = *controls;
}

/* Start of a hop: the host's latest controls become the hop's controls. */
static void apply_controls(fs_supervisor *sup) {
  sup->active = sup->pending;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_reduction(sup->full[c], sup->active.reduction_db);
    fs_light_set_reduction(sup->light[c], sup->active.reduction_db);
  }
  if (sup->snap_wet) {
    sup->wet = sup->active.enabled ? 1.0f : 0.0f;
    sup->snap_wet = false;
  }
}

/* The output guard, last thing before the host: nothing non-finite,
   nothing denormal, nothing over the ceiling. */
static inline float guard_sample(float y, float dry, float ceiling, fs_status *status) {
  if (!isfinite(y)) {
    ++status->guard_nonfinite;
    y = isfinite(dry) ? dry : 0.0f;
  }
  if (fabsf(y) < FLT_MIN) {
    y = 0.0f;
  }
  if (y > ceiling) {
    ++status->guard_clamped;
    y = ceiling;
  } else if (y < -ceiling) {
    ++status->guard_clamped;
    y = -ceiling;
  }
  return y;
}

/* A smooth S-curve for fades: no click at either end. */
static inline float fade_shape(float position) { return position * position * (3.0f - 2.0f * position); }

static void process_hop(void *context, const float *const *in, float *const *out) {
  fs_supervisor *sup = context;
  const uint32_t hop = sup->geometry.hop;
  apply_controls(sup);

  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_delay_process(sup->dry[c], in[c], sup->dry_out[c], hop);
    fs_enhancer_process_hop(sup->full[c], in[c], sup->full_out[c]);
    /* The light tier runs every hop so it is warm whenever it is needed. */
    fs_light_process_hop(sup->light[c], in[c], sup->light_out[c]);
  }

  const float ceiling = powf(10.0f, sup->active.ceiling_db / 20.0f);
  const float target = sup->active.enabled ? 1.0f : 0.0f;
  const float step = 1000.0f / (sup->active.xfade_ms * (float)sup->geometry.sample_rate);
  float wet = sup->wet;
  for (uint32_t i = 0; i < hop; ++i) {
    if (wet < target) {
      wet = fminf(target, wet + step);
    } else if (wet > target) {
      wet = fmaxf(target, wet - step);
    }
    const float mix = fade_shape(wet);
    for (uint32_t c = 0; c < sup->channels; ++c) {
      const float dry = sup->dry_out[c][i];
      const float wet_sample = sup->full_out[c][i];
      out[c][i] = guard_sample(dry + (wet_sample - dry) * mix, dry, ceiling, &sup->status);
    }
  }
  sup->wet = wet;
  sup->status.tier = (wet == 0.0f) ? FS_TIER_BYPASS : FS_TIER_FULL;
}

static void meter_load(fs_supervisor *sup, uint64_t elapsed_ns, uint32_t n) {
  sup->load_ns += elapsed_ns;
  sup->load_samples += n;
  const double window = LOAD_WINDOW_SECONDS * sup->geometry.sample_rate;
  if ((double)sup->load_samples < window) {
    return;
  }
  const double audio_ns = 1e9 * (double)sup->load_samples / sup->geometry.sample_rate;
  const float load = (float)(100.0 * (double)sup->load_ns / audio_ns);
  sup->status.dsp_load =
      sup->load_valid ? sup->status.dsp_load + LOAD_SMOOTHING * (load - sup->status.dsp_load) : load;
  sup->load_valid = true;
  sup->load_ns = 0;
  sup->load_samples = 0;
}

void fs_supervisor_process(fs_supervisor *sup, const float *const *in, float *const *out, uint32_t n) {
  if (n == 0) {
    return;
  }
  const fs_fpu_state fpu = fs_fpu_flush_denormals();
  const uint64_t start = monotonic_ns();
  fs_hopper_process(sup->hopper, in, out, n, process_hop, sup);
  meter_load(sup, monotonic_ns() - start, n);
  fs_fpu_restore(fpu);
}

void fs_supervisor_status(const fs_supervisor *sup, fs_status *status) { *status = sup->status; }

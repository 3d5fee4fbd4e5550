/* test_rt_safety: a fault campaign against both failsafe plugins, with
 * every run() and connect_port() call watched by the real-time guard.
 *
 * For each plugin, each sample rate and two ways of instantiating (with
 * the features a real host offers, then with none at all), one instance
 * lives through a sequence of hostile scenes: NaN/Inf bursts, denormals,
 * +40 dB, DC, a full-scale square, silence, every chaos mode, the bypass
 * toggled every block, every control randomised every block (NaN and
 * out-of-range values included).  Blocks are cut at random lengths from 1
 * to 8192 frames, ports are reconnected before every block, sometimes in
 * place, sometimes to other buffers.
 *
 * It asserts: no real-time violation, no non-finite output sample, no
 * output sample above the ceiling in force, sane output ports.  Everything
 * is seeded, so a failure replays exactly.
 *
 * Usage: test_rt_safety [--no-guard] [--scene-seconds S]
 * (LD_PRELOAD must hold fs_rt_guard.so unless --no-guard.) */
#include "fs_host_urid.h"
#include "fs_rt_guard.h"
#include "fs_ports.h"

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FS_MAX_BLOCK 8192u

/* Relative slack on the ceiling: the plugin computes 10^(dB/20) in float. */
#define FS_CEILING_SLACK 1e-5

/* ---- the guard, found at run time -------------------------------------- */

typedef struct {
  fs_rt_guard_arm_fn *arm;
  fs_rt_guard_violations_fn *violations;
  fs_rt_guard_reset_fn *reset;
  fs_rt_guard_report_fn *report;
} fs_guard;

static int guard_find(fs_guard *g) {
  *(void **)&g->arm = dlsym(RTLD_DEFAULT, "fs_rt_guard_arm");
  *(void **)&g->violations = dlsym(RTLD_DEFAULT, "fs_rt_guard_violations");
  *(void **)&g->reset = dlsym(RTLD_DEFAULT, "fs_rt_guard_reset");
  *(void **)&g->report = dlsym(RTLD_DEFAULT, "fs_rt_guard_report");
  return g->arm && g->violations && g->reset && g->report ? 0 : -1;
}

static void guard_arm(const fs_guard *g, int on) {
  if (g && g->arm) g->arm(on);
}

/* Proves the guard is really in the way before trusting a zero from it:
 * four planted calls (malloc, free, a mutex, stdio) must all be caught. */
static int guard_self_test(const fs_guard *g) {
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  g->reset();
  g->arm(1);
  void *volatile p = malloc(16);
  free(p);
  pthread_mutex_lock(&lock);
  fflush(stdout);
  g->arm(0);
  pthread_mutex_unlock(&lock);
  const unsigned long caught = g->violations();
  g->reset();
  if (caught != 4) {
    fprintf(stderr, "FAIL: the guard caught %lu of 4 planted calls; is it preloaded first?\n", caught);
    return -1;
  }
  return 0;
}

/* ---- a deterministic generator ------------------------------------------- */

typedef struct {
  uint64_t state;
} fs_rng;

static uint32_t rng_next(fs_rng *r) {
  /* xorshift64*: plenty for test signals and block lengths */
  r->state ^= r->state >> 12;
  r->state ^= r->state << 25;
  r->state ^= r->state >> 27;
  return (uint32_t)((r->state * 0x2545F4914F6CDD1Dull) >> 32);
}

static double rng_uniform(fs_rng *r) { return rng_next(r) / 4294967296.0; }

/* Log-uniform block lengths over 1..8192, so tiny blocks are as common as
 * huge ones. */
static uint32_t random_block(fs_rng *r) {
  const uint32_t n = (uint32_t)exp(rng_uniform(r) * log((double)FS_MAX_BLOCK + 1.0));
  return n < 1 ? 1 : n > FS_MAX_BLOCK ? FS_MAX_BLOCK : n;
}

/* ---- host features --------------------------------------------------------- */

static int log_vprintf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, va_list ap) {
  (void)handle;
  (void)type;
  fputs("plugin log: ", stderr);
  return vfprintf(stderr, fmt, ap);
}

static int log_printf(LV2_Log_Handle handle, LV2_URID type, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  const int n = log_vprintf(handle, type, fmt, ap);
  va_end(ap);
  return n;
}

/* The URID map is the offline and live hosts' own (fs_host_urid), so the
 * campaign maps URIs the way those hosts do: under a lock, which the guard
 * would count if the plugin ever mapped while it runs. */
typedef struct {
  fs_urid_table urids;
  LV2_Log_Log log;
  int32_t max_block, nominal_block;
  LV2_Options_Option options[3];
  LV2_Feature f_map, f_unmap, f_log, f_options, f_bounded;
  const LV2_Feature *list[6];
} fs_features;

static void features_init(fs_features *f) {
  memset(f, 0, sizeof *f);
  if (fs_urid_init(&f->urids) != 0) abort();
  f->log = (LV2_Log_Log){NULL, log_printf, log_vprintf};
  f->max_block = FS_MAX_BLOCK;
  f->nominal_block = 1024;
  const LV2_URID int_type = fs_urid_map(&f->urids, LV2_ATOM__Int);
  f->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, fs_urid_map(&f->urids, LV2_BUF_SIZE__maxBlockLength),
                                       sizeof(int32_t), int_type, &f->max_block};
  f->options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0,
                                       fs_urid_map(&f->urids, LV2_BUF_SIZE__nominalBlockLength), sizeof(int32_t),
                                       int_type, &f->nominal_block};
  f->f_map = (LV2_Feature){LV2_URID__map, &f->urids.map};
  f->f_unmap = (LV2_Feature){LV2_URID__unmap, &f->urids.unmap};
  f->f_log = (LV2_Feature){LV2_LOG__log, &f->log};
  f->f_options = (LV2_Feature){LV2_OPTIONS__options, f->options};
  f->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
  const LV2_Feature *list[] = {&f->f_map, &f->f_unmap, &f->f_log, &f->f_options, &f->f_bounded, NULL};
  memcpy(f->list, list, sizeof list);
}

/* ---- scenes ----------------------------------------------------------------- */

typedef enum {
  SCENE_SPEECHLIKE,
  SCENE_NAN_INF_BURSTS,
  SCENE_DENORMAL,
  SCENE_HOT_40DB,
  SCENE_DC,
  SCENE_SQUARE,
  SCENE_SILENCE,
  SCENE_CHAOS, /* chaos mode = scene parameter, over a speech-like input */
  SCENE_TOGGLE_ENABLED,
  SCENE_RANDOM_CONTROLS,
} fs_scene_kind;

typedef struct {
  fs_scene_kind kind;
  int chaos;
  const char *name;
} fs_scene;

static const fs_scene fs_scenes[] = {
    {SCENE_SPEECHLIKE, 0, "speech-like"},
    {SCENE_NAN_INF_BURSTS, 0, "NaN/Inf bursts"},
    {SCENE_DENORMAL, 0, "denormal input"},
    {SCENE_HOT_40DB, 0, "+40 dB input"},
    {SCENE_DC, 0, "DC"},
    {SCENE_SQUARE, 0, "full-scale square"},
    {SCENE_SILENCE, 0, "silence"},
    {SCENE_CHAOS, 0, "chaos 0"},
    {SCENE_CHAOS, 1, "chaos 1 NaN state"},
    {SCENE_CHAOS, 2, "chaos 2 runaway gain"},
    {SCENE_CHAOS, 3, "chaos 3 musical noise"},
    {SCENE_CHAOS, 4, "chaos 4 CPU stall"},
    {SCENE_CHAOS, 5, "chaos 5 clipping boost"},
    {SCENE_CHAOS, 6, "chaos 6 denormal flood"},
    {SCENE_CHAOS, 7, "chaos 7 NaN in the learned network"},
    {SCENE_CHAOS, 8, "chaos 8 learned gains flicker"},
    {SCENE_CHAOS, 9, "chaos 9 learned gains mute"},
    {SCENE_TOGGLE_ENABLED, 0, "enabled toggled every block"},
    {SCENE_RANDOM_CONTROLS, 0, "controls randomised every block"},
    {SCENE_SPEECHLIKE, 0, "speech-like (recovery)"},
};
#define FS_SCENE_COUNT (sizeof fs_scenes / sizeof fs_scenes[0])

/* A voice-ish test signal: a few harmonics under a syllable-rate envelope
 * plus a noise floor.  t counts frames since the scene began. */
static float speechlike(uint64_t t, double rate, uint32_t channel, fs_rng *rng) {
  const double s = (double)t / rate;
  const double envelope = 0.5 + 0.5 * sin(2.0 * M_PI * 4.0 * s);
  double voice = 0.0;
  for (int h = 1; h <= 5; ++h) voice += sin(2.0 * M_PI * 140.0 * h * s + channel) / h;
  const double noise = (rng_uniform(rng) - 0.5) * 0.05;
  return (float)(0.2 * envelope * voice + noise);
}

static float scene_input(const fs_scene *scene, uint64_t t, double rate, uint32_t channel, fs_rng *rng) {
  switch (scene->kind) {
  case SCENE_NAN_INF_BURSTS: {
    /* 64-frame bursts every 1000 frames, cycling NaN, +Inf, -Inf. */
    const uint64_t cycle = t / 1000, phase = t % 1000;
    if (phase < 64) return cycle % 3 == 0 ? NAN : cycle % 3 == 1 ? INFINITY : -INFINITY;
    return speechlike(t, rate, channel, rng);
  }
  case SCENE_DENORMAL: return (t & 1 ? 1.0f : -1.0f) * 1e-39f * (float)(1 + t % 7);
  case SCENE_HOT_40DB: return 100.0f * speechlike(t, rate, channel, rng);
  case SCENE_DC: return 0.9f;
  case SCENE_SQUARE: return fmod((double)t * 100.0 / rate, 1.0) < 0.5 ? 1.0f : -1.0f;
  case SCENE_SILENCE: return 0.0f;
  default: return speechlike(t, rate, channel, rng);
  }
}

/* A control value from the whole float line: in range, out of range,
 * NaN or infinite. */
static float random_control(fs_rng *rng, float lo, float hi) {
  const double pick = rng_uniform(rng);
  if (pick < 0.08) return NAN;
  if (pick < 0.12) return rng_uniform(rng) < 0.5 ? INFINITY : -INFINITY;
  if (pick < 0.25) return (float)((rng_uniform(rng) - 0.5) * 2000.0);
  return (float)(lo + (hi - lo) * rng_uniform(rng));
}

/* ---- one instance through every scene -------------------------------------- */

typedef struct {
  uint64_t blocks, samples;
  uint64_t nonfinite;
  uint64_t above_ceiling;       /* above every ceiling in force lately */
  uint64_t above_block_ceiling; /* above the ceiling set for this very block */
  uint64_t bad_ports;
  uint64_t stray_writes; /* blocks where run() wrote past n or into an input */
  unsigned long violations;
  double peak_ratio; /* largest |out| / ceiling in force */
  float incidents; /* counted over the scenes, before re-activation */
  int tiers_seen;  /* bit per tier */
  double seconds;
} fs_tally;

/* The ceiling a control value means: NaN is the default, the rest is
 * clamped to -12..0 dB. */
static double ceiling_linear(float db) {
  const double d = isnan(db) ? -1.0 : db < -12.0f ? -12.0 : db > 0.0f ? 0.0 : db;
  return pow(10.0, d / 20.0);
}

/* The hop the plugin decides on (README, "Latency"). */
static uint32_t hop_for(double rate) {
  const uint32_t frame = rate < 44100.0 ? 256 : rate < 88200.0 ? 512 : rate < 176400.0 ? 1024 : 2048;
  return frame / 4;
}

/* Ceilings set in recent blocks: a new value takes effect at the next hop
 * boundary, so the old one may still hold for up to a hop. */
#define FS_CEILING_HISTORY 2048u
typedef struct {
  uint64_t start[FS_CEILING_HISTORY];
  double linear[FS_CEILING_HISTORY];
  uint32_t count, next;
} fs_ceiling_history;

static void ceiling_push(fs_ceiling_history *h, uint64_t start, double linear) {
  h->start[h->next] = start;
  h->linear[h->next] = linear;
  h->next = (h->next + 1) % FS_CEILING_HISTORY;
  if (h->count < FS_CEILING_HISTORY) ++h->count;
}

/* The most lenient ceiling set by any block overlapping the `span` frames
 * before `now` (the block holding frame now - span included). */
static double ceiling_in_force(const fs_ceiling_history *h, uint64_t now, uint64_t span) {
  double limit = 0.0;
  for (uint32_t k = 0; k < h->count; ++k) {
    const uint32_t i = (h->next + FS_CEILING_HISTORY - 1 - k) % FS_CEILING_HISTORY;
    if (h->linear[i] > limit) limit = h->linear[i];
    if (h->start[i] + span <= now) break;
  }
  return limit;
}

typedef struct {
  const LilvPlugin *plugin;
  LilvInstance *instance;
  uint32_t channels;
  double rate;
  const fs_guard *guard;
  float controls[FS_PORT_COUNT_STEREO];
  float defaults[FS_PORT_COUNT_STEREO];
  float *in[2][2], *out[2][2]; /* [buffer set][channel] */
  fs_rng rng;
  fs_ceiling_history ceilings;
  uint64_t frame; /* since activation */
  float latency;
  float last_incidents;
} fs_run;

/* Buffers carry FS_CANARY spare floats past the longest block, so a write
 * past n_samples (or into an input) shows up instead of corrupting the
 * host's heap. */
#define FS_CANARY 64u
static float *buffer(void) { return calloc(FS_MAX_BLOCK + FS_CANARY, sizeof(float)); }

static const uint32_t fs_canary_bits = 0x7fc0dead; /* a NaN no arithmetic makes */

static void plant_canary(float *p, uint32_t n) {
  for (uint32_t i = n; i < n + FS_CANARY; ++i) memcpy(&p[i], &fs_canary_bits, sizeof fs_canary_bits);
}

static int canary_intact(const float *p, uint32_t n) {
  for (uint32_t i = n; i < n + FS_CANARY; ++i) {
    if (memcmp(&p[i], &fs_canary_bits, sizeof fs_canary_bits) != 0) return 0;
  }
  return 1;
}

static void connect_all(fs_run *r, float *const *in, float *const *out) {
  guard_arm(r->guard, 1);
  for (uint32_t p = 0; p < FS_PORT_IN_0; ++p) lilv_instance_connect_port(r->instance, p, &r->controls[p]);
  for (uint32_t c = 0; c < r->channels; ++c) {
    lilv_instance_connect_port(r->instance, FS_PORT_IN_0 + 2 * c, in[c]);
    lilv_instance_connect_port(r->instance, FS_PORT_IN_0 + 2 * c + 1, out[c]);
  }
  lilv_instance_connect_port(r->instance, fs_port_learned(r->channels), &r->controls[fs_port_learned(r->channels)]);
  const uint32_t use_learned = fs_port_use_learned(r->channels);
  lilv_instance_connect_port(r->instance, use_learned, &r->controls[use_learned]);
  guard_arm(r->guard, 0);
}

static void check_ports(fs_run *r, fs_tally *t) {
  const float tier = r->controls[FS_PORT_TIER];
  const float incidents = r->controls[FS_PORT_INCIDENTS];
  const float health = r->controls[FS_PORT_HEALTH];
  const float load = r->controls[FS_PORT_DSP_LOAD];
  const float cause = r->controls[FS_PORT_CAUSE];
  const float learned = r->controls[fs_port_learned(r->channels)];
  const int ok = (tier == 0.0f || tier == 1.0f || tier == 2.0f) && r->controls[FS_PORT_LATENCY] == r->latency &&
                 isfinite(incidents) && incidents >= r->last_incidents && health >= 0.0f && health <= 100.0f &&
                 isfinite(load) && load >= 0.0f && cause >= 0.0f && cause <= 13.0f &&
                 learned >= 0.0f && learned <= 1.0f;
  if (!ok) {
    if (t->bad_ports == 0) {
      fprintf(stderr, "  bad output ports at frame %llu: tier %g latency %g (was %g) incidents %g health %g cause %g "
              "dsp_load %g learned %g\n", (unsigned long long)r->frame, tier, r->controls[FS_PORT_LATENCY], r->latency,
              incidents, health, cause, load, learned);
    }
    ++t->bad_ports;
  }
  if (tier >= 0.0f && tier <= 2.0f) t->tiers_seen |= 1 << (int)tier;
  if (isfinite(incidents)) r->last_incidents = incidents;
}

/* One block: inputs, controls, connections, run() under the guard, checks. */
static void run_block(fs_run *r, const fs_scene *scene, uint64_t scene_frame, uint64_t scene_frames, uint32_t n,
                      fs_tally *t) {
  const uint64_t block_index = t->blocks;
  const int set = (int)(block_index & 1);
  /* One block in five runs in place, as many hosts do. */
  const int in_place = rng_next(&r->rng) % 5 == 0;
  float *in[2], *out[2];
  for (uint32_t c = 0; c < r->channels; ++c) {
    in[c] = r->in[set][c];
    out[c] = in_place ? in[c] : r->out[set][c];
    for (uint32_t i = 0; i < n; ++i) in[c][i] = scene_input(scene, scene_frame + i, r->rate, c, &r->rng);
    plant_canary(in[c], n);
    plant_canary(out[c], n);
  }
  /* A copy of the input, to catch a plugin writing into it. */
  static float in_copy[2][FS_MAX_BLOCK];
  for (uint32_t c = 0; c < r->channels; ++c) memcpy(in_copy[c], in[c], n * sizeof(float));

  memcpy(r->controls, r->defaults, FS_PORT_CONTROL_INPUTS * sizeof(float));
  r->controls[fs_port_use_learned(r->channels)] = r->defaults[fs_port_use_learned(r->channels)];
  if (scene->kind == SCENE_CHAOS) {
    /* The fault holds for the scene's first three quarters, then the
     * plugin gets the rest to recover. */
    r->controls[FS_PORT_CHAOS] = scene_frame < scene_frames * 3 / 4 ? (float)scene->chaos : 0.0f;
  } else if (scene->kind == SCENE_TOGGLE_ENABLED) {
    r->controls[FS_PORT_ENABLED] = (float)(block_index & 1);
  } else if (scene->kind == SCENE_RANDOM_CONTROLS) {
    static const float lo[FS_PORT_CONTROL_INPUTS] = {0, 0, -12, 1, 5, 0, 0};
    static const float hi[FS_PORT_CONTROL_INPUTS] = {1, 40, 0, 100, 100, 6, 1};
    for (uint32_t p = 0; p < FS_PORT_CONTROL_INPUTS; ++p) r->controls[p] = random_control(&r->rng, lo[p], hi[p]);
    /* The learned tier switched on and off at random too (and NaN, +-Inf). */
    r->controls[fs_port_use_learned(r->channels)] = random_control(&r->rng, 0, 1);
    /* Whole chaos values, so every mode shows up, stalls included. */
    if (isfinite(r->controls[FS_PORT_CHAOS])) r->controls[FS_PORT_CHAOS] = floorf(r->controls[FS_PORT_CHAOS]);
  }
  const double block_ceiling = ceiling_linear(r->controls[FS_PORT_CEILING]);
  ceiling_push(&r->ceilings, r->frame, block_ceiling);
  const double limit = ceiling_in_force(&r->ceilings, r->frame, 2u * hop_for(r->rate));

  connect_all(r, in, out);
  guard_arm(r->guard, 1);
  lilv_instance_run(r->instance, n);
  guard_arm(r->guard, 0);

  int stray = 0;
  for (uint32_t c = 0; c < r->channels; ++c) {
    stray |= !canary_intact(in[c], n) || !canary_intact(out[c], n);
    stray |= !in_place && memcmp(in_copy[c], in[c], n * sizeof(float)) != 0;
  }
  if (stray && t->stray_writes++ == 0) {
    fprintf(stderr, "  run(%u) wrote outside its output buffers (past n, or into an input) at frame %llu\n", n,
            (unsigned long long)r->frame);
  }
  for (uint32_t c = 0; c < r->channels; ++c) {
    for (uint32_t i = 0; i < n; ++i) {
      const double x = fabs((double)out[c][i]);
      if (!isfinite(x)) {
        ++t->nonfinite;
        continue;
      }
      t->above_block_ceiling += x > block_ceiling * (1.0 + FS_CEILING_SLACK);
      t->above_ceiling += x > limit * (1.0 + FS_CEILING_SLACK);
      if (x / limit > t->peak_ratio) t->peak_ratio = x / limit;
    }
  }
  check_ports(r, t);
  r->frame += n;
  t->samples += n;
  ++t->blocks;
}

static void run_scenes(fs_run *r, double scene_seconds, fs_tally *t) {
  for (size_t s = 0; s < FS_SCENE_COUNT; ++s) {
    const uint64_t frames = (uint64_t)(scene_seconds * r->rate);
    for (uint64_t done = 0; done < frames;) {
      uint32_t n = random_block(&r->rng);
      if (n > frames - done) n = (uint32_t)(frames - done);
      run_block(r, &fs_scenes[s], done, frames, n, t);
      done += n;
    }
    /* A zero-length run() must be harmless too. */
    guard_arm(r->guard, 1);
    lilv_instance_run(r->instance, 0);
    guard_arm(r->guard, 0);
  }
}


/* One instance, start to finish.  Returns -1 when it cannot even start. */
static int run_instance(const LilvPlugin *plugin, double rate, const LV2_Feature *const *features,
                        const fs_guard *guard, double scene_seconds, uint64_t seed, fs_tally *t) {
  memset(t, 0, sizeof *t);
  fs_run *r = calloc(1, sizeof *r);
  if (!r) return -1;
  r->plugin = plugin;
  r->rate = rate;
  r->guard = guard;
  r->rng.state = seed;
  r->channels = lilv_plugin_get_num_ports(plugin) == FS_PORT_COUNT_STEREO ? 2 : 1;
  const uint32_t n_ports = lilv_plugin_get_num_ports(plugin);
  float mins[FS_PORT_COUNT_STEREO], maxs[FS_PORT_COUNT_STEREO];
  lilv_plugin_get_port_ranges_float(plugin, mins, maxs, r->defaults);
  for (uint32_t p = 0; p < n_ports; ++p) {
    if (isnan(r->defaults[p])) r->defaults[p] = 0.0f;
  }
  for (int s = 0; s < 2; ++s) {
    for (uint32_t c = 0; c < 2; ++c) {
      r->in[s][c] = buffer();
      r->out[s][c] = buffer();
    }
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  r->instance = lilv_plugin_instantiate(plugin, rate, features);
  int status = r->instance ? 0 : -1;
  if (r->instance) {
    memcpy(r->controls, r->defaults, sizeof r->controls);
    connect_all(r, r->in[0], r->out[0]);
    lilv_instance_activate(r->instance);
    /* Latency is reported from the first run(), even a zero-length one. */
    guard_arm(guard, 1);
    lilv_instance_run(r->instance, 0);
    guard_arm(guard, 0);
    r->latency = r->controls[FS_PORT_LATENCY];
    run_scenes(r, scene_seconds, t);
    t->incidents = r->controls[FS_PORT_INCIDENTS]; /* before the reset below */
    /* Deactivate and activate again, as a host does after a transport
     * reset: the instance must work as before. */
    lilv_instance_deactivate(r->instance);
    lilv_instance_activate(r->instance);
    r->last_incidents = 0.0f;
    r->frame = 0;
    r->ceilings.count = 0;
    for (int b = 0; b < 20; ++b) run_block(r, &fs_scenes[0], (uint64_t)b * 512, 20 * 512, 512, t);
    lilv_instance_deactivate(r->instance);
    lilv_instance_free(r->instance);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  t->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  for (int s = 0; s < 2; ++s) {
    for (uint32_t c = 0; c < 2; ++c) {
      free(r->in[s][c]);
      free(r->out[s][c]);
    }
  }
  free(r);
  return status;
}

int main(int argc, char **argv) {
  int use_guard = 1;
  double scene_seconds = 0.4;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--no-guard")) {
      use_guard = 0;
    } else if (!strcmp(argv[i], "--scene-seconds") && i + 1 < argc) {
      scene_seconds = atof(argv[++i]);
    } else {
      fprintf(stderr, "usage: test_rt_safety [--no-guard] [--scene-seconds S]\n");
      return 2;
    }
  }
  setvbuf(stdout, NULL, _IOLBF, 0);

  fs_guard guard = {0};
  if (use_guard) {
    if (guard_find(&guard) != 0) {
      fprintf(stderr, "FAIL: fs_rt_guard is not loaded (run with LD_PRELOAD=.../fs_rt_guard.so, or --no-guard)\n");
      return 1;
    }
    if (guard_self_test(&guard) != 0) return 1;
    printf("guard: armed around every run() and connect_port(); self-test caught planted malloc, free, "
           "mutex and stdio calls\n");
  } else {
    printf("guard: not used (--no-guard): real-time calls are not checked\n");
  }

  LilvWorld *world = lilv_world_new();
  lilv_world_load_all(world);
  const LilvPlugins *all = lilv_world_get_all_plugins(world);
  static const char *const uris[] = {"urn:failsafe:enhancer", "urn:failsafe:enhancer:stereo"};
  static const double rates[] = {22050, 44100, 48000, 96000, 192000};
  fs_features features;
  features_init(&features);

  int failures = 0;
  uint64_t total_blocks = 0, total_violations = 0, total_nonfinite = 0, total_above = 0, total_above_block = 0;
  for (size_t u = 0; u < 2; ++u) {
    LilvNode *uri = lilv_new_uri(world, uris[u]);
    const LilvPlugin *plugin = lilv_plugins_get_by_uri(all, uri);
    lilv_node_free(uri);
    if (!plugin) {
      fprintf(stderr, "FAIL: <%s> not found in LV2_PATH=%s\n", uris[u], getenv("LV2_PATH") ? getenv("LV2_PATH") : "");
      ++failures;
      continue;
    }
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; ++k) {
      for (int pass = 0; pass < 2; ++pass) {
        const LV2_Feature *const *list = pass == 0 ? features.list : NULL;
        const uint64_t seed = 0x9E3779B97F4A7C15ull ^ (u << 40) ^ ((uint64_t)rates[k] << 8) ^ (uint64_t)pass;
        fs_tally t;
        if (use_guard) guard.reset();
        const int started = run_instance(plugin, rates[k], list, use_guard ? &guard : NULL, scene_seconds, seed, &t);
        t.violations = use_guard ? guard.violations() : 0;
        const int ok = started == 0 && t.violations == 0 && t.nonfinite == 0 && t.above_ceiling == 0 &&
                       t.bad_ports == 0 && t.stray_writes == 0;
        printf("%s %s %6.0f Hz %-11s blocks %6llu  violations %lu  non-finite %llu  above ceiling %llu "
               "(vs this block's own ceiling %llu)  peak/ceiling %.4f  tiers seen %s%s%s  incidents %.0f  %.2f s\n",
               ok ? "ok  " : "FAIL", u ? "stereo" : "mono  ", rates[k], pass == 0 ? "features" : "no-features",
               (unsigned long long)t.blocks, t.violations, (unsigned long long)t.nonfinite,
               (unsigned long long)t.above_ceiling, (unsigned long long)t.above_block_ceiling, t.peak_ratio,
               t.tiers_seen & 1 ? "0" : "", t.tiers_seen & 2 ? "1" : "", t.tiers_seen & 4 ? "2" : "",
               (double)t.incidents, t.seconds);
        if (started != 0) printf("     the plugin refused to instantiate at %.0f Hz\n", rates[k]);
        if (t.violations) guard.report(stdout);
        if (t.stray_writes)
          printf("     %llu blocks where run() wrote past n_samples or into an input\n",
                 (unsigned long long)t.stray_writes);
        if (t.bad_ports) printf("     %llu blocks with implausible output ports\n", (unsigned long long)t.bad_ports);
        failures += !ok;
        total_blocks += t.blocks;
        total_violations += t.violations;
        total_nonfinite += t.nonfinite;
        total_above += t.above_ceiling;
        total_above_block += t.above_block_ceiling;
      }
    }
  }
  lilv_world_free(world);
  fs_urid_destroy(&features.urids);
  printf("campaign: %llu blocks, %llu RT violations, %llu non-finite samples, %llu samples above the ceiling in "
         "force (%llu above the current block's ceiling)\n",
         (unsigned long long)total_blocks, (unsigned long long)total_violations, (unsigned long long)total_nonfinite,
         (unsigned long long)total_above, (unsigned long long)total_above_block);
  printf("%s: %d failing instance run(s)\n", failures ? "FAIL" : "PASS", failures);
  return failures ? 1 : 0;
}

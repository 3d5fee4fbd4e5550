#include "bench_systems.h"

#include "fs_enhancer.h"
#include "fs_hopper.h"
#include "fs_light.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#ifdef FS_BENCH_HAVE_SPEEXDSP
#include <speex/speex_preprocess.h>
#endif

float *bench_system_run(const bench_system *s, double rate, float reduction_db, const float *in, size_t n,
                        uint32_t block) {
  void *instance = s->create(rate);
  if (!instance) {
    fprintf(stderr, "%s: create failed\n", s->name);
    exit(1);
  }
  if (s->set_reduction) {
    s->set_reduction(instance, reduction_db);
  }
  float *out = malloc(n * sizeof(float));
  for (size_t done = 0; done < n; done += block) {
    const uint32_t take = (uint32_t)(n - done < block ? n - done : block);
    s->process(instance, in + done, out + done, take);
  }
  s->destroy(instance);
  return out;
}

/* ---- failsafe, full path ---------------------------------------------- */

typedef struct {
  fs_hopper *hopper;
  fs_enhancer *enhancer;
} full_path;

static void full_on_hop(void *context, const float *const *in, float *const *out) {
  fs_enhancer_process_hop(context, in[0], out[0]);
}

static void *full_create(double rate) {
  full_path *p = calloc(1, sizeof(*p));
  p->enhancer = fs_enhancer_create(rate);
  if (!p->enhancer) {
    free(p);
    return NULL;
  }
  p->hopper = fs_hopper_create(1, fs_enhancer_geometry(p->enhancer)->hop);
  return p;
}

static void full_destroy(void *instance) {
  full_path *p = instance;
  fs_hopper_destroy(p->hopper);
  fs_enhancer_destroy(p->enhancer);
  free(p);
}

static void full_set_reduction(void *instance, float db) {
  fs_enhancer_set_reduction(((full_path *)instance)->enhancer, db);
}

static void full_process(void *instance, const float *in, float *out, uint32_t n) {
  full_path *p = instance;
  fs_hopper_process(p->hopper, &in, &out, n, full_on_hop, p->enhancer);
}

static uint32_t full_latency(void *instance) {
  return fs_enhancer_geometry(((full_path *)instance)->enhancer)->latency;
}

/* The full path with the learned tier's share set: 0 plays the classical
   gains (the plugin's default, and what the net falls back to first), 1
   the learned ones, as the net sets it while the user's use_learned
   control is on and the learned tier is trusted (fs_learned_gain.h). */
static void *full_create_with_share(double rate, float share) {
  full_path *p = full_create(rate);
  if (p) {
    fs_enhancer_set_learned_share(p->enhancer, share);
    fs_enhancer_reset(p->enhancer);
  }
  return p;
}

static void *classical_create(double rate) { return full_create_with_share(rate, 0.0f); }

const bench_system bench_failsafe = {"failsafe classical", classical_create, full_destroy, full_set_reduction,
                                     full_process, full_latency};

/* ---- failsafe, full path with the learned gains heard ------------------- */

static void *learned_create(double rate) { return full_create_with_share(rate, 1.0f); }

const bench_system bench_failsafe_learned = {"failsafe learned", learned_create, full_destroy, full_set_reduction,
                                             full_process, full_latency};

/* ---- failsafe, light path --------------------------------------------- */

typedef struct {
  fs_hopper *hopper;
  fs_light *light;
} light_path;

static void light_on_hop(void *context, const float *const *in, float *const *out) {
  fs_light_process_hop(context, in[0], out[0]);
}

static void *light_create(double rate) {
  light_path *p = calloc(1, sizeof(*p));
  p->light = fs_light_create(rate);
  if (!p->light) {
    free(p);
    return NULL;
  }
  p->hopper = fs_hopper_create(1, fs_light_geometry(p->light)->hop);
  return p;
}

static void light_destroy(void *instance) {
  light_path *p = instance;
  fs_hopper_destroy(p->hopper);
  fs_light_destroy(p->light);
  free(p);
}

static void light_set_reduction(void *instance, float db) {
  fs_light_set_reduction(((light_path *)instance)->light, db);
}

static void light_process(void *instance, const float *in, float *out, uint32_t n) {
  light_path *p = instance;
  fs_hopper_process(p->hopper, &in, &out, n, light_on_hop, p->light);
}

static uint32_t light_latency(void *instance) {
  return fs_light_geometry(((light_path *)instance)->light)->latency;
}

const bench_system bench_failsafe_light = {"failsafe-light", light_create, light_destroy,
                                           light_set_reduction, light_process, light_latency};

/* ---- speexdsp ------------------------------------------------------------ */

#ifdef FS_BENCH_HAVE_SPEEXDSP
typedef struct {
  SpeexPreprocessState *state;
  uint32_t frame;
  uint32_t fill;
  spx_int16_t *collecting; /* input frame being filled */
  float *playing;          /* last processed frame, played out now */
} speex_path;

static void *speex_create(double rate) {
  speex_path *p = calloc(1, sizeof(*p));
  p->frame = (uint32_t)lround(rate / 100.0); /* 480 at 48 kHz */
  p->state = speex_preprocess_state_init((int)p->frame, (int)lround(rate));
  p->collecting = calloc(p->frame, sizeof(spx_int16_t));
  p->playing = calloc(p->frame, sizeof(float));
  int on = 1;
  speex_preprocess_ctl(p->state, SPEEX_PREPROCESS_SET_DENOISE, &on);
  return p;
}

static void speex_destroy(void *instance) {
  speex_path *p = instance;
  speex_preprocess_state_destroy(p->state);
  free(p->collecting);
  free(p->playing);
  free(p);
}

static void speex_process(void *instance, const float *in, float *out, uint32_t n) {
  speex_path *p = instance;
  for (uint32_t i = 0; i < n; ++i) {
    float x = in[i] * 32768.0f;
    x = x > 32767.0f ? 32767.0f : (x < -32768.0f ? -32768.0f : x);
    p->collecting[p->fill] = (spx_int16_t)lrintf(x);
    out[i] = p->playing[p->fill];
    if (++p->fill == p->frame) {
      speex_preprocess_run(p->state, p->collecting);
      for (uint32_t j = 0; j < p->frame; ++j) {
        p->playing[j] = p->collecting[j] * (1.0f / 32768.0f);
      }
      p->fill = 0;
    }
  }
}

static uint32_t speex_latency(void *instance) {
  (void)instance;
  return 0; /* speexdsp reports nothing: the benchmark measures it */
}

const bench_system bench_speexdsp = {"speexdsp", speex_create, speex_destroy, NULL, speex_process,
                                     speex_latency};
#endif

/*
  bench_systems: the systems under test behind one interface, driven with
  host-sized blocks exactly as a plugin's run() would drive them.

  - failsafe: fs_hopper + fs_enhancer (tier 0), what the plugin runs.
  - failsafe-light: fs_hopper + fs_light (tier 1).
  - speexdsp: speex_preprocess_run on 10 ms frames with denoise on (its
    default -15 dB suppression), behind the simplest framer a plugin
    would need: collect a frame, process it, play it out during the next.
*/
#ifndef BENCH_SYSTEMS_H
#define BENCH_SYSTEMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  const char *name;
  void *(*create)(double sample_rate);
  void (*destroy)(void *instance);
  void (*set_reduction)(void *instance, float reduction_db); /* may be NULL */
  /* Any n; in and out do not alias. */
  void (*process)(void *instance, const float *in, float *out, uint32_t n);
  /* What the system reports; 0 when it reports nothing (then measure). */
  uint32_t (*reported_latency)(void *instance);
} bench_system;

/* Runs a whole signal through a fresh instance of `system`, in host blocks
   of `block`, as a plugin host would; returns the output (malloc'd, n
   samples, still late by the system's latency).  Exits on a failed
   create. */
float *bench_system_run(const bench_system *system, double sample_rate, float reduction_db, const float *in,
                        size_t n, uint32_t block);

extern const bench_system bench_failsafe;         /* the classical gains: the default */
extern const bench_system bench_failsafe_learned; /* the learned gains heard (use_learned on) */
extern const bench_system bench_failsafe_light;
#ifdef FS_BENCH_HAVE_SPEEXDSP
extern const bench_system bench_speexdsp;
#endif

#endif

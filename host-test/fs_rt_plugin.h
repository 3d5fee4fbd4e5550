/* fs_rt_plugin: the plugin as failsafe-rt drives it, on the shared lilv
 * host core (fs_host_lv2) with the plain set of features a live host
 * offers: urid:map/unmap, options (block lengths at the stream's frames
 * per buffer) and boundedBlockLength; no worker, log or state paths.
 *
 * The harness connects the audio ports itself, into its stream buffers,
 * and reads or writes a few control cells by pointer: no lookup while the
 * stream runs.
 *
 * Threading: load/set/unload on the main thread; fs_rt_plugin_run() and
 * the control cells from the audio thread only while the stream runs. */
#ifndef FS_RT_PLUGIN_H
#define FS_RT_PLUGIN_H

#include "fs_host_lv2.h"

#include <stdint.h>

#define FS_RT_MAX_AUDIO 2u

typedef struct {
  fs_host *host;
  uint32_t n_audio_in, n_audio_out;
  /* The control cells the harness drives or watches; NULL when the plugin
   * has no such port (a foreign plugin still runs). */
  float *chaos;
  const float *tier, *incidents, *cause;
} fs_rt_plugin;

/* Loads URI from LV2_PATH and instantiates it at rate for blocks of at
 * most block_frames.  Prints one line and returns -1 on failure. */
int fs_rt_plugin_load(fs_rt_plugin *p, const char *uri, double rate, uint32_t block_frames);

/* Sets a control input by symbol, before the stream starts.  -1 when the
 * plugin has no such control input. */
int fs_rt_plugin_set(fs_rt_plugin *p, const char *symbol, float value);
/* Every "SYMBOL=VALUE" of sets (--set); says which one is wrong and
 * returns -1 when one is. */
int fs_rt_plugin_set_all(fs_rt_plugin *p, const char *const *sets, int count);

/* Runs frames frames of in[c] + offset into out[c] + offset; returns the
 * time run() took, in nanoseconds.  Real-time safe. */
uint64_t fs_rt_plugin_run(fs_rt_plugin *p, float *const in[], float *const out[], uint32_t offset, uint32_t frames);

/* The value in a control cell, NAN when the port does not exist. */
float fs_rt_plugin_output(const float *cell);

void fs_rt_plugin_unload(fs_rt_plugin *p);

#endif

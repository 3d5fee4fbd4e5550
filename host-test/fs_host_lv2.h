/* fs_host_lv2: one LV2 plugin instance hosted through lilv, the core that
 * both failsafe-host (offline) and failsafe-rt (live) are built on.
 *
 * Everything is found by port class, symbol and designation, never by
 * index, so any plugin with audio and control ports can be hosted.  What
 * the plugin is offered is fs_host_features' job (the full set, or a plain
 * live host's), the worker fs_host_worker's, state fs_host_state's.
 *
 * Life cycle: fs_host_open (world, plugin, port table) -> set controls ->
 * fs_host_instantiate -> [fs_host_restore_state] -> fs_host_activate ->
 * fs_host_run... -> fs_host_finish -> [fs_host_save_state] -> fs_host_close.
 *
 * Threading: everything on the main thread except fs_host_run and
 * fs_host_connect_audio, which belong to the processing thread once
 * activated. */
#ifndef FS_HOST_LV2_H
#define FS_HOST_LV2_H

#include "fs_host_ports.h"

#include <lilv/lilv.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_host_config {
  double sample_rate;
  uint32_t max_block;     /* the largest run() ever made */
  uint32_t nominal_block; /* the usual run() */
  bool in_place;          /* audio output i shares input i's buffer */
  bool sync_worker;       /* work() inside schedule_work() */
  bool quiet_log;         /* drop the plugin's note/trace messages */
  /* Offer only urid:map/unmap, options and boundedBlockLength, with no
   * worker, log or state paths: what a plain live host offers. */
  bool live_basic;
  /* Base directory for state:mapPath abstract paths (may be NULL: cwd). */
  const char *state_dir;
} fs_host_config;

typedef struct fs_host fs_host;

/* Loads the world from LV2_PATH and finds the plugin.  Returns NULL with a
 * one-line reason in err. */
fs_host *fs_host_open(const char *uri, char *err, size_t err_size);
void fs_host_close(fs_host *host);

const char *fs_host_uri(const fs_host *host);
uint32_t fs_host_port_count(const fs_host *host);
fs_port *fs_host_port(fs_host *host, uint32_t index);
fs_port *fs_host_find_port(fs_host *host, const char *symbol);
/* The control input with that symbol, or NULL. */
fs_port *fs_host_control_input(fs_host *host, const char *symbol);
uint32_t fs_host_audio_inputs(const fs_host *host);
uint32_t fs_host_audio_outputs(const fs_host *host);

/* Instantiates at the given rate, connects every port, starts the worker. */
int fs_host_instantiate(fs_host *host, const fs_host_config *config, char *err,
                        size_t err_size);

/* Block buffers of channel c, valid after instantiation; in place they are
 * the same memory. */
float *fs_host_input_buffer(fs_host *host, uint32_t channel);
float *fs_host_output_buffer(fs_host *host, uint32_t channel);

/* State in a directory (state.ttl + manifest.ttl), through lilv.  Restore
 * before activation, save after fs_host_finish. */
int fs_host_restore_state(fs_host *host, const char *dir, char *err,
                          size_t err_size);
int fs_host_save_state(fs_host *host, const char *dir, char *err,
                       size_t err_size);

void fs_host_activate(fs_host *host);
/* Also done by fs_host_close; harmless when not active. */
void fs_host_deactivate(fs_host *host);
/* Connects audio input (or output) channel to the caller's memory instead
 * of the host's buffer, e.g. at an offset into a live stream's buffer.
 * Real-time safe: one call into the plugin's connect_port(). */
void fs_host_connect_audio(fs_host *host, bool input, uint32_t channel,
                           float *data);
/* One run() of n frames (1..max_block) and the worker's end of cycle.
 * Returns the wall time of run() alone, in nanoseconds. */
uint64_t fs_host_run(fs_host *host, uint32_t frames);
/* Lets the worker finish every pending request and delivers responses. */
void fs_host_finish(fs_host *host);

/* The control port with lv2:designation designation_uri (input or output),
 * e.g. LV2_CORE__freeWheeling or LV2_CORE__enabled; NULL if none. */
fs_port *fs_host_designated_port(fs_host *host, const char *designation_uri,
                                 bool input);

/* The value of the latency output (designation lv2:latency, or the
 * lv2:reportsLatency port), or NULL if the plugin has none. */
const fs_port *fs_host_latency_port(fs_host *host);

uint64_t fs_host_worker_scheduled(const fs_host *host);
uint64_t fs_host_worker_responses(const fs_host *host);

#endif

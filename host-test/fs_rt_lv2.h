/* fs_rt_lv2: one LV2 plugin instance, loaded through lilv, the way a live
 * host loads it.
 *
 * The host side offers urid:map/unmap, options (maxBlockLength and
 * nominalBlockLength set to the stream's frames per buffer) and
 * boundedBlockLength.  Every control port gets a float slot that stays
 * connected for the instance's life; audio ports are connected by the
 * caller, which owns the buffers.
 *
 * Threading: load/unload on the main thread; fs_rt_plugin_run() and the
 * control slots from the audio thread only while the stream runs. */
#ifndef FS_RT_LV2_H
#define FS_RT_LV2_H

#include <lilv/lilv.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>

#include <stdint.h>

#define FS_RT_MAX_AUDIO 2u
#define FS_RT_MAX_URIDS 128u

/* URIs mapped by the plugin, kept in a fixed table: a plugin maps while it
 * instantiates, never while the stream runs, so no lock is needed. */
typedef struct {
  char *uris[FS_RT_MAX_URIDS];
  uint32_t count;
} fs_rt_urid_table;

typedef struct {
  LilvWorld *world;
  const LilvPlugin *plugin;
  LilvInstance *instance;

  fs_rt_urid_table urids;
  LV2_URID_Map map;
  LV2_URID_Unmap unmap;
  int32_t max_block;
  int32_t nominal_block;
  LV2_Options_Option options[3];
  LV2_Feature feature_map, feature_unmap, feature_options, feature_bounded;
  const LV2_Feature *features[5];

  uint32_t n_ports;
  float *controls; /* one slot per port index; audio ports' slots unused */

  uint32_t n_audio_in, n_audio_out;
  uint32_t audio_in[FS_RT_MAX_AUDIO];  /* port indices, in port order */
  uint32_t audio_out[FS_RT_MAX_AUDIO];

  /* Port indices of the controls the harness drives or watches; -1 when
   * the plugin has no such port (a foreign plugin still runs). */
  int32_t port_chaos, port_tier, port_incidents, port_cause, port_latency;
} fs_rt_plugin;

/* Loads URI from LV2_PATH and instantiates it at rate for blocks of at
 * most block_frames.  Prints one line and returns -1 on failure. */
int fs_rt_plugin_load(fs_rt_plugin *p, const char *uri, double rate, uint32_t block_frames);

/* Sets a control input by symbol, before the stream starts.  -1 when the
 * plugin has no such control input. */
int fs_rt_plugin_set(fs_rt_plugin *p, const char *symbol, float value);

/* Value of a control output, NAN when the port does not exist. */
float fs_rt_plugin_output(const fs_rt_plugin *p, int32_t port);

void fs_rt_plugin_unload(fs_rt_plugin *p);

#endif

/* fs_host_features: what the lilv host core offers a plugin at
 * instantiation and around state: urid:map/unmap, options (block lengths,
 * sample rate), bufsz:boundedBlockLength, log:log, worker:schedule and the
 * state path features.
 *
 * Kept apart from the instance so the feature lists, the log and the
 * scratch folder each have one owner, and a live host can ask for the
 * plain set a simple live host offers (map, unmap, options, bounded block
 * length) without the offline host's log, worker and paths.
 *
 * Threading: set-up and teardown on the main thread; the log and path
 * callbacks may run on any thread the plugin calls them from. */
#ifndef FS_HOST_FEATURES_H
#define FS_HOST_FEATURES_H

#include "fs_host_urid.h"

#include <lilv/lilv.h>
#include <lv2/core/lv2.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/state/state.h>
#include <lv2/worker/worker.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longer plugin log messages are cut. */
enum { FS_LOG_LINE = 1024 };

/* Indices into the feature array; the instantiate list holds those the
 * configuration offers, the state list only those lilv does not add. */
enum {
  FS_FEATURE_MAP,
  FS_FEATURE_UNMAP,
  FS_FEATURE_OPTIONS,
  FS_FEATURE_BOUNDED,
  FS_FEATURE_LOG,
  FS_FEATURE_SCHEDULE,
  FS_FEATURE_MAKE_PATH,
  FS_FEATURE_MAP_PATH,
  FS_FEATURE_FREE_PATH,
  FS_FEATURE_COUNT
};

typedef struct fs_host_features_config {
  double sample_rate;
  uint32_t max_block;
  uint32_t nominal_block;
  bool quiet_log;   /* drop the plugin's note/trace messages */
  bool live_basic;  /* offer only map, unmap, options, bounded block length */
  const char *state_dir;  /* NULL: no makePath; mapPath relative to cwd */
  LV2_Worker_Schedule *schedule; /* NULL: no worker:schedule */
} fs_host_features_config;

typedef struct fs_host_features {
  fs_host_features_config config;
  fs_urid_table *urids;
  LV2_URID atom_Int, atom_Float;
  LV2_URID log_Error, log_Warning, log_Note, log_Trace;

  /* Option values must outlive the instance: the plugin may keep pointers. */
  int32_t option_min_block, option_max_block, option_nominal_block;
  float option_sample_rate;
  LV2_Options_Option options[5];
  LV2_Log_Log log;
  LV2_State_Make_Path make_path;
  LV2_State_Map_Path map_path;
  LV2_State_Free_Path free_path;
  LV2_Feature feature[FS_FEATURE_COUNT];
  const LV2_Feature *instantiate_list[FS_FEATURE_COUNT + 1];
  const LV2_Feature *state_list[FS_FEATURE_COUNT + 1];

  /* Messages logged during instantiate(): printed if it succeeds, folded
   * into the one error line if it fails. */
  bool capturing_log;
  uint32_t captured_count;
  struct {
    const char *level;
    char text[FS_LOG_LINE];
  } captured[8];

  char *path_base;   /* mapPath: abstract paths are relative to this */
  char *scratch_dir; /* makePath: created on first use, removed at destroy */
  bool keep_scratch; /* it is the state directory: never removed */
} fs_host_features;

/* Fills the feature lists.  features must not move afterwards: the
 * callbacks keep a pointer to it.  Returns -1 when out of memory. */
int fs_host_features_init(fs_host_features *features, fs_urid_table *urids,
                          const fs_host_features_config *config);
/* Removes the scratch folder unless it is the state directory. */
void fs_host_features_destroy(fs_host_features *features);

/* Every feature the plugin requires must be offered.  lv2:isLive,
 * lv2:hardRTCapable and lv2:inPlaceBroken are promises or demands about
 * the host's behaviour rather than data. */
int fs_host_features_check(const fs_host_features *features,
                           const LilvPlugin *plugin, bool in_place, char *err,
                           size_t err_size);

/* Holds back log messages while the plugin instantiates; the end prints
 * them when it succeeded.  The last one is the plugin's usual reason for
 * refusing, or NULL. */
void fs_host_features_capture_log(fs_host_features *features);
const char *fs_host_features_release_log(fs_host_features *features,
                                         bool print);

/* mkdir -p and "dir/name" (malloc'd), shared with state saving.  The
 * first returns 0 or an errno value, the second NULL when out of memory. */
int fs_host_make_directories(const char *path);
char *fs_host_join_path(const char *dir, const char *name);

#endif

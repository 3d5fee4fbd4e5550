/*
  fs_plugin_state: the plugin's LV2 worker and state interfaces, and the
  hand-over of strategy tables to the net (fs_plugin_state.c says how).
*/
#ifndef FS_PLUGIN_STATE_H
#define FS_PLUGIN_STATE_H

#include "fs_plugin.h"

#include <lv2/state/state.h>
#include <lv2/worker/worker.h>

/* For extension_data(): LV2_WORKER__interface and LV2_STATE__interface. */
extern const LV2_Worker_Interface fs_plugin_worker_interface;
extern const LV2_State_Interface fs_plugin_state_interface;

/* Instantiation class (run() is not running): a table to the net now, or,
   when the last one has not been taken yet, kept for run() to offer. */
void fs_plugin_deliver_table(fs_plugin *self, const fs_strategy_table *table);

#endif /* FS_PLUGIN_STATE_H */

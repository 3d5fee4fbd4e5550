/*
  fs_plugin: the plugin instance both LV2 units of plugin/ share.

  failsafe_lv2.c has the descriptor and the audio-side callbacks
  (instantiate, connect_port, activate, run, deactivate, cleanup);
  fs_plugin_state.c has the worker and state interfaces and the delivery of
  strategy tables to the net.  Nothing here is part of an API: the struct
  is the wrapper's own.
*/
#ifndef FS_PLUGIN_H
#define FS_PLUGIN_H

#include "fs_controls.h"
#include "fs_event_ring.h"
#include "fs_inline_display.h"
#include "fs_ports.h"
#include "fs_supervisor.h"
#include "fs_worker.h"

#include <lv2/log/logger.h>
#include <lv2/state/state.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <stdbool.h>
#include <stdint.h>

/* Messages between run() and the host's worker, told apart by their
   type field: run() asks for a drain; the worker answers with a new
   strategy table, or that it drained and has none. */
typedef enum {
  FS_MESSAGE_DRAIN = 1,   /* run() -> work(): there are records to drain */
  FS_MESSAGE_DRAINED = 2, /* work() -> work_response(): done, no new table */
  FS_MESSAGE_TABLE = 3,   /* work() -> work_response(): a new table */
} fs_message_type;

typedef struct {
  uint32_t type; /* fs_message_type */
} fs_message;

typedef struct {
  uint32_t type; /* FS_MESSAGE_TABLE */
  fs_strategy_table table;
} fs_table_message;

/* One instance, mono or stereo. */
typedef struct {
  /* Port buffers, as connected by the host (may be NULL until connected). */
  const float *control_in[FS_CONTROL_COUNT];
  float *latency;
  float *tier;
  float *health;
  float *incidents;
  float *cause;
  float *dsp_load;
  float *learned; /* after the audio ports: its index depends on the channels */
  const float *audio_in[FS_MAX_CHANNELS];
  float *audio_out[FS_MAX_CHANNELS];

  uint32_t channels;
  uint32_t nominal_block; /* announced by the host, else 0 */

  LV2_URID_Map *map; /* NULL without urid:map */
  LV2_URID model_key;
  LV2_URID chunk_type;
  LV2_Log_Logger logger;
  LV2_Worker_Schedule *schedule; /* NULL: no host worker, the spool below */
  const LV2_State_Make_Path *make_path; /* kept for the worker, which asks later */
  const LV2_State_Free_Path *free_path;

  fs_supervisor *supervisor;
  fs_worker *worker;
  /* Without a host worker: run() moves the records here, the non-audio
     callbacks drain it (run() is the supervisor ring's consumer then). */
  fs_event_ring *spool;

  /* Audio thread only: a drain is under way; a table from work_response
     waits for room in the supervisor. */
  bool drain_pending;
  bool table_waiting;
  fs_strategy_table waiting_table;

  fs_inline_display *display; /* NULL unless the host draws inline */
} fs_plugin;

#endif /* FS_PLUGIN_H */

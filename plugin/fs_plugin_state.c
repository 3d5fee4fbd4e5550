/*
  fs_plugin_state: the plugin's LV2 worker and state interfaces.

  - Worker: run() asks for a drain (FS_MESSAGE_DRAIN); work() drains the
    supervisor's incident ring into the journal and the learner on the
    host's worker thread, and answers with a new strategy table or with
    "drained"; work_response() hands the table to the net on the audio
    thread.  One request is in flight at most.
  - State: save() stores the learned model as one portable chunk under
    urn:failsafe:model; restore() loads it (a blob it cannot read leaves the
    defaults, with a warning) and gives its table to the net.

  Without a host worker these callbacks still work: save() learns from the
  spool run() fills (failsafe_lv2.c), and the journal is written at
  deactivate() and cleanup().
*/
#include "fs_plugin_state.h"

#include "fs_learner.h"

#include <lv2/atom/atom.h>

#include <stddef.h>
#include <string.h>

static const fs_message drained = {FS_MESSAGE_DRAINED};

/* Instantiation class (fs_plugin_state.h). */
void fs_plugin_deliver_table(fs_plugin *self, const fs_strategy_table *table) {
  if (!fs_supervisor_offer_table(self->supervisor, table)) {
    self->waiting_table = *table;
    self->table_waiting = true;
  }
}

/* ---- Worker (LV2 worker extension) ------------------------------------ */

/* Worker class: drain the ring; a new table goes back to the audio thread. */
static LV2_Worker_Status work(LV2_Handle instance, LV2_Worker_Respond_Function respond,
                              LV2_Worker_Respond_Handle handle, uint32_t size, const void *data) {
  fs_plugin *self = instance;
  fs_message message;
  if (size < sizeof(message) || !data) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  memcpy(&message, data, sizeof(message));
  if (message.type != FS_MESSAGE_DRAIN) {
    return LV2_WORKER_ERR_UNKNOWN;
  }
  fs_table_message answer = {.type = FS_MESSAGE_TABLE};
  if (fs_worker_drain(self->worker, &answer.table)) {
    return respond(handle, sizeof(answer), &answer);
  }
  return respond(handle, sizeof(drained), &drained);
}

/* Audio class: the worker's answer. */
static LV2_Worker_Status work_response(LV2_Handle instance, uint32_t size, const void *body) {
  fs_plugin *self = instance;
  self->drain_pending = false;
  fs_message message;
  if (size < sizeof(message) || !body) {
    return LV2_WORKER_SUCCESS;
  }
  memcpy(&message, body, sizeof(message));
  if (message.type == FS_MESSAGE_TABLE && size == sizeof(fs_table_message)) {
    memcpy(&self->waiting_table, (const uint8_t *)body + offsetof(fs_table_message, table), sizeof(fs_strategy_table));
    self->table_waiting = !fs_supervisor_offer_table(self->supervisor, &self->waiting_table);
  }
  return LV2_WORKER_SUCCESS;
}

const LV2_Worker_Interface fs_plugin_worker_interface = {work, work_response, NULL};

/* ---- State: the learned model travels with the host's session ---------- */

/* Any non-audio thread, maybe while run() runs.  Never waits for the
   journal: the model is saved under its own lock. */
static LV2_State_Status save(LV2_Handle instance, LV2_State_Store_Function store, LV2_State_Handle handle,
                             uint32_t flags, const LV2_Feature *const *features) {
  (void)flags;
  fs_plugin *self = instance;
  if (!self->map) {
    return LV2_STATE_ERR_NO_FEATURE;
  }
  /* The journal stays where it is.  A makePath offered here points into
     this save's own state folder, which a host may delete again (Ardour
     does when the state turns out unchanged), journal and all. */
  (void)features;
  if (self->spool) {
    /* No host worker: what the run taught so far goes into the model now;
       its records wait in memory for the next drain's journal. */
    fs_worker_learn(self->worker);
  }
  uint8_t blob[FS_LEARNER_BLOB_MAX];
  const size_t size = fs_worker_save(self->worker, blob, sizeof(blob));
  if (size == 0) {
    return LV2_STATE_ERR_UNKNOWN;
  }
  return store(handle, self->model_key, blob, size, self->chunk_type, LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE);
}

/* Instantiation class: never concurrent with run(). */
static LV2_State_Status restore(LV2_Handle instance, LV2_State_Retrieve_Function retrieve,
                                LV2_State_Handle handle, uint32_t flags, const LV2_Feature *const *features) {
  (void)flags;
  (void)features;
  fs_plugin *self = instance;
  if (!self->map) {
    return LV2_STATE_ERR_NO_FEATURE;
  }
  size_t size = 0;
  uint32_t type = 0, value_flags = 0;
  const void *blob = retrieve(handle, self->model_key, &size, &type, &value_flags);
  if (!blob) {
    return LV2_STATE_SUCCESS; /* saved before there was a model: defaults */
  }
  fs_strategy_table table;
  if (type != self->chunk_type) {
    lv2_log_warning(&self->logger, "failsafe: saved model has the wrong type; starting from the defaults\n");
    fs_worker_restore(self->worker, NULL, 0, &table);
  } else {
    fs_worker_restore(self->worker, blob, size, &table);
  }
  /* Offers otherwise come from the audio thread (work_response) or from
     deactivate(), neither of which runs during restore(). */
  fs_plugin_deliver_table(self, &table);
  return LV2_STATE_SUCCESS;
}

const LV2_State_Interface fs_plugin_state_interface = {save, restore};

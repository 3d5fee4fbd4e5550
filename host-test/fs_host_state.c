/* fs_host_state: see fs_host_state.h. */
#include "fs_host_state.h"

#include "fs_host_features.h"

#include <errno.h>
#include <lv2/state/state.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fs_host_state_restore(const fs_host_state_io *io, const char *dir,
                          char *err, size_t err_size) {
  struct stat info;
  if (stat(dir, &info) != 0) {
    snprintf(err, err_size, "cannot read state '%s': %s", dir,
             strerror(errno));
    return -1;
  }
  /* A state directory, or the state file itself. */
  char *file = S_ISDIR(info.st_mode) ? fs_host_join_path(dir, "state.ttl")
                                     : strdup(dir);
  if (!file) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  if (access(file, R_OK) != 0) {
    snprintf(err, err_size, "cannot read state '%s': %s", file,
             strerror(errno));
    free(file);
    return -1;
  }
  LilvState *state =
      lilv_state_new_from_file(io->world, &io->urids->map, NULL, file);
  if (!state) {
    snprintf(err, err_size, "cannot parse state '%s'", file);
    free(file);
    return -1;
  }
  const LilvNode *plugin_uri = lilv_plugin_get_uri(io->plugin);
  const LilvNode *applies_to = lilv_state_get_plugin_uri(state);
  if (!applies_to || !lilv_node_equals(applies_to, plugin_uri)) {
    snprintf(err, err_size, "state '%s' is for <%s>, not <%s>", file,
             applies_to ? lilv_node_as_uri(applies_to) : "?",
             lilv_node_as_uri(plugin_uri));
    lilv_state_free(state);
    free(file);
    return -1;
  }
  lilv_state_restore(state, io->instance, io->set_port, io->port_data, 0,
                     io->features);
  lilv_state_free(state);
  free(file);
  return 0;
}

int fs_host_state_save(const fs_host_state_io *io, const char *dir, char *err,
                       size_t err_size) {
  int status = fs_host_make_directories(dir);
  if (status != 0) {
    snprintf(err, err_size, "cannot create state directory '%s': %s", dir,
             strerror(status));
    return -1;
  }
  /* One directory serves as copy, link and save dir: a simple host saving
   * one plugin once needs no sharing between snapshots. */
  LilvState *state = lilv_state_new_from_instance(
      io->plugin, io->instance, &io->urids->map, io->scratch_dir, dir, dir,
      dir, io->get_port, io->port_data,
      LV2_STATE_IS_POD | LV2_STATE_IS_PORTABLE, io->features);
  if (!state) {
    snprintf(err, err_size, "plugin state could not be captured");
    return -1;
  }
  status = lilv_state_save(io->world, &io->urids->map, &io->urids->unmap,
                           state, NULL, dir, "state.ttl");
  lilv_state_free(state);
  if (status != 0) {
    snprintf(err, err_size, "cannot save state to '%s'", dir);
    return -1;
  }
  return 0;
}

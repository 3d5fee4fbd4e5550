/* fs_host_state: plugin state in a directory (state.ttl + manifest.ttl),
 * saved and restored through lilv for the host core.
 *
 * It knows lilv and the directory layout only; the control ports' values
 * come and go through the caller's port callbacks, so the port table
 * stays with the instance that owns it.  Main thread only. */
#ifndef FS_HOST_STATE_H
#define FS_HOST_STATE_H

#include "fs_host_urid.h"

#include <lilv/lilv.h>
#include <stddef.h>

typedef struct fs_host_state_io {
  LilvWorld *world;
  const LilvPlugin *plugin;
  LilvInstance *instance;
  fs_urid_table *urids;
  const LV2_Feature *const *features; /* without lilv's own path features */
  const char *scratch_dir; /* where makePath put files, or NULL */
  LilvSetPortValueFunc set_port;
  LilvGetPortValueFunc get_port;
  void *port_data;
} fs_host_state_io;

/* dir is a state directory or the state file itself. */
int fs_host_state_restore(const fs_host_state_io *io, const char *dir,
                          char *err, size_t err_size);
/* Creates dir when needed. */
int fs_host_state_save(const fs_host_state_io *io, const char *dir, char *err,
                       size_t err_size);

#endif

/* fs_host_urid: the host's URI <-> URID table behind urid:map/urid:unmap.
 *
 * A plugin may map from its worker thread while the processing thread maps
 * too, so every lookup takes a mutex.  The table only grows; URIDs are the
 * 1-based position of the URI in it, which keeps unmap a plain index. */
#ifndef FS_HOST_URID_H
#define FS_HOST_URID_H

#include <lv2/urid/urid.h>
#include <pthread.h>
#include <stddef.h>

typedef struct fs_urid_table {
  pthread_mutex_t lock;
  char **uris;     /* uris[id - 1] */
  size_t count;
  size_t capacity;
  LV2_URID_Map map;     /* handles point back at this table */
  LV2_URID_Unmap unmap;
} fs_urid_table;

/* The table must not move after init: map/unmap keep a pointer to it. */
int fs_urid_init(fs_urid_table *table);
void fs_urid_destroy(fs_urid_table *table);

/* Returns 0 only when out of memory (0 is never a valid URID). */
LV2_URID fs_urid_map(fs_urid_table *table, const char *uri);
/* NULL for an unknown URID. */
const char *fs_urid_unmap(fs_urid_table *table, LV2_URID urid);

#endif

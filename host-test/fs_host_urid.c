/* fs_host_urid: see fs_host_urid.h.
 *
 * A linear search is enough: plugins map a few dozen URIs, nearly all of
 * them at instantiation, and the processing loop never maps. */
#include "fs_host_urid.h"

#include <stdlib.h>
#include <string.h>

static LV2_URID map_callback(LV2_URID_Map_Handle handle, const char *uri) {
  return fs_urid_map(handle, uri);
}

static const char *unmap_callback(LV2_URID_Unmap_Handle handle, LV2_URID urid) {
  return fs_urid_unmap(handle, urid);
}

int fs_urid_init(fs_urid_table *table) {
  memset(table, 0, sizeof *table);
  if (pthread_mutex_init(&table->lock, NULL) != 0) return -1;
  table->map.handle = table;
  table->map.map = map_callback;
  table->unmap.handle = table;
  table->unmap.unmap = unmap_callback;
  return 0;
}

void fs_urid_destroy(fs_urid_table *table) {
  for (size_t i = 0; i < table->count; i++) free(table->uris[i]);
  free(table->uris);
  pthread_mutex_destroy(&table->lock);
  memset(table, 0, sizeof *table);
}

LV2_URID fs_urid_map(fs_urid_table *table, const char *uri) {
  if (!uri) return 0;
  LV2_URID found = 0;
  pthread_mutex_lock(&table->lock);
  for (size_t i = 0; i < table->count; i++) {
    if (strcmp(table->uris[i], uri) == 0) {
      found = (LV2_URID)(i + 1);
      break;
    }
  }
  if (!found) {
    if (table->count == table->capacity) {
      size_t grown = table->capacity ? table->capacity * 2 : 64;
      char **uris = realloc(table->uris, grown * sizeof *uris);
      if (!uris) goto out;
      table->uris = uris;
      table->capacity = grown;
    }
    char *copy = strdup(uri);
    if (!copy) goto out;
    table->uris[table->count++] = copy;
    found = (LV2_URID)table->count;
  }
out:
  pthread_mutex_unlock(&table->lock);
  return found;
}

const char *fs_urid_unmap(fs_urid_table *table, LV2_URID urid) {
  const char *uri = NULL;
  pthread_mutex_lock(&table->lock);
  if (urid >= 1 && urid <= table->count) uri = table->uris[urid - 1];
  pthread_mutex_unlock(&table->lock);
  return uri;
}

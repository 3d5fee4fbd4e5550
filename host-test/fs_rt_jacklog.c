/* fs_rt_jacklog: see fs_rt_jacklog.h. */
#include "fs_rt_jacklog.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fs_rt_jacklog_classify(const char *line) {
  if (strstr(line, "JackTimedDriver::Process XRun")) return FS_RT_XRUN_SERVER_LATE;
  if (!strstr(line, "was not finished")) return -1;
  if (strstr(line, "state = Triggered")) return FS_RT_XRUN_CLIENT_NOT_STARTED;
  if (strstr(line, "state = Running")) return FS_RT_XRUN_CLIENT_RUNNING;
  return FS_RT_XRUN_CLIENT_OTHER;
}

int fs_rt_jacklog_open(fs_rt_jacklog *l, const char *path, size_t capacity) {
  memset(l, 0, sizeof *l);
  l->fd = -1;
  l->notes = calloc(capacity ? capacity : 1, sizeof *l->notes);
  if (!l->notes) return -1;
  l->capacity = capacity;
  l->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (l->fd < 0 || lseek(l->fd, 0, SEEK_END) < 0) {
    fs_rt_jacklog_close(l);
    return -1;
  }
  return 0;
}

static void note_line(fs_rt_jacklog *l, const char *line, uint64_t callbacks) {
  const int kind = fs_rt_jacklog_classify(line);
  if (kind < 0) return;
  if (l->count == l->capacity) {
    ++l->lost;
    return;
  }
  l->notes[l->count++] = (fs_rt_xrun_note){callbacks, (fs_rt_xrun_kind)kind};
}

void fs_rt_jacklog_poll(fs_rt_jacklog *l, uint64_t callbacks) {
  if (l->fd < 0) return;
  char chunk[4096];
  ssize_t got;
  while ((got = read(l->fd, chunk, sizeof chunk)) > 0) {
    for (ssize_t i = 0; i < got; ++i) {
      if (chunk[i] == '\n') {
        l->partial[l->partial_len] = '\0';
        note_line(l, l->partial, callbacks);
        l->partial_len = 0;
      } else if (l->partial_len + 1 < sizeof l->partial) {
        l->partial[l->partial_len++] = chunk[i]; /* a longer line keeps its start */
      }
    }
  }
}

void fs_rt_jacklog_close(fs_rt_jacklog *l) {
  if (l->fd >= 0) close(l->fd);
  l->fd = -1;
  free(l->notes);
  l->notes = NULL;
  l->count = l->capacity = 0;
}

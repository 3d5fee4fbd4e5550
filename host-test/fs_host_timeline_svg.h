/* fs_host_timeline_svg: draws what fs_host_timeline collected as one SVG
 * file.  Kept apart from the collecting so the run's loop does not carry
 * the picture's geometry and styles.  Main thread, after the run. */
#ifndef FS_HOST_TIMELINE_SVG_H
#define FS_HOST_TIMELINE_SVG_H

#include "fs_host_timeline.h"

#include <stddef.h>

/* Text around the picture; any field may be NULL. */
typedef struct fs_timeline_titles {
  const char *plugin_uri;
  const char *input_path;
  double ceiling_dbfs; /* drawn as a dashed line when finite */
} fs_timeline_titles;

/* Writes the SVG.  Returns 0, or -1 with a one-line reason in err. */
int fs_timeline_write_svg(const fs_timeline *timeline, const char *path,
                          const fs_timeline_titles *titles, char *err,
                          size_t err_size);

#endif

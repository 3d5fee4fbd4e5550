/*
  fs_inline_display: a small strip chart for hosts that draw plugins inline
  in their mixer strips (Ardour's inline-display extension).

  The audio thread notes the tier, health and incidents every 50 ms of audio
  into a lock-free history (one atomic word per column) and asks the host,
  at most ten times a second, to redraw.  The host's GUI thread calls
  render(), which paints the history into a buffer allocated at
  instantiation: tier as a coloured band (green full, amber light, red
  bypass), health as a line, incidents as white ticks.

  Without the host feature none of this exists and nothing changes.

  Threading: create/destroy instantiation class; note() audio class;
  render() the host's GUI thread.
*/
#ifndef FS_INLINE_DISPLAY_H
#define FS_INLINE_DISPLAY_H

#include "fs_supervisor.h"

#include <lv2/core/lv2.h>

#define FS_INLINE_DISPLAY_PREFIX "http://harrisonconsoles.com/lv2/inlinedisplay#"
#define FS_INLINE_DISPLAY__interface FS_INLINE_DISPLAY_PREFIX "interface"
#define FS_INLINE_DISPLAY__queue_draw FS_INLINE_DISPLAY_PREFIX "queue_draw"

/* The extension's types, as the extension defines them: an ARGB32 image
   owned by the plugin, valid from the first render() until cleanup. */
typedef struct {
  unsigned char *data;
  int width;
  int height;
  int stride;
} fs_inline_display_surface;

typedef struct {
  fs_inline_display_surface *(*render)(LV2_Handle instance, uint32_t width, uint32_t max_height);
} fs_inline_display_interface;

typedef struct {
  void *handle;
  void (*queue_draw)(void *handle);
} fs_inline_display_queue;

typedef struct fs_inline_display fs_inline_display;

/* Instantiation. */
fs_inline_display *fs_inline_display_create(double sample_rate, const fs_inline_display_queue *queue);
void fs_inline_display_destroy(fs_inline_display *display);

/* Audio.  Called after each run() with the supervisor's status. */
void fs_inline_display_note(fs_inline_display *display, const fs_status *status);

/* GUI thread.  Paints the history; NULL for a NULL display. */
fs_inline_display_surface *fs_inline_display_render(fs_inline_display *display, uint32_t width, uint32_t max_height);

#endif

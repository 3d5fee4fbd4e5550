#include "fs_inline_display.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS 512u          /* history kept, and the widest image drawn */
#define MAX_HEIGHT 128u
#define COLUMN_SECONDS 0.05   /* audio per column */
#define REDRAW_SECONDS 0.1    /* at most ten redraw requests a second */

/* One column, packed so it travels in a single atomic word:
   bit 31 valid, bits 0-1 tier, 2 incident, 3-9 health (0..100). */
#define COLUMN_VALID 0x80000000u

struct fs_inline_display {
  fs_inline_display_queue queue;
  uint64_t column_samples;
  uint64_t redraw_samples;

  /* Audio thread. */
  uint64_t next_column_at;
  uint64_t next_redraw_at;
  uint32_t last_incidents;
  bool incident_in_column;

  /* Shared: the audio thread writes columns, then publishes the count. */
  _Atomic uint32_t columns[COLUMNS];
  atomic_uint_fast64_t written;

  /* GUI thread. */
  fs_inline_display_surface surface;
  uint32_t *pixels;
};

fs_inline_display *fs_inline_display_create(double sample_rate, const fs_inline_display_queue *queue) {
  fs_inline_display *d = calloc(1, sizeof(*d));
  if (!d) {
    return NULL;
  }
  d->pixels = calloc((size_t)COLUMNS * MAX_HEIGHT, sizeof(uint32_t));
  if (!d->pixels) {
    free(d);
    return NULL;
  }
  d->queue = *queue;
  d->column_samples = (uint64_t)(COLUMN_SECONDS * sample_rate);
  d->redraw_samples = (uint64_t)(REDRAW_SECONDS * sample_rate);
  for (uint32_t i = 0; i < COLUMNS; ++i) {
    atomic_init(&d->columns[i], 0u);
  }
  atomic_init(&d->written, 0u);
  return d;
}

void fs_inline_display_destroy(fs_inline_display *d) {
  if (d) {
    free(d->pixels);
    free(d);
  }
}

void fs_inline_display_note(fs_inline_display *d, const fs_status *status) {
  if (status->incidents != d->last_incidents) {
    d->incident_in_column = true;
    d->last_incidents = status->incidents;
  }
  if (status->position < d->next_column_at) {
    return;
  }
  d->next_column_at = status->position + d->column_samples;
  const uint32_t health = status->health > 0.0f ? (uint32_t)(status->health + 0.5f) : 0u;
  const uint32_t word = COLUMN_VALID | ((uint32_t)status->tier & 3u) | (d->incident_in_column ? 4u : 0u) |
                        ((health > 100u ? 100u : health) << 3);
  d->incident_in_column = false;
  const uint64_t n = atomic_load_explicit(&d->written, memory_order_relaxed);
  atomic_store_explicit(&d->columns[n % COLUMNS], word, memory_order_relaxed);
  atomic_store_explicit(&d->written, n + 1, memory_order_release);
  if (status->position >= d->next_redraw_at) {
    d->next_redraw_at = status->position + d->redraw_samples;
    d->queue.queue_draw(d->queue.handle);
  }
}

/* Opaque ARGB32 colours. */
#define BACKGROUND 0xff1a1a1au
#define TIER_FULL 0xff2e8b57u
#define TIER_LIGHT 0xffd9a21bu
#define TIER_BYPASS 0xffc0392bu
#define HEALTH_LINE 0xffe8e8e8u
#define INCIDENT 0xffffffffu

fs_inline_display_surface *fs_inline_display_render(fs_inline_display *d, uint32_t width, uint32_t max_height) {
  if (!d) {
    return NULL;
  }
  const uint32_t w = width < 8 ? 8 : (width > COLUMNS ? COLUMNS : width);
  uint32_t h = w / 4;
  h = h < 16 ? 16 : h;
  h = h > max_height ? max_height : h;
  h = h > MAX_HEIGHT ? MAX_HEIGHT : h;
  if (h < 4) {
    h = 4;
  }
  for (uint32_t i = 0; i < w * h; ++i) {
    d->pixels[i] = BACKGROUND;
  }
  const uint64_t written = atomic_load_explicit(&d->written, memory_order_acquire);
  const uint32_t band_top = h / 2; /* lower half: the tier band */
  for (uint32_t x = 0; x < w; ++x) {
    /* The newest column at the right edge. */
    const uint64_t age = w - 1 - x;
    if (age >= written || age >= COLUMNS) {
      continue;
    }
    const uint32_t word = atomic_load_explicit(&d->columns[(written - 1 - age) % COLUMNS], memory_order_relaxed);
    if (!(word & COLUMN_VALID)) {
      continue;
    }
    const uint32_t tier = word & 3u;
    const uint32_t colour = tier == 0 ? TIER_FULL : (tier == 1 ? TIER_LIGHT : TIER_BYPASS);
    for (uint32_t y = band_top; y < h; ++y) {
      d->pixels[y * w + x] = colour;
    }
    /* Health in the upper half: 100 at the top, 0 at the band. */
    const uint32_t health = (word >> 3) & 127u;
    const uint32_t y = (band_top - 1) - (band_top - 1) * health / 100u;
    d->pixels[y * w + x] = HEALTH_LINE;
    if (word & 4u) {
      for (uint32_t yy = 0; yy < band_top; ++yy) {
        d->pixels[yy * w + x] = INCIDENT;
      }
    }
  }
  d->surface = (fs_inline_display_surface){
      .data = (unsigned char *)d->pixels, .width = (int)w, .height = (int)h, .stride = (int)(w * 4)};
  return &d->surface;
}

/*
  fs_event_ring: single-producer, single-consumer, lock-free ring of
  fs_event records (C11 atomics).

  The audio thread pushes and never waits: when the ring is full the record
  is counted as dropped and the push returns at once.  The worker pops.

  Threading: create/destroy instantiation class; push audio class (one
  producer); pop and dropped worker class (one consumer).  Pop never
  blocks either, so the audio thread may be the one consumer (the plugin's
  run() moves records into a spool when the host has no worker).
*/
#ifndef FS_EVENT_RING_H
#define FS_EVENT_RING_H

#include "fs_event.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct fs_event_ring fs_event_ring;

/* capacity is rounded up to a power of two. */
fs_event_ring *fs_event_ring_create(uint32_t capacity);
void fs_event_ring_destroy(fs_event_ring *ring);

/* Producer.  false (and one more dropped) when full. */
bool fs_event_ring_push(fs_event_ring *ring, const fs_event *event);

/* Consumer.  false when empty. */
bool fs_event_ring_pop(fs_event_ring *ring, fs_event *event);

/* Records waiting now (approximate from either side). */
uint32_t fs_event_ring_size(const fs_event_ring *ring);

/* Records lost to a full ring since creation. */
uint64_t fs_event_ring_dropped(const fs_event_ring *ring);

/* Slots in the ring. */
uint32_t fs_event_ring_capacity(const fs_event_ring *ring);

#endif

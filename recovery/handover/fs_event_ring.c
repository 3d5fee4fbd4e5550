#include "fs_event_ring.h"

#include <stdatomic.h>
#include <stdlib.h>

struct fs_event_ring {
  uint32_t mask; /* capacity - 1 */
  /* head: next slot to write, owned by the producer; tail: next slot to
     read, owned by the consumer.  Each side reads the other's index with
     acquire and publishes its own with release, so a record is complete
     before it is visible. */
  _Alignas(64) atomic_uint_fast32_t head;
  _Alignas(64) atomic_uint_fast32_t tail;
  _Alignas(64) atomic_uint_fast64_t dropped;
  fs_event *slots;
};

fs_event_ring *fs_event_ring_create(uint32_t capacity) {
  uint32_t size = 2;
  while (size < capacity && size < (1u << 30)) {
    size <<= 1;
  }
  fs_event_ring *ring = aligned_alloc(64, (sizeof(*ring) + 63) / 64 * 64);
  if (!ring) {
    return NULL;
  }
  ring->slots = calloc(size, sizeof(fs_event));
  if (!ring->slots) {
    free(ring);
    return NULL;
  }
  ring->mask = size - 1;
  atomic_init(&ring->head, 0);
  atomic_init(&ring->tail, 0);
  atomic_init(&ring->dropped, 0);
  return ring;
}

void fs_event_ring_destroy(fs_event_ring *ring) {
  if (ring) {
    free(ring->slots);
    free(ring);
  }
}

bool fs_event_ring_push(fs_event_ring *ring, const fs_event *event) {
  const uint32_t head = (uint32_t)atomic_load_explicit(&ring->head, memory_order_relaxed);
  const uint32_t tail = (uint32_t)atomic_load_explicit(&ring->tail, memory_order_acquire);
  if (head - tail > ring->mask) {
    atomic_fetch_add_explicit(&ring->dropped, 1, memory_order_relaxed);
    return false;
  }
  ring->slots[head & ring->mask] = *event;
  atomic_store_explicit(&ring->head, (uint32_t)(head + 1), memory_order_release);
  return true;
}

bool fs_event_ring_pop(fs_event_ring *ring, fs_event *event) {
  const uint32_t tail = (uint32_t)atomic_load_explicit(&ring->tail, memory_order_relaxed);
  const uint32_t head = (uint32_t)atomic_load_explicit(&ring->head, memory_order_acquire);
  if (head == tail) {
    return false;
  }
  *event = ring->slots[tail & ring->mask];
  atomic_store_explicit(&ring->tail, (uint32_t)(tail + 1), memory_order_release);
  return true;
}

uint32_t fs_event_ring_size(const fs_event_ring *ring) {
  const uint32_t head = (uint32_t)atomic_load_explicit(&ring->head, memory_order_acquire);
  const uint32_t tail = (uint32_t)atomic_load_explicit(&ring->tail, memory_order_acquire);
  return head - tail;
}

uint64_t fs_event_ring_dropped(const fs_event_ring *ring) {
  return atomic_load_explicit(&ring->dropped, memory_order_relaxed);
}

uint32_t fs_event_ring_capacity(const fs_event_ring *ring) { return ring->mask + 1; }

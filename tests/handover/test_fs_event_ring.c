/* fs_event_ring: order, capacity, drops, and a two-thread stress run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>

#include "fs_event_ring.h"

static void fifo_order_and_capacity(void **state) {
  (void)state;
  fs_event_ring *ring = fs_event_ring_create(5); /* rounds up to 8 */
  assert_non_null(ring);
  assert_int_equal(fs_event_ring_capacity(ring), 8);
  fs_event e = {0}, out;
  assert_false(fs_event_ring_pop(ring, &out));
  for (uint32_t i = 1; i <= 8; ++i) {
    e.id = i;
    assert_true(fs_event_ring_push(ring, &e));
  }
  e.id = 99;
  assert_false(fs_event_ring_push(ring, &e)); /* full: dropped, not waited for */
  assert_int_equal(fs_event_ring_dropped(ring), 1);
  assert_int_equal(fs_event_ring_size(ring), 8);
  for (uint32_t i = 1; i <= 8; ++i) {
    assert_true(fs_event_ring_pop(ring, &out));
    assert_int_equal(out.id, i);
  }
  assert_false(fs_event_ring_pop(ring, &out));
  fs_event_ring_destroy(ring);
  fs_event_ring_destroy(NULL);
}

#define STRESS_EVENTS 2000000u

static void *consume(void *arg) {
  fs_event_ring *ring = arg;
  uint32_t expected = 1;
  fs_event e;
  while (expected <= STRESS_EVENTS) {
    if (fs_event_ring_pop(ring, &e)) {
      /* Every record arrives whole and in order (the producer retries
         dropped ones here, so none is missing). */
      if (e.id != expected || e.position != (uint64_t)expected * 3u || e.value != (float)(expected % 1000)) {
        return (void *)1;
      }
      ++expected;
    }
  }
  return NULL;
}

static void two_threads_pass_every_record_intact(void **state) {
  (void)state;
  fs_event_ring *ring = fs_event_ring_create(64);
  pthread_t consumer;
  assert_int_equal(pthread_create(&consumer, NULL, consume, ring), 0);
  fs_event e = {0};
  for (uint32_t i = 1; i <= STRESS_EVENTS; ++i) {
    e.id = i;
    e.position = (uint64_t)i * 3u;
    e.value = (float)(i % 1000);
    while (!fs_event_ring_push(ring, &e)) {
    }
  }
  void *result = NULL;
  pthread_join(consumer, &result);
  assert_null(result);
  fs_event_ring_destroy(ring);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(fifo_order_and_capacity),
      cmocka_unit_test(two_threads_pass_every_record_intact),
  };
  return cmocka_run_group_tests_name("fs_event_ring", tests, NULL, NULL);
}

/* fs_host_worker: see fs_host_worker.h. */
#include "fs_host_worker.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Large enough for any sane message; a plugin that needs more gets
 * LV2_WORKER_ERR_NO_SPACE, as the extension allows. */
enum { FS_RING_BYTES = 1 << 16 };

/* A byte ring of length-prefixed messages.  The caller holds the lock that
 * guards it; read/write are running byte counts, so used = write - read. */
typedef struct fs_ring {
  unsigned char bytes[FS_RING_BYTES];
  size_t read;
  size_t write;
} fs_ring;

static void ring_copy_in(fs_ring *ring, const void *src, size_t size) {
  const unsigned char *from = src;
  for (size_t i = 0; i < size; i++)
    ring->bytes[(ring->write + i) % FS_RING_BYTES] = from[i];
  ring->write += size;
}

static void ring_copy_out(fs_ring *ring, void *dst, size_t size) {
  unsigned char *to = dst;
  for (size_t i = 0; i < size; i++)
    to[i] = ring->bytes[(ring->read + i) % FS_RING_BYTES];
  ring->read += size;
}

static bool ring_push(fs_ring *ring, uint32_t size, const void *data) {
  size_t free_bytes = FS_RING_BYTES - (ring->write - ring->read);
  if ((size_t)size + sizeof size > free_bytes) return false;
  ring_copy_in(ring, &size, sizeof size);
  ring_copy_in(ring, data, size);
  return true;
}

static bool ring_empty(const fs_ring *ring) { return ring->read == ring->write; }

/* Pops one message into out (FS_RING_BYTES long); returns its size. */
static uint32_t ring_pop(fs_ring *ring, void *out) {
  uint32_t size;
  ring_copy_out(ring, &size, sizeof size);
  ring_copy_out(ring, out, size);
  return size;
}

struct fs_worker {
  bool synchronous;
  LV2_Worker_Schedule schedule;
  const LV2_Worker_Interface *iface;
  LV2_Handle plugin;

  /* Requests: processing thread -> worker thread. */
  pthread_mutex_t request_lock;
  pthread_cond_t request_ready; /* a request arrived, or quit */
  pthread_cond_t request_idle;  /* ring empty and no work() running */
  fs_ring requests;
  bool working;
  bool quit;
  bool thread_started;
  pthread_t thread;
  unsigned char request_scratch[FS_RING_BYTES];

  /* Responses: worker (or processing) thread -> processing thread. */
  pthread_mutex_t response_lock;
  fs_ring responses;
  unsigned char response_scratch[FS_RING_BYTES];

  uint64_t scheduled;
  uint64_t delivered;
};

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle handle,
                                 uint32_t size, const void *data) {
  fs_worker *worker = handle;
  pthread_mutex_lock(&worker->response_lock);
  bool pushed = ring_push(&worker->responses, size, data);
  pthread_mutex_unlock(&worker->response_lock);
  return pushed ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static LV2_Worker_Status schedule_work(LV2_Worker_Schedule_Handle handle,
                                       uint32_t size, const void *data) {
  fs_worker *worker = handle;
  if (!worker->iface || !worker->iface->work) return LV2_WORKER_ERR_UNKNOWN;
  if (worker->synchronous) {
    worker->scheduled++;
    return worker->iface->work(worker->plugin, respond, worker, size, data);
  }
  pthread_mutex_lock(&worker->request_lock);
  bool pushed = ring_push(&worker->requests, size, data);
  if (pushed) {
    worker->scheduled++;
    pthread_cond_signal(&worker->request_ready);
  }
  pthread_mutex_unlock(&worker->request_lock);
  return pushed ? LV2_WORKER_SUCCESS : LV2_WORKER_ERR_NO_SPACE;
}

static void *worker_thread(void *arg) {
  fs_worker *worker = arg;
  pthread_mutex_lock(&worker->request_lock);
  for (;;) {
    if (!ring_empty(&worker->requests)) {
      uint32_t size = ring_pop(&worker->requests, worker->request_scratch);
      worker->working = true;
      /* work() may take long: never hold the lock the processing thread
       * needs to schedule more. */
      pthread_mutex_unlock(&worker->request_lock);
      worker->iface->work(worker->plugin, respond, worker, size,
                          worker->request_scratch);
      pthread_mutex_lock(&worker->request_lock);
      worker->working = false;
      continue;
    }
    pthread_cond_broadcast(&worker->request_idle);
    if (worker->quit) break;
    pthread_cond_wait(&worker->request_ready, &worker->request_lock);
  }
  pthread_mutex_unlock(&worker->request_lock);
  return NULL;
}

fs_worker *fs_worker_new(bool synchronous) {
  fs_worker *worker = calloc(1, sizeof *worker);
  if (!worker) return NULL;
  worker->synchronous = synchronous;
  worker->schedule.handle = worker;
  worker->schedule.schedule_work = schedule_work;
  pthread_mutex_init(&worker->request_lock, NULL);
  pthread_cond_init(&worker->request_ready, NULL);
  pthread_cond_init(&worker->request_idle, NULL);
  pthread_mutex_init(&worker->response_lock, NULL);
  return worker;
}

void fs_worker_free(fs_worker *worker) {
  if (!worker) return;
  if (worker->thread_started) {
    pthread_mutex_lock(&worker->request_lock);
    worker->quit = true;
    pthread_cond_signal(&worker->request_ready);
    pthread_mutex_unlock(&worker->request_lock);
    pthread_join(worker->thread, NULL);
  }
  pthread_mutex_destroy(&worker->request_lock);
  pthread_cond_destroy(&worker->request_ready);
  pthread_cond_destroy(&worker->request_idle);
  pthread_mutex_destroy(&worker->response_lock);
  free(worker);
}

LV2_Worker_Schedule *fs_worker_schedule_feature(fs_worker *worker) {
  return &worker->schedule;
}

int fs_worker_start(fs_worker *worker, const LV2_Worker_Interface *iface,
                    LV2_Handle plugin) {
  worker->plugin = plugin;
  worker->iface = iface;
  if (!iface || !iface->work || worker->synchronous) return 0;
  if (pthread_create(&worker->thread, NULL, worker_thread, worker) != 0) {
    worker->iface = NULL;
    return -1;
  }
  worker->thread_started = true;
  return 0;
}

void fs_worker_end_cycle(fs_worker *worker) {
  if (!worker->iface) return;
  for (;;) {
    pthread_mutex_lock(&worker->response_lock);
    bool empty = ring_empty(&worker->responses);
    uint32_t size = 0;
    if (!empty) size = ring_pop(&worker->responses, worker->response_scratch);
    pthread_mutex_unlock(&worker->response_lock);
    if (empty) break;
    if (worker->iface->work_response)
      worker->iface->work_response(worker->plugin, size,
                                   worker->response_scratch);
    worker->delivered++;
  }
  if (worker->iface->end_run) worker->iface->end_run(worker->plugin);
}

void fs_worker_finish(fs_worker *worker) {
  if (worker->thread_started) {
    pthread_mutex_lock(&worker->request_lock);
    while (!ring_empty(&worker->requests) || worker->working)
      pthread_cond_wait(&worker->request_idle, &worker->request_lock);
    pthread_mutex_unlock(&worker->request_lock);
  }
  fs_worker_end_cycle(worker);
}

uint64_t fs_worker_scheduled(const fs_worker *worker) { return worker->scheduled; }
uint64_t fs_worker_responses(const fs_worker *worker) { return worker->delivered; }

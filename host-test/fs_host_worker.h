/* fs_host_worker: the host side of the LV2 worker extension.
 *
 * Threaded (the default, like a live host): schedule_work() copies the
 * request into a mutex-protected ring and wakes a worker thread, which calls
 * the plugin's work().  work()'s responses go into a second ring, and the
 * processing thread hands them to work_response() after each run(), then
 * calls end_run().
 *
 * Synchronous (like an offline renderer): schedule_work() calls work() at
 * once, on the processing thread.  Responses still wait for the end of the
 * cycle, exactly as in threaded mode, so a plugin sees the same call order
 * whenever its work finishes within the block. */
#ifndef FS_HOST_WORKER_H
#define FS_HOST_WORKER_H

#include <lv2/core/lv2.h>
#include <lv2/worker/worker.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_worker fs_worker;

fs_worker *fs_worker_new(bool synchronous);
/* Stops the thread if it runs; undelivered responses are dropped. */
void fs_worker_free(fs_worker *worker);

/* The worker:schedule feature data, valid for the worker's lifetime. */
LV2_Worker_Schedule *fs_worker_schedule_feature(fs_worker *worker);

/* Binds the plugin's worker interface after instantiation and, in threaded
 * mode, starts the thread.  Returns 0, or -1 if the thread cannot start.
 * Until then (or without an interface) schedule_work() fails politely. */
int fs_worker_start(fs_worker *worker, const LV2_Worker_Interface *iface,
                    LV2_Handle plugin);

/* After every run(): work_response() for each queued response, then
 * end_run() if the plugin has it. */
void fs_worker_end_cycle(fs_worker *worker);

/* Waits until every scheduled request has been worked on, then delivers the
 * responses as fs_worker_end_cycle() does.  Used before saving state and at
 * the end of a file so that no request is lost. */
void fs_worker_finish(fs_worker *worker);

uint64_t fs_worker_scheduled(const fs_worker *worker);
uint64_t fs_worker_responses(const fs_worker *worker);

#endif

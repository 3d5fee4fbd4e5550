/* Helpers shared by the worker-side tests: records and scratch directories
   (the seeded generator is tests/support/test_random.h).  Header-only, static, no global state. */
#ifndef WORKER_TEST_H
#define WORKER_TEST_H

#include "fs_event.h"
#include "test_random.h"

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A plausible record with every context field set. */
static inline fs_event test_event(uint32_t kind, uint32_t id, uint16_t cause, uint8_t action) {
  fs_event e;
  memset(&e, 0, sizeof(e));
  e.kind = kind;
  e.id = id;
  e.position = (uint64_t)id * 48000u;
  e.cause = cause;
  e.detector = 1;
  e.action = action;
  e.tier_before = 0;
  e.tier_after = 1;
  e.value = 1.0f;
  e.threshold = 0.5f;
  e.input_db = -12.0f;
  e.output_db = -10.0f;
  e.reduction_db = 15.0f;
  e.ceiling_db = -1.0f;
  e.xfade_ms = 10.0f;
  e.budget_pct = 50.0f;
  e.dsp_load = 20.0f;
  e.sample_rate = 48000.0f;
  e.block = 256;
  e.to_safe = 480;
  return e;
}

static inline fs_event test_outcome(uint32_t id, uint16_t cause, uint8_t action, int success) {
  fs_event e = test_event(FS_EVENT_OUTCOME, id, cause, action);
  e.success = success ? 1 : 0;
  return e;
}

static int test_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* mkdtemp under TMPDIR (or /tmp); path holds at least 256 bytes. */
static inline void test_make_dir(char *path, size_t cap, const char *tag) {
  const char *base = getenv("TMPDIR");
  snprintf(path, cap, "%s/fs-%s-XXXXXX", base && *base ? base : "/tmp", tag);
  if (!mkdtemp(path)) {
    perror("mkdtemp");
    abort();
  }
}

static inline void test_remove_tree(const char *path) {
  nftw(path, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif

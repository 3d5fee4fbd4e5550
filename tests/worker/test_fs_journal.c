/* fs_journal: path resolution, JSON Lines that parse back to the same
   records, rotation, write errors counted instead of fatal, and planted
   symlinks, FIFOs and devices refused without blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_journal.h"
#include "fs_journal_reader.h"
#include "fs_journal_schema.h"
#include "fs_json_text.h"
#include "fs_report.h"
#include "worker_test.h"

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static long file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void touch(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fclose(f);
}

static void resolves_in_documented_order(void **state) {
  (void)state;
  char dir[200], path[1024], expect[512], sub[400], joined[1024];
  test_make_dir(dir, sizeof(dir), "resolve");

  snprintf(sub, sizeof(sub), "%s/state/x", dir);
  assert_int_equal(fs_journal_resolve_path_from(sub, "/nonexistent/env", NULL, NULL, path, sizeof(path)), 0);
  snprintf(expect, sizeof(expect), "%s/journal.jsonl", sub);
  assert_string_equal(path, expect);
  assert_true(exists(sub)); /* created */

  snprintf(sub, sizeof(sub), "%s/env/my.jsonl", dir); /* a file path */
  assert_int_equal(fs_journal_resolve_path_from(NULL, sub, "/x", "/y", path, sizeof(path)), 0);
  assert_string_equal(path, sub);
  snprintf(expect, sizeof(expect), "%s/env", dir);
  assert_true(exists(expect));

  /* An existing directory, or a trailing slash, takes the file name. */
  assert_int_equal(fs_journal_resolve_path_from("", expect, NULL, NULL, path, sizeof(path)), 0);
  snprintf(joined, sizeof(joined), "%s/journal.jsonl", expect);
  assert_string_equal(path, joined);
  snprintf(sub, sizeof(sub), "%s/slash/", dir);
  assert_int_equal(fs_journal_resolve_path_from(NULL, sub, NULL, NULL, path, sizeof(path)), 0);
  snprintf(expect, sizeof(expect), "%s/slash//journal.jsonl", dir);
  assert_string_equal(path, expect);

  assert_int_equal(fs_journal_resolve_path_from(NULL, "", dir, "/y", path, sizeof(path)), 0);
  snprintf(expect, sizeof(expect), "%s/failsafe/journal.jsonl", dir);
  assert_string_equal(path, expect);

  assert_int_equal(fs_journal_resolve_path_from(NULL, NULL, NULL, dir, path, sizeof(path)), 0);
  snprintf(expect, sizeof(expect), "%s/.local/state/failsafe/journal.jsonl", dir);
  assert_string_equal(path, expect);
  snprintf(expect, sizeof(expect), "%s/.local/state/failsafe", dir);
  assert_true(exists(expect));

  assert_int_equal(fs_journal_resolve_path_from(NULL, NULL, NULL, NULL, path, sizeof(path)), -1);
  assert_int_equal(fs_journal_resolve_path_from(dir, NULL, NULL, NULL, path, 8), -1); /* too long */

  /* A directory that cannot be made: its parent is a regular file. */
  snprintf(sub, sizeof(sub), "%s/plain", dir);
  touch(sub);
  snprintf(expect, sizeof(expect), "%s/plain/below", dir);
  assert_int_equal(fs_journal_resolve_path_from(expect, NULL, NULL, NULL, path, sizeof(path)), -1);

  /* The environment variant reads the real environment. */
  setenv("FAILSAFE_JOURNAL", sub, 1);
  assert_int_equal(fs_journal_resolve_path(NULL, path, sizeof(path)), 0);
  assert_string_equal(path, sub);
  unsetenv("FAILSAFE_JOURNAL");
  test_remove_tree(dir);
}

static fs_event sample_event(uint32_t i) {
  fs_event e = test_event(FS_EVENT_ONSET + i % 5, i, (uint16_t)(i % FS_CAUSE_COUNT),
                          (uint8_t)(i % FS_STRATEGY_COUNT));
  e.position = 1234567890123ull + i;
  e.detector = (uint16_t)(i * 7);
  e.tier_before = (uint8_t)(i % 3);
  e.tier_after = (uint8_t)((i + 1) % 3);
  e.tier = (uint8_t)(i % 2);
  e.chaos = (uint8_t)(i % 7);
  e.success = (uint8_t)(i % 2);
  e.value = 0.123456789f * (float)i;
  e.threshold = 1e-7f * (float)i;
  e.input_db = -3.25f - (float)i;
  e.output_db = i % 4 ? -120.5f : NAN; /* non-finite: written as null */
  e.dsp_load = i % 5 ? 33.3f : INFINITY;
  e.block = 1u + i;
  e.to_safe = 480u + i;
  e.to_full = 48000u * i;
  e.breaker_opens = i / 3;
  return e;
}

/* Non-finite values travel as null and come back as NaN. */
static bool same_float(float got, float want) {
  return isfinite(want) ? got == want : isnan(got);
}

static void lines_parse_back(void **state) {
  (void)state;
  char dir[256], path[300];
  test_make_dir(dir, sizeof(dir), "lines");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  fs_journal *j = fs_journal_open(path, 0, 0);
  assert_non_null(j);
  assert_string_equal(fs_journal_path(j), path);
  const uint32_t n = 200;
  for (uint32_t i = 1; i <= n; ++i) {
    fs_event e = sample_event(i);
    assert_int_equal(fs_journal_write_event(j, &e), 0);
  }
  fs_learner *l = fs_learner_create(1);
  for (uint32_t i = 1; i <= n; ++i) {
    fs_event e = sample_event(i);
    fs_learner_observe(l, &e);
  }
  fs_strategy_table table;
  fs_learner_build_table(l, &table);
  assert_int_equal(fs_journal_write_model(j, l, &table, 42), 0);
  assert_int_equal(fs_journal_write_model(j, l, NULL, 43), 0);
  assert_int_equal(fs_journal_lines(j), n + 2);
  assert_int_equal(fs_journal_errors(j), 0);
  fs_journal_close(j);

  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  uint32_t i = 0, models = 0;
  while ((len = getline(&line, &cap, f)) > 0) {
    fs_journal_line parsed;
    fs_journal_line_type type = fs_journal_parse_line(line, (size_t)len, &parsed);
    if (type == FS_JOURNAL_LINE_MODEL) {
      assert_true(parsed.has_dropped);
      assert_int_equal(parsed.dropped_events, 42 + models);
      ++models;
      continue;
    }
    assert_int_equal(type, FS_JOURNAL_LINE_INCIDENT);
    fs_event want = sample_event(++i), *got = &parsed.event;
    assert_int_equal(got->kind, want.kind);
    assert_int_equal(got->id, want.id);
    assert_true(got->position == want.position);
    assert_int_equal(got->cause, want.cause);
    assert_int_equal(got->detector, want.detector);
    assert_int_equal(got->tier_before, want.tier_before);
    assert_int_equal(got->tier_after, want.tier_after);
    assert_int_equal(got->tier, want.tier);
    assert_int_equal(got->action, want.action);
    assert_int_equal(got->chaos, want.chaos);
    assert_int_equal(got->success, want.success);
    assert_int_equal(got->block, want.block);
    assert_int_equal(got->to_safe, want.to_safe);
    assert_int_equal(got->to_full, want.to_full);
    assert_int_equal(got->breaker_opens, want.breaker_opens);
    assert_true(same_float(got->value, want.value));
    assert_true(same_float(got->threshold, want.threshold));
    assert_true(same_float(got->input_db, want.input_db));
    assert_true(same_float(got->output_db, want.output_db));
    assert_true(same_float(got->dsp_load, want.dsp_load));
    assert_true(same_float(got->reduction_db, want.reduction_db));
    assert_true(same_float(got->budget_pct, want.budget_pct));
    assert_true(same_float(got->sample_rate, want.sample_rate));
  }
  free(line);
  fclose(f);
  assert_int_equal(i, n);
  assert_int_equal(models, 2);
  fs_learner_destroy(l);
  test_remove_tree(dir);
}

static void rotates_at_the_bound(void **state) {
  (void)state;
  char dir[256], path[300], old[300], older[300], oldest[300];
  test_make_dir(dir, sizeof(dir), "rotate");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  snprintf(old, sizeof(old), "%s/journal.1.jsonl", dir);
  snprintf(older, sizeof(older), "%s/journal.2.jsonl", dir);
  snprintf(oldest, sizeof(oldest), "%s/journal.3.jsonl", dir);
  const long bound = 8192;
  fs_journal *j = fs_journal_open(path, (uint64_t)bound, 2);
  for (uint32_t i = 1; i <= 200; ++i) {
    fs_event e = sample_event(i);
    assert_int_equal(fs_journal_write_event(j, &e), 0);
    assert_true(file_size(path) <= bound);
  }
  assert_true(fs_journal_rotations(j) >= 3);
  assert_true(exists(old) && exists(older) && !exists(oldest));
  assert_true(file_size(old) <= bound && file_size(old) > bound / 2);
  fs_journal_close(j);

  /* Reopening an existing journal counts its size. */
  j = fs_journal_open(path, (uint64_t)bound, 2);
  uint64_t before = fs_journal_rotations(j);
  for (uint32_t i = 1; i <= 40; ++i) {
    fs_event e = sample_event(i);
    fs_journal_write_event(j, &e);
    assert_true(file_size(path) <= bound);
  }
  assert_true(fs_journal_rotations(j) > before);
  fs_journal_close(j);
  test_remove_tree(dir);
}

static void write_errors_are_counted(void **state) {
  (void)state;
  char dir[256], path[300], file[300];
  test_make_dir(dir, sizeof(dir), "errors");
  /* A path through a regular file: even root cannot write there. */
  snprintf(file, sizeof(file), "%s/plain", dir);
  touch(file);
  snprintf(path, sizeof(path), "%s/plain/journal.jsonl", dir);
  fs_journal *j = fs_journal_open(path, 0, 0);
  assert_non_null(j);
  fs_event e = sample_event(1);
  for (int i = 0; i < 10; ++i) assert_int_equal(fs_journal_write_event(j, &e), -1);
  fs_learner *l = fs_learner_create(1);
  assert_int_equal(fs_journal_write_model(j, l, NULL, 0), -1);
  assert_int_equal(fs_journal_errors(j), 11);
  assert_int_equal(fs_journal_last_errno(j), ENOTDIR);
  assert_int_equal(fs_journal_lines(j), 0);
  fs_journal_close(j);

  /* A missing directory that appears later: writes resume. */
  snprintf(path, sizeof(path), "%s/later/journal.jsonl", dir);
  j = fs_journal_open(path, 0, 0);
  assert_int_equal(fs_journal_write_event(j, &e), -1);
  snprintf(file, sizeof(file), "%s/later", dir);
  assert_int_equal(mkdir(file, 0755), 0);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  assert_int_equal(fs_journal_errors(j), 1);
  assert_int_equal(fs_journal_lines(j), 1);
  fs_journal_close(j);

  /* Planted files in a shared folder: a symlink at the journal's name is
     not followed (its target stays untouched), a FIFO does not block and a
     device is refused: each write fails, counted, and nothing is written. */
  char target[300];
  snprintf(target, sizeof(target), "%s/target", dir);
  touch(target);
  snprintf(path, sizeof(path), "%s/linked.jsonl", dir);
  assert_int_equal(symlink(target, path), 0);
  j = fs_journal_open(path, 0, 0);
  assert_int_equal(fs_journal_write_event(j, &e), -1);
  assert_int_equal(fs_journal_last_errno(j), ELOOP);
  assert_int_equal(file_size(target), 0);
  fs_journal_close(j);
  snprintf(path, sizeof(path), "%s/fifo.jsonl", dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  j = fs_journal_open(path, 0, 0);
  assert_int_equal(fs_journal_write_event(j, &e), -1); /* returns: no reader needed */
  assert_int_equal(fs_journal_last_errno(j), ENXIO);
  fs_journal_close(j);
  if (exists("/dev/full")) {
    j = fs_journal_open("/dev/full", 1, 0);
    for (int i = 0; i < 5; ++i) assert_int_equal(fs_journal_write_event(j, &e), -1);
    assert_int_equal(fs_journal_errors(j), 5);
    assert_int_equal(fs_journal_last_errno(j), EINVAL);
    assert_int_equal(fs_journal_rotations(j), 0);
    fs_journal_close(j);
    assert_true(exists("/dev/full"));
  }
  /* NULLs are refused quietly. */
  assert_null(fs_journal_open(NULL, 0, 0));
  assert_int_equal(fs_journal_write_event(NULL, &e), -1);
  assert_int_equal(fs_journal_errors(NULL), 0);
  fs_journal_close(NULL);
  fs_learner_destroy(l);
  test_remove_tree(dir);
}

/* The one escaper: quotes, backslashes and control characters, cut like
   snprintf. */
static void strings_escape_once_for_all(void **state) {
  (void)state;
  char out[64];
  assert_int_equal(fs_json_escape(out, sizeof(out), "a\"b\\c\n\x01" "d"), 20);
  assert_string_equal(out, "a\\\"b\\\\c\\u000a\\u0001d");
  assert_int_equal(fs_json_escape(out, 4, "a\"b"), 4);
  assert_string_equal(out, "a\\\"");
  assert_int_equal(fs_json_escape(out, sizeof(out), "caf\xc3\xa9"), 5); /* UTF-8 passes */
}

/* Every field the writer writes, the reader reads back (or knows it is
   derived for people), and no two fields share a path. */
static void the_schema_is_one_list(void **state) {
  (void)state;
  for (size_t i = 0; i < FS_JOURNAL_INCIDENT_FIELDS; ++i) {
    for (size_t k = i + 1; k < FS_JOURNAL_INCIDENT_FIELDS; ++k) {
      assert_string_not_equal(fs_journal_incident_fields[i].path, fs_journal_incident_fields[k].path);
    }
    assert_true(fs_journal_incident_fields[i].offset < sizeof(fs_event));
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(resolves_in_documented_order),
      cmocka_unit_test(lines_parse_back),
      cmocka_unit_test(rotates_at_the_bound),
      cmocka_unit_test(write_errors_are_counted),
      cmocka_unit_test(strings_escape_once_for_all),
      cmocka_unit_test(the_schema_is_one_list),
  };
  return cmocka_run_group_tests_name("fs_journal", tests, NULL, NULL);
}

/* fs_journal: path resolution, JSON Lines that parse back to the same
   records, rotation, write errors counted instead of fatal, and planted
   symlinks, FIFOs and devices refused without blocking; private modes
   (folders 0700, files 0600); a full disk (the file size limit) that
   neither kills the process nor leaves half a line; several writers
   (instances in one process, processes) sharing one journal and rotating
   it together without losing or duplicating a line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
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


static mode_t mode_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

/* What a set of journal files holds: how many times each incident id
   appears (ids below `ids`), lines in all, lines that do not parse, and
   whether every file ends with a newline and stays within `bound`. */
typedef struct {
  unsigned seen[4096];
  unsigned lines, malformed, files;
  bool all_end_in_newline;
  long largest;
} journal_census;

static void census_file(const char *path, journal_census *c) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  ++c->files;
  long size = file_size(path);
  if (size > c->largest) c->largest = size;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  bool last_newline = true;
  while ((len = getline(&line, &cap, f)) > 0) {
    last_newline = line[len - 1] == '\n';
    fs_journal_line parsed;
    ++c->lines;
    if (fs_journal_parse_line(line, (size_t)len, &parsed) != FS_JOURNAL_LINE_INCIDENT) {
      ++c->malformed;
      continue;
    }
    if (parsed.event.id < 4096) ++c->seen[parsed.event.id];
  }
  if (!last_newline) c->all_end_in_newline = false;
  free(line);
  fclose(f);
}

/* journal.jsonl and journal.1.jsonl .. journal.keep.jsonl in dir. */
static void census(const char *dir, unsigned keep, journal_census *c) {
  memset(c, 0, sizeof(*c));
  c->all_end_in_newline = true;
  char path[400];
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  census_file(path, c);
  for (unsigned n = 1; n <= keep; ++n) {
    snprintf(path, sizeof(path), "%s/journal.%u.jsonl", dir, n);
    census_file(path, c);
  }
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


/* The journal is private state: the folders it makes are 0700 and a file
   it creates 0600 (whatever the umask lets through of those), while an
   existing file keeps the mode its owner gave it. */
static void folders_and_files_are_private(void **state) {
  (void)state;
  char dir[256], sub[400], path[1024];
  test_make_dir(dir, sizeof(dir), "modes");
  const mode_t umask_before = umask(022);
  snprintf(sub, sizeof(sub), "%s/xdg", dir);
  assert_int_equal(fs_journal_resolve_path_from(NULL, NULL, sub, NULL, path, sizeof(path)), 0);
  assert_int_equal(mode_of(sub), 0700);
  snprintf(sub, sizeof(sub), "%s/xdg/failsafe", dir);
  assert_int_equal(mode_of(sub), 0700);
  assert_int_equal(mode_of(dir), 0700); /* mkdtemp's, untouched */

  fs_journal *j = fs_journal_open(path, 0, 0);
  fs_event e = sample_event(1);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  assert_int_equal(mode_of(path), 0600);
  fs_journal_close(j);

  /* An existing file keeps its mode; a rotation's new file is private. */
  assert_int_equal(chmod(path, 0644), 0);
  j = fs_journal_open(path, 2048, 1);
  for (uint32_t i = 1; i <= 3; ++i) {
    e = sample_event(i);
    assert_int_equal(fs_journal_write_event(j, &e), 0);
  }
  assert_true(fs_journal_rotations(j) >= 1);
  snprintf(sub, sizeof(sub), "%s/xdg/failsafe/journal.1.jsonl", dir);
  assert_int_equal(mode_of(sub), 0644);
  assert_int_equal(mode_of(path), 0600);
  fs_journal_close(j);
  umask(umask_before);
  test_remove_tree(dir);
}

/* The folder goes away under an open journal (a session deleted): the
   writes after are counted as lost, never written into the removed file,
   and resume once the folder is back. */
static void a_folder_removed_under_the_journal(void **state) {
  (void)state;
  char dir[256], sub[300], path[400];
  test_make_dir(dir, sizeof(dir), "gone");
  snprintf(sub, sizeof(sub), "%s/session", dir);
  assert_int_equal(mkdir(sub, 0700), 0);
  snprintf(path, sizeof(path), "%s/journal.jsonl", sub);
  fs_journal *j = fs_journal_open(path, 0, 0);
  fs_event e = sample_event(1);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(sub), 0);
  assert_int_equal(fs_journal_write_event(j, &e), -1);
  assert_int_equal(fs_journal_last_errno(j), ENOENT);
  assert_int_equal(mkdir(sub, 0700), 0);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  assert_int_equal(fs_journal_lines(j), 2);
  assert_int_equal(fs_journal_errors(j), 1);
  fs_journal_close(j);
  journal_census c;
  census(sub, 1, &c);
  assert_int_equal(c.lines, 1);
  test_remove_tree(dir);
}

/* The file size limit (RLIMIT_FSIZE) stands in for a full disk: in a
   child with SIGXFSZ at its default action (which would kill it, as it
   would kill a host), the journal writes until the limit, then counts
   lines as lost.  The child lives, and the file holds whole lines only,
   however the limit cut the write that met it. */
static void a_full_disk_kills_nothing_and_cuts_no_line(void **state) {
  (void)state;
  char dir[256], path[300];
  test_make_dir(dir, sizeof(dir), "full");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  const long limit = 3000;
  fflush(NULL);
  const pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    signal(SIGXFSZ, SIG_DFL);
    const struct rlimit small = {.rlim_cur = (rlim_t)limit, .rlim_max = RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &small) != 0) _exit(100);
    fs_journal *j = fs_journal_open(path, 0, 0);
    for (uint32_t i = 1; i <= 40; ++i) {
      fs_event e = sample_event(i);
      fs_journal_write_event(j, &e);
    }
    int ok = fs_journal_errors(j) > 0 && fs_journal_last_errno(j) == EFBIG &&
             fs_journal_lines(j) > 0 && fs_journal_lines(j) < 40;
    /* A file already past the limit: the write fails outright and raises
       SIGXFSZ, which must not reach the process either. */
    const struct rlimit smaller = {.rlim_cur = (rlim_t)(file_size(path) / 2), .rlim_max = RLIM_INFINITY};
    if (setrlimit(RLIMIT_FSIZE, &smaller) != 0) _exit(102);
    fs_event e = sample_event(1);
    ok = ok && fs_journal_write_event(j, &e) == -1 && fs_journal_last_errno(j) == EFBIG;
    const int lines = (int)fs_journal_lines(j);
    fs_journal_close(j);
    _exit(ok ? lines : 101);
  }
  int status = 0;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_false(WIFSIGNALED(status)); /* SIGXFSZ did not kill it */
  assert_true(WIFEXITED(status));
  const int written = WEXITSTATUS(status);
  assert_true(written > 0 && written < 40);
  assert_true(file_size(path) <= limit);
  journal_census c;
  census(dir, 1, &c);
  assert_int_equal(c.lines, (unsigned)written);
  assert_int_equal(c.malformed, 0);
  assert_true(c.all_end_in_newline);

  /* Room again: the journal goes on after the last whole line. */
  fs_journal *j = fs_journal_open(path, 0, 0);
  fs_event e = sample_event(41);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  fs_journal_close(j);
  census(dir, 1, &c);
  assert_int_equal(c.lines, (unsigned)written + 1);
  assert_int_equal(c.malformed, 0);
  test_remove_tree(dir);
}

/* A file already ending mid-line (a writer that died mid-write, or a line
   from before whole-line writes): the next line starts on a line of its
   own, so only the stump is lost, never the new line. */
static void a_stump_is_never_glued_to(void **state) {
  (void)state;
  char dir[256], path[300];
  test_make_dir(dir, sizeof(dir), "stump");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  fs_journal *j = fs_journal_open(path, 0, 0);
  fs_event e = sample_event(1);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  fs_journal_close(j);
  FILE *f = fopen(path, "a");
  assert_non_null(f);
  fputs("{\"type\":\"incid", f);
  fclose(f);
  j = fs_journal_open(path, 0, 0);
  e = sample_event(2);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  e = sample_event(3);
  assert_int_equal(fs_journal_write_event(j, &e), 0);
  fs_journal_close(j);
  journal_census c;
  census(dir, 1, &c);
  assert_int_equal(c.lines, 4);
  assert_int_equal(c.malformed, 1); /* the stump, on its own */
  assert_int_equal(c.seen[1], 1);
  assert_int_equal(c.seen[2], 1);
  assert_int_equal(c.seen[3], 1);
  test_remove_tree(dir);
}

/* Two instances in one process on the default path, writing in turn: the
   bound holds for the file they share (each checks its real size, not its
   own writes), exactly one of them rotates at each overflow, and the
   other follows it to the new file: every line is kept exactly once. */
static void two_instances_rotate_together(void **state) {
  (void)state;
  char dir[256], path[300];
  test_make_dir(dir, sizeof(dir), "twins");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  const long bound = 8192;
  const unsigned keep = 64;
  fs_journal *a = fs_journal_open(path, (uint64_t)bound, keep);
  fs_journal *b = fs_journal_open(path, (uint64_t)bound, keep);
  const uint32_t n = 300;
  for (uint32_t i = 1; i <= n; ++i) {
    fs_event e = sample_event(i);
    e.id = i;
    assert_int_equal(fs_journal_write_event(i % 3 ? a : b, &e), 0);
    assert_true(file_size(path) <= bound);
  }
  const uint64_t rotations = fs_journal_rotations(a) + fs_journal_rotations(b);
  assert_true(fs_journal_rotations(a) > 0 && fs_journal_rotations(b) > 0);
  assert_int_equal(fs_journal_errors(a) + fs_journal_errors(b), 0);
  fs_journal_close(a);
  fs_journal_close(b);
  journal_census c;
  census(dir, keep, &c);
  assert_int_equal(c.files, rotations + 1); /* no rotation clobbered another's */
  assert_int_equal(c.lines, n);
  assert_int_equal(c.malformed, 0);
  assert_true(c.all_end_in_newline);
  assert_true(c.largest <= bound);
  for (uint32_t i = 1; i <= n; ++i) assert_int_equal(c.seen[i], 1);
  test_remove_tree(dir);
}

/* Processes appending at once (instances in several hosts): whatever the
   interleaving, every line arrives once and whole, and the rotated files
   stay near the bound (over it only by lines written while another writer
   held the lock past its short wait, at most a line per writer). */
static void processes_share_one_journal(void **state) {
  (void)state;
  char dir[256], path[300];
  test_make_dir(dir, sizeof(dir), "procs");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  const long bound = 16384;
  const unsigned keep = 200, writers = 3;
  const uint32_t each = 250;
  pid_t children[3];
  fflush(NULL);
  for (unsigned w = 0; w < writers; ++w) {
    children[w] = fork();
    assert_true(children[w] >= 0);
    if (children[w] == 0) {
      fs_journal *j = fs_journal_open(path, (uint64_t)bound, keep);
      int failed = 0;
      for (uint32_t i = 1; i <= each; ++i) {
        fs_event e = sample_event(i);
        e.id = w * each + i;
        if (fs_journal_write_event(j, &e) != 0 && !failed) {
          failed = 1;
          fprintf(stderr, "# writer %u, line %u: %s\n", w, i, strerror(fs_journal_last_errno(j)));
        }
      }
      fs_journal_close(j);
      _exit(failed);
    }
  }
  for (unsigned w = 0; w < writers; ++w) {
    int status = 0;
    assert_int_equal(waitpid(children[w], &status, 0), children[w]);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  journal_census c;
  census(dir, keep, &c);
  assert_int_equal(c.lines, writers * each);
  assert_int_equal(c.malformed, 0);
  assert_true(c.all_end_in_newline);
  assert_true(c.largest <= bound + (long)(writers * FS_JOURNAL_LINE_MAX));
  for (uint32_t i = 1; i <= writers * each; ++i) assert_int_equal(c.seen[i], 1);
  print_message("# %u writers: %u files, largest %ld bytes (bound %ld)\n", writers, c.files, c.largest, bound);
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
      cmocka_unit_test(folders_and_files_are_private),
      cmocka_unit_test(a_folder_removed_under_the_journal),
      cmocka_unit_test(a_full_disk_kills_nothing_and_cuts_no_line),
      cmocka_unit_test(a_stump_is_never_glued_to),
      cmocka_unit_test(two_instances_rotate_together),
      cmocka_unit_test(processes_share_one_journal),
      cmocka_unit_test(strings_escape_once_for_all),
      cmocka_unit_test(the_schema_is_one_list),
  };
  return cmocka_run_group_tests_name("fs_journal", tests, NULL, NULL);
}

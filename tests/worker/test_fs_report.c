/* The report command: patterns, advice and dropped events from a scripted
   journal, exact --json output, malformed lines skipped and counted,
   refusals with exit status 2 and one stderr line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>

#include "fs_journal.h"
#include "fs_report.h"
#include "worker_test.h"

typedef struct {
  char dir[200];
  char journal[300];
} fixture;

static void write_incident(fs_journal *j, uint32_t id, uint16_t cause, const uint8_t *tries,
                           int n_tries, uint32_t block, float input_db, uint32_t to_full) {
  for (int t = 0; t < n_tries; ++t) {
    fs_event onset = test_event(FS_EVENT_ONSET, id, cause, tries[t]);
    onset.block = block;
    onset.input_db = input_db;
    onset.to_safe = 480u * (uint32_t)n_tries;
    assert_int_equal(fs_journal_write_event(j, &onset), 0);
    fs_event outcome = test_outcome(id, cause, tries[t], t == n_tries - 1);
    assert_int_equal(fs_journal_write_event(j, &outcome), 0);
  }
  fs_event back = test_event(FS_EVENT_RECOVERED, id, cause, tries[n_tries - 1]);
  back.to_safe = 480u * (uint32_t)n_tries;
  back.to_full = to_full;
  assert_int_equal(fs_journal_write_event(j, &back), 0);
}

/* 5 overruns at block 16 fixed by the light tier (10 ms to safe, 500 ms
   back to full); 3 clipped inputs where "none" failed and "adjust" worked
   (20 ms, 1 s); one musical-noise onset never judged; two sessions whose
   model lines say 3, 5 then 2 dropped records (7 in all). */
static int setup(void **state) {
  fixture *f = calloc(1, sizeof(*f));
  test_make_dir(f->dir, sizeof(f->dir), "report");
  snprintf(f->journal, sizeof(f->journal), "%s/journal.jsonl", f->dir);
  fs_journal *j = fs_journal_open(f->journal, 0, 0);
  fs_learner *l = fs_learner_create(1);
  uint32_t id = 0;
  const uint8_t light[] = {FS_STRATEGY_LIGHT};
  const uint8_t none_then_adjust[] = {FS_STRATEGY_NONE, FS_STRATEGY_ADJUST};
  for (int i = 0; i < 5; ++i) write_incident(j, ++id, FS_CAUSE_DEADLINE, light, 1, 16, -12.0f, 24000);
  assert_int_equal(fs_journal_write_model(j, l, NULL, 3), 0);
  for (int i = 0; i < 3; ++i) {
    write_incident(j, ++id, FS_CAUSE_INPUT_CLIPPED, none_then_adjust, 2, 256, 0.0f, 48000);
  }
  assert_int_equal(fs_journal_write_model(j, l, NULL, 5), 0);
  fs_event lone = test_event(FS_EVENT_ONSET, ++id, FS_CAUSE_MUSICAL_NOISE, FS_STRATEGY_ADJUST);
  assert_int_equal(fs_journal_write_event(j, &lone), 0);
  assert_int_equal(fs_journal_write_model(j, l, NULL, 2), 0);
  assert_int_equal(fs_journal_errors(j), 0);
  fs_journal_close(j);
  fs_learner_destroy(l);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  test_remove_tree(f->dir);
  free(f);
  return 0;
}

typedef struct {
  int status;
  char *out, *err;
  size_t out_len, err_len;
} run_result;

static run_result run(int argc, const char *a1, const char *a2) {
  char *argv[] = {"report", (char *)a1, (char *)a2, NULL};
  run_result r = {0};
  FILE *out = open_memstream(&r.out, &r.out_len);
  FILE *err = open_memstream(&r.err, &r.err_len);
  r.status = fs_report_run(argc, argv, out, err);
  fclose(out);
  fclose(err);
  return r;
}

static void release(run_result *r) {
  free(r->out);
  free(r->err);
}

static const char expected_json[] =
    "{\"patterns\":["
    "{\"cause\":\"deadline\",\"count\":5,\"best_strategy\":\"light\",\"recovery_rate\":1,"
    "\"mean_to_safe_ms\":10,\"mean_to_full_ms\":500},"
    "{\"cause\":\"input_clipped\",\"count\":3,\"best_strategy\":\"adjust\",\"recovery_rate\":1,"
    "\"mean_to_safe_ms\":20,\"mean_to_full_ms\":1000},"
    "{\"cause\":\"musical_noise\",\"count\":1,\"best_strategy\":null,\"recovery_rate\":null,"
    "\"mean_to_safe_ms\":10,\"mean_to_full_ms\":null}],"
    "\"recommendations\":["
    "{\"action\":\"raise_block_size\",\"description\":\"block size 16 overruns: raise it to 64 "
    "or more\"},"
    "{\"action\":\"lower_input_gain\",\"description\":\"input clips: lower the input gain by "
    "about 6 dB\"}],"
    "\"dropped_events\":7}\n";

static void json_report_is_exact(void **state) {
  fixture *f = *state;
  run_result r = run(3, f->journal, "--json");
  assert_int_equal(r.status, 0);
  assert_string_equal(r.out, expected_json);
  assert_int_equal(r.err_len, 0);
  release(&r);
  r = run(3, "--json", f->journal); /* options anywhere */
  assert_string_equal(r.out, expected_json);
  release(&r);
}

static void text_report_names_patterns_and_advice(void **state) {
  fixture *f = *state;
  run_result r = run(2, f->journal, NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "deadline"));
  assert_non_null(strstr(r.out, "100 % at block 16"));
  assert_non_null(strstr(r.out, "block size 16 overruns: raise it to 64 or more"));
  assert_non_null(strstr(r.out, "input clips: lower the input gain by about 6 dB"));
  assert_non_null(strstr(r.out, "dropped events: 7"));
  assert_non_null(strstr(r.out, "malformed lines skipped: 0"));
  release(&r);
}

static void malformed_lines_are_skipped_and_counted(void **state) {
  fixture *f = *state;
  FILE *j = fopen(f->journal, "a");
  assert_non_null(j);
  fputs("garbage\n", j);
  fputs("{\n", j);
  fputs("{\"type\":\"incident\"}\n", j); /* no kind, id, cause */
  fputs("[1,2]\n", j);
  fputs("{\"type\":\"incident\",\"kind\":\"onset\",\"id\":1,\"cause\":\"warp_drive\"}\n", j);
  fputs("{\"type\":\"incident\",\"kind\":\"onset\",\"id\":-1,\"cause\":\"deadline\"}\n", j);
  fputs("{\"type\":\"incident\",\"kind\":\"onset\",\"id\":1,\"cause\":\"deadline\"} trailing\n", j);
  fputs("{\"type\":\"weather\"}\n", j);
  fwrite("{\"type\":\"model\",\0\"dropped_events\":1}\n", 1, 37, j); /* a NUL inside */
  fputs("\n   \n", j); /* blank: not counted */
  for (int i = 0; i < 70000; ++i) fputc('x', j); /* longer than any journal line */
  fputc('\n', j);
  fputs("{\"type\":\"incident\",\"kind\":\"onset\",\"id\":1,\"cause\":\"deadline\",\"id\":2}\n", j);
  fputs("{\"type\":\"incident\",\"kind\":\"onset\",\"id\":1,\"cause\":\"deadline\",\"block\":1.5}\n", j);
  fputs("{\"a\":[[[[[[[[[[[[1]]]]]]]]]]]}\n", j); /* too deep */
  fputs("{\"type\":\"incident\",\"kind\":\"onset\",\"id\":1,\"cause\":\"deadl", j); /* cut off */
  fclose(j);
  run_result r = run(2, f->journal, NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "malformed lines skipped: 14"));
  release(&r);
  r = run(3, f->journal, "--json");
  assert_int_equal(r.status, 0);
  assert_string_equal(r.out, expected_json); /* the junk changed nothing */
  assert_non_null(strstr(r.err, "skipped 14 malformed lines"));
  release(&r);
}

static void one_line(const run_result *r) {
  assert_int_equal(strncmp(r->err, "failsafe-host: ", 15), 0);
  assert_int_equal(r->err[r->err_len - 1], '\n');
  assert_ptr_equal(strchr(r->err, '\n'), r->err + r->err_len - 1);
}

static void refusals_exit_2_with_one_line(void **state) {
  fixture *f = *state;
  char missing[400];
  snprintf(missing, sizeof(missing), "%s/no-such-journal.jsonl", f->dir);
  run_result r = run(2, missing, NULL);
  assert_int_equal(r.status, 2);
  one_line(&r);
  assert_non_null(strstr(r.err, "No such file"));
  assert_int_equal(r.out_len, 0);
  release(&r);

  r = run(2, f->dir, NULL); /* a directory */
  assert_int_equal(r.status, 2);
  one_line(&r);
  release(&r);

  r = run(1, NULL, NULL);
  assert_int_equal(r.status, 2);
  one_line(&r);
  release(&r);

  r = run(3, f->journal, "--bogus");
  assert_int_equal(r.status, 2);
  one_line(&r);
  release(&r);

  r = run(3, f->journal, f->journal);
  assert_int_equal(r.status, 2);
  one_line(&r);
  release(&r);

  r = run(2, "--help", NULL);
  assert_int_equal(r.status, 0);
  assert_non_null(strstr(r.out, "usage: failsafe-host report"));
  release(&r);
}

static void empty_journal_reports_nothing(void **state) {
  fixture *f = *state;
  char empty[400];
  snprintf(empty, sizeof(empty), "%s/empty.jsonl", f->dir);
  FILE *e = fopen(empty, "w");
  fclose(e);
  run_result r = run(3, empty, "--json");
  assert_int_equal(r.status, 0);
  assert_string_equal(r.out, "{\"patterns\":[],\"recommendations\":[],\"dropped_events\":0}\n");
  release(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(json_report_is_exact, setup, teardown),
      cmocka_unit_test_setup_teardown(text_report_names_patterns_and_advice, setup, teardown),
      cmocka_unit_test_setup_teardown(malformed_lines_are_skipped_and_counted, setup, teardown),
      cmocka_unit_test_setup_teardown(refusals_exit_2_with_one_line, setup, teardown),
      cmocka_unit_test_setup_teardown(empty_journal_reports_nothing, setup, teardown),
  };
  return cmocka_run_group_tests_name("fs_report", tests, NULL, NULL);
}

/* fs_rt_jacklog: the server's xrun lines are told apart by cause and
   stamped with the callbacks run when they were read; other lines, and
   what the log held before it was opened, do not count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_rt_jacklog.h"

/* Lines as jackd 1.9 (jackd2) writes them with the dummy driver. */
static const char server_late[] = "JackTimedDriver::Process XRun = 3045 usec";
static const char not_started[] = "JackEngine::XRun: client = failsafe-rt was not finished, state = Triggered";
static const char running[] = "JackEngine::XRun: client = failsafe-rt was not finished, state = Running";
static const char process_error[] = "JackAudioDriver::ProcessGraphAsyncMaster: Process error";

static void lines_are_told_apart_by_cause(void **state) {
  (void)state;
  assert_int_equal(fs_rt_jacklog_classify(server_late), FS_RT_XRUN_SERVER_LATE);
  assert_int_equal(fs_rt_jacklog_classify(not_started), FS_RT_XRUN_CLIENT_NOT_STARTED);
  assert_int_equal(fs_rt_jacklog_classify(running), FS_RT_XRUN_CLIENT_RUNNING);
  assert_int_equal(fs_rt_jacklog_classify("JackEngine::XRun: client = x was not finished, state = NotTriggered"),
                   FS_RT_XRUN_CLIENT_OTHER);
  /* The follow-up line of a client xrun is not a second xrun. */
  assert_int_equal(fs_rt_jacklog_classify(process_error), -1);
  assert_int_equal(fs_rt_jacklog_classify("jackdmp 1.9.21"), -1);
  assert_int_equal(fs_rt_jacklog_classify(""), -1);
}

static void append(const char *path, const char *text) {
  FILE *f = fopen(path, "a");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

static void lines_are_stamped_as_they_are_read(void **state) {
  (void)state;
  char path[] = "/tmp/fs_rt_jacklog_XXXXXX";
  const int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  char text[512];
  snprintf(text, sizeof text, "%s\n", server_late);
  append(path, text); /* before opening: not counted */

  fs_rt_jacklog log;
  assert_int_equal(fs_rt_jacklog_open(&log, path, 4), 0);
  fs_rt_jacklog_poll(&log, 10);
  assert_int_equal(log.count, 0);

  snprintf(text, sizeof text, "%s\n%s\n%s", not_started, process_error, "JackTimedDriver::Process XR");
  append(path, text); /* the last line is not complete yet */
  fs_rt_jacklog_poll(&log, 20);
  assert_int_equal(log.count, 1);
  assert_int_equal(log.notes[0].kind, FS_RT_XRUN_CLIENT_NOT_STARTED);
  assert_int_equal(log.notes[0].callbacks, 20);

  append(path, "un = 14 usec\n");
  fs_rt_jacklog_poll(&log, 30);
  assert_int_equal(log.count, 2);
  assert_int_equal(log.notes[1].kind, FS_RT_XRUN_SERVER_LATE);
  assert_int_equal(log.notes[1].callbacks, 30);

  /* Past capacity, lines are counted as lost rather than stored. */
  snprintf(text, sizeof text, "%s\n%s\n%s\n", running, running, running);
  append(path, text);
  fs_rt_jacklog_poll(&log, 40);
  assert_int_equal(log.count, 4);
  assert_int_equal(log.notes[3].kind, FS_RT_XRUN_CLIENT_RUNNING);
  assert_int_equal(log.lost, 1);

  fs_rt_jacklog_close(&log);
  fs_rt_jacklog_close(&log); /* twice is harmless */
  unlink(path);
}

static void a_missing_log_fails_to_open(void **state) {
  (void)state;
  fs_rt_jacklog log;
  assert_int_equal(fs_rt_jacklog_open(&log, "/nonexistent/failsafe-rt.jackd.log", 4), -1);
  fs_rt_jacklog_poll(&log, 1); /* harmless */
  fs_rt_jacklog_close(&log);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(lines_are_told_apart_by_cause),
      cmocka_unit_test(lines_are_stamped_as_they_are_read),
      cmocka_unit_test(a_missing_log_fails_to_open),
  };
  return cmocka_run_group_tests_name("fs_rt_jacklog", tests, NULL, NULL);
}

/*
  test_journal_lines: how many lines of a journal (JSON Lines) contain a
  string, for the tests that check what reached a journal file.  0 when
  the file cannot be read.  Header-only, as test_random.h.
*/
#ifndef TEST_JOURNAL_LINES_H
#define TEST_JOURNAL_LINES_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static inline uint32_t test_journal_lines(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  if (!f) {
    return 0;
  }
  char line[16384];
  uint32_t n = 0;
  while (fgets(line, sizeof(line), f)) {
    n += strstr(line, needle) != NULL;
  }
  fclose(f);
  return n;
}

#endif

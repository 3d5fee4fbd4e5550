/*
  fs_journal_reader: one journal line back into a record.

  The inverse of fs_journal's incident lines, through the same schema
  (fs_journal_schema.h), with a small strict JSON reader: anything that is
  not JSON, or not a journal record, is reported as malformed, never
  guessed at.  Fields a line leaves out read as "not measured" (NaN), and
  lines that give the recovery times only in ms get them back in samples.
  Model lines only yield their dropped-record count.

  Threading: any thread (no allocation, no state); the report command is
  its user.
*/
#ifndef FS_JOURNAL_READER_H
#define FS_JOURNAL_READER_H

#include "fs_event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
  FS_JOURNAL_LINE_MALFORMED = 0, /* not JSON, or not a journal record */
  FS_JOURNAL_LINE_BLANK = 1,
  FS_JOURNAL_LINE_INCIDENT = 2, /* event is filled */
  FS_JOURNAL_LINE_MODEL = 3     /* dropped_events is filled when has_dropped */
} fs_journal_line_type;

typedef struct {
  fs_journal_line_type type;
  fs_event event;
  bool has_dropped;
  uint64_t dropped_events;
} fs_journal_line;

/* Parses one journal line (len bytes, no newline needed; NUL bytes make
   it malformed) and returns its type. */
fs_journal_line_type fs_journal_parse_line(const char *line, size_t len, fs_journal_line *out);

#endif

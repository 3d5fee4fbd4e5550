/*
  fs_journal_schema: the fields of an incident line of the journal, the one
  list.  fs_journal writes every line from it, in its order, and the
  report (host-test/fs_report.c) reads the lines back with it, so a field
  added here is written and read alike.

  A path with a dot lives in a nested object ("controls.reduction_db" is
  "reduction_db" inside "controls"); the fields of one object are
  consecutive.  Some fields are derived for people (a class, a severity,
  times in ms) and are not read back into a record.

  The line format is public (people and scripts read journals), so only
  ever append.  Threading: constant data, any thread.
*/
#ifndef FS_JOURNAL_SCHEMA_H
#define FS_JOURNAL_SCHEMA_H

#include "fs_event.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  FS_JOURNAL_U64,    /* whole numbers, as the fs_event member's width */
  FS_JOURNAL_U32,
  FS_JOURNAL_U16,
  FS_JOURNAL_U8,
  FS_JOURNAL_F32,    /* a number, null for NaN and infinities */
  FS_JOURNAL_KIND,   /* names: fs_event_kind, fs_cause, fs_strategy */
  FS_JOURNAL_CAUSE,
  FS_JOURNAL_ACTION,
  FS_JOURNAL_CLASS,    /* derived from the cause (fs_taxonomy) */
  FS_JOURNAL_SEVERITY, /* derived from the cause (fs_taxonomy) */
  FS_JOURNAL_MS,       /* a sample count (the member) in ms at the record's rate */
} fs_journal_field_type;

typedef struct {
  const char *path;
  fs_journal_field_type type;
  size_t offset; /* of the fs_event member */
} fs_journal_field;

#define FS_JOURNAL_INCIDENT_FIELDS 29u

/* Every field of an incident line after its "type":"incident", in order. */
extern const fs_journal_field fs_journal_incident_fields[FS_JOURNAL_INCIDENT_FIELDS];

/* True for the fields written for people only, never read back. */
static inline bool fs_journal_field_derived(const fs_journal_field *field) {
  return field->type >= FS_JOURNAL_CLASS;
}

#endif

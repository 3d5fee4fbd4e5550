/*
  bench_robust_table: the robustness bench's one table, filled row by row
  and printed as text or JSON.  Each row holds up to three numbers per
  system (what they mean depends on the row's style) and, when the issue
  sets one, a target for failsafe on one of them.

  NAN in a cell prints "n/a"; INFINITY in a settle time prints "never"
  (the run ended still outside the tolerance); a row marked unavailable
  prints "n/a (no corpus)" in every cell.  A settle time carries the
  tolerance it was judged with: when a system's own settled attenuation
  wobbles by more than the row's tolerance from window to window, it is
  judged against its wobble instead (so the time still says when it
  settled); the cell then shows that tolerance, and for failsafe it misses
  the target, since the row's tolerance was never met.
*/
#ifndef BENCH_ROBUST_TABLE_H
#define BENCH_ROBUST_TABLE_H

#include "fs_json.h"

#include <stddef.h>

#define BENCH_ROBUST_MAX_SYSTEMS 3
#define BENCH_ROBUST_MAX_NOTES 16

typedef enum {
  BENCH_CELL_HEADING, /* a section title, no cells */
  BENCH_CELL_DB,      /* v0 in dB */
  BENCH_CELL_SECONDS, /* v0 in s, within a tolerance of v1 dB (see below) */
  BENCH_CELL_PAIR,    /* v0 / v1 */
  BENCH_CELL_TRIPLE,  /* v0 / v1 (v2) */
} bench_cell_style;

typedef enum {
  BENCH_TARGET_NONE,
  BENCH_TARGET_AT_MOST,     /* value <= target */
  BENCH_TARGET_AT_LEAST,    /* value >= target */
  BENCH_TARGET_ABS_AT_MOST, /* |value| <= target */
} bench_target_kind;

typedef struct {
  char key[56];
  char label[100];
  bench_cell_style style;
  bench_target_kind target_kind;
  double target;
  int target_index; /* which of the three values the target is on */
  double tolerance;  /* BENCH_CELL_SECONDS: the tolerance the row asks, dB */
  int available;
  double value[BENCH_ROBUST_MAX_SYSTEMS][3];
} bench_robust_row;

typedef struct {
  const char *system_names[BENCH_ROBUST_MAX_SYSTEMS];
  size_t system_count;
  bench_robust_row *rows;
  size_t row_count, row_capacity;
  char notes[BENCH_ROBUST_MAX_NOTES][192];
  size_t note_count;
} bench_robust_table;

/* Appends a row (available, every value NAN) and returns it. */
bench_robust_row *bench_robust_table_add(bench_robust_table *table, const char *key, const char *label,
                                         bench_cell_style style, bench_target_kind target_kind,
                                         double target, int target_index);

/* The same, with `name` put into the one %s of key_format and of
   label_format (a noise kind, a corpus). */
bench_robust_row *bench_robust_table_add_for(bench_robust_table *table, const char *name, const char *key_format,
                                             const char *label_format, bench_cell_style style,
                                             bench_target_kind target_kind, double target, int target_index);

/* Appends a line printed under the table (and into the JSON). */
void bench_robust_table_note(bench_robust_table *table, const char *text);

void bench_robust_table_print(const bench_robust_table *table);
/* The table as the "rows" and "notes" members of the object `json` is in. */
void bench_robust_table_json(fs_json *json, const bench_robust_table *table);

void bench_robust_table_free(bench_robust_table *table);

#endif

#include "bench_robust_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_WIDTH 50
#define CELL_WIDTH 20

bench_robust_row *bench_robust_table_add(bench_robust_table *t, const char *key, const char *label,
                                         bench_cell_style style, bench_target_kind target_kind, double target,
                                         int target_index) {
  if (t->row_count == t->row_capacity) {
    t->row_capacity = t->row_capacity ? 2 * t->row_capacity : 64;
    t->rows = realloc(t->rows, t->row_capacity * sizeof(bench_robust_row));
  }
  bench_robust_row *row = &t->rows[t->row_count++];
  memset(row, 0, sizeof(*row));
  snprintf(row->key, sizeof(row->key), "%s", key);
  snprintf(row->label, sizeof(row->label), "%s", label);
  row->style = style;
  row->target_kind = target_kind;
  row->target = target;
  row->target_index = target_index;
  row->available = 1;
  for (size_t s = 0; s < BENCH_ROBUST_MAX_SYSTEMS; ++s) {
    for (int v = 0; v < 3; ++v) {
      row->value[s][v] = NAN;
    }
  }
  return row;
}

bench_robust_row *bench_robust_table_add_for(bench_robust_table *t, const char *name, const char *key_format,
                                             const char *label_format, bench_cell_style style,
                                             bench_target_kind target_kind, double target, int target_index) {
  char key[sizeof(t->rows[0].key)], label[sizeof(t->rows[0].label)];
  snprintf(key, sizeof(key), key_format, name);
  snprintf(label, sizeof(label), label_format, name);
  return bench_robust_table_add(t, key, label, style, target_kind, target, target_index);
}

void bench_robust_table_note(bench_robust_table *t, const char *text) {
  if (t->note_count < BENCH_ROBUST_MAX_NOTES) {
    snprintf(t->notes[t->note_count++], sizeof(t->notes[0]), "%s", text);
  }
}

static int values_of(bench_cell_style style) {
  switch (style) {
  case BENCH_CELL_HEADING:
    return 0;
  case BENCH_CELL_DB:
    return 1;
  case BENCH_CELL_TRIPLE:
    return 3;
  default:
    return 2;
  }
}

static void format_target(const bench_robust_row *row, char *out, size_t size) {
  const char *unit = row->style == BENCH_CELL_SECONDS ? " s" : "";
  switch (row->target_kind) {
  case BENCH_TARGET_AT_MOST:
    snprintf(out, size, "<= %.2g%s", row->target, unit);
    break;
  case BENCH_TARGET_AT_LEAST:
    snprintf(out, size, ">= %.3g%s", row->target, unit);
    break;
  case BENCH_TARGET_ABS_AT_MOST:
    snprintf(out, size, "|d| <= %.2g", row->target);
    break;
  default:
    snprintf(out, size, "%s", row->style == BENCH_CELL_HEADING ? "" : "-");
  }
}

/* 1 met, 0 missed, -1 no target or no value. */
static int meets(const bench_robust_row *row, size_t system) {
  const double v = row->value[system][row->target_index];
  if (!row->available || row->target_kind == BENCH_TARGET_NONE || isnan(v)) {
    return -1;
  }
  if (row->style == BENCH_CELL_SECONDS && row->value[system][1] > row->tolerance) {
    return 0; /* settled only into a wobble wider than the tolerance */
  }
  switch (row->target_kind) {
  case BENCH_TARGET_AT_MOST:
    return v <= row->target;
  case BENCH_TARGET_AT_LEAST:
    return v >= row->target;
  default:
    return fabs(v) <= row->target;
  }
}

static void format_number(double v, const char *format, char *out, size_t size) {
  if (isnan(v)) {
    snprintf(out, size, "n/a");
  } else if (isinf(v)) {
    snprintf(out, size, "never");
  } else {
    snprintf(out, size, format, v);
  }
}

static void format_cell(const bench_robust_row *row, size_t s, char *out, size_t size) {
  const double *v = row->value[s];
  char a[24], b[24], c[24];
  if (!row->available) {
    snprintf(out, size, "n/a (no corpus)");
    return;
  }
  switch (row->style) {
  case BENCH_CELL_DB:
    format_number(v[0], "%+.2f", out, size);
    break;
  case BENCH_CELL_SECONDS:
    format_number(v[0], "%.2f s", a, sizeof(a));
    if (v[1] > row->tolerance) {
      snprintf(out, size, "%s (+-%.1f dB)", a, v[1]);
    } else {
      snprintf(out, size, "%s", a);
    }
    break;
  case BENCH_CELL_PAIR:
    format_number(v[0], "%.2f", a, sizeof(a));
    format_number(v[1], "%.2f", b, sizeof(b));
    snprintf(out, size, "%s / %s", a, b);
    break;
  case BENCH_CELL_TRIPLE:
    format_number(v[0], "%+.2f", a, sizeof(a));
    format_number(v[1], "%+.2f", b, sizeof(b));
    format_number(v[2], "%+.2f", c, sizeof(c));
    snprintf(out, size, "%s/%s (%s)", a, b, c);
    break;
  default:
    out[0] = 0;
  }
}

void bench_robust_table_print(const bench_robust_table *t) {
  printf("%-*s %-12s", LABEL_WIDTH, "", "target");
  for (size_t s = 0; s < t->system_count; ++s) {
    printf(" %-*s", CELL_WIDTH, t->system_names[s]);
  }
  printf(" %s\n", t->system_names[0]);
  for (size_t r = 0; r < t->row_count; ++r) {
    const bench_robust_row *row = &t->rows[r];
    if (row->style == BENCH_CELL_HEADING) {
      printf("\n%s\n", row->label);
      continue;
    }
    char target[32];
    format_target(row, target, sizeof(target));
    printf("  %-*s %-12s", LABEL_WIDTH - 2, row->label, target);
    for (size_t s = 0; s < t->system_count; ++s) {
      char cell[96];
      format_cell(row, s, cell, sizeof(cell));
      printf(" %-*s", CELL_WIDTH, cell);
    }
    const int verdict = meets(row, 0);
    printf(" %s\n", verdict < 0 ? "" : verdict ? "ok" : "MISS");
  }
  if (t->note_count) {
    printf("\n");
  }
  for (size_t i = 0; i < t->note_count; ++i) {
    printf("%s\n", t->notes[i]);
  }
}

/* An infinite time is a recovery that never came: "never", as the text
   says, where a number is due.  NAN (no value) is null, as fs_json writes
   every non-finite number. */
static void json_value(fs_json *json, double v) {
  if (isinf(v)) {
    fs_json_string(json, "never");
  } else {
    fs_json_double(json, v);
  }
}

static void row_json(fs_json *json, const bench_robust_table *t, const bench_robust_row *row) {
  fs_json_object_begin(json);
  fs_json_key(json, "key");
  fs_json_string(json, row->key);
  fs_json_key(json, "label");
  fs_json_string(json, row->label);
  fs_json_key(json, "target");
  if (row->target_kind == BENCH_TARGET_NONE) {
    fs_json_null(json);
  } else {
    char target[32];
    format_target(row, target, sizeof(target));
    fs_json_string(json, target);
  }
  fs_json_key(json, "values");
  fs_json_object_begin(json);
  for (size_t s = 0; s < t->system_count; ++s) {
    fs_json_key(json, t->system_names[s]);
    if (!row->available) {
      fs_json_null(json);
      continue;
    }
    fs_json_array_begin(json);
    for (int v = 0; v < values_of(row->style); ++v) {
      json_value(json, row->value[s][v]);
    }
    fs_json_array_end(json);
  }
  fs_json_object_end(json);
  char verdict_key[64];
  snprintf(verdict_key, sizeof(verdict_key), "%s_meets_target", t->system_names[0]);
  fs_json_key(json, verdict_key);
  const int verdict = meets(row, 0);
  if (verdict < 0) {
    fs_json_null(json);
  } else {
    fs_json_bool(json, verdict);
  }
  fs_json_object_end(json);
}

void bench_robust_table_json(fs_json *json, const bench_robust_table *t) {
  fs_json_key(json, "rows");
  fs_json_array_begin(json);
  for (size_t r = 0; r < t->row_count; ++r) {
    if (t->rows[r].style != BENCH_CELL_HEADING) {
      row_json(json, t, &t->rows[r]);
    }
  }
  fs_json_array_end(json);
  fs_json_key(json, "notes");
  fs_json_array_begin(json);
  for (size_t i = 0; i < t->note_count; ++i) {
    fs_json_string(json, t->notes[i]);
  }
  fs_json_array_end(json);
}

void bench_robust_table_free(bench_robust_table *t) {
  free(t->rows);
  memset(t, 0, sizeof(*t));
}

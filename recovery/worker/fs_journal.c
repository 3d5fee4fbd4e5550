#include "fs_journal.h"

#include "fs_cause.h"
#include "fs_journal_file.h"
#include "fs_journal_schema.h"
#include "fs_json_text.h"
#include "fs_strategy.h"
#include "fs_taxonomy.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct fs_journal {
  fs_journal_file *file; /* shared with other writers, rotated */
  uint64_t errors, lines;
  int last_errno;
};

/* ---- where ------------------------------------------------------------ */

/* mkdir -p of the directory part of path (everything before the last '/').
   Folders made here are 0700, as the XDG base directory spec asks of
   state: incidents say what was played and when.  Existing ones keep
   their mode. */
static int make_parents(const char *path) {
  char buf[4096];
  size_t len = strlen(path);
  if (len >= sizeof(buf)) return -1;
  memcpy(buf, path, len + 1);
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf) return 0;
  *slash = '\0';
  for (char *p = buf + 1;; ++p) {
    bool end = *p == '\0';
    if (*p == '/' || end) {
      *p = '\0';
      if (mkdir(buf, 0700) != 0) {
        struct stat st;
        if (errno != EEXIST || stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return -1;
      }
      if (end) break;
      *p = '/';
    }
  }
  return 0;
}

static bool is_directory(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool set(const char *s) { return s && *s; }

int fs_journal_resolve_path_from(const char *state_dir, const char *journal_env,
                                 const char *xdg_state_home, const char *home, char *out,
                                 size_t cap) {
  if (!out || cap == 0) return -1;
  out[0] = '\0';
  int n;
  if (set(state_dir)) {
    n = snprintf(out, cap, "%s/%s", state_dir, FS_JOURNAL_FILE_NAME);
  } else if (set(journal_env)) {
    bool dir = journal_env[strlen(journal_env) - 1] == '/' || is_directory(journal_env);
    n = dir ? snprintf(out, cap, "%s/%s", journal_env, FS_JOURNAL_FILE_NAME)
            : snprintf(out, cap, "%s", journal_env);
  } else if (set(xdg_state_home)) {
    n = snprintf(out, cap, "%s/failsafe/%s", xdg_state_home, FS_JOURNAL_FILE_NAME);
  } else if (set(home)) {
    n = snprintf(out, cap, "%s/.local/state/failsafe/%s", home, FS_JOURNAL_FILE_NAME);
  } else {
    return -1;
  }
  if (n < 0 || (size_t)n >= cap) {
    out[0] = '\0';
    return -1;
  }
  return make_parents(out);
}

int fs_journal_resolve_path(const char *state_dir, char *out, size_t cap) {
  return fs_journal_resolve_path_from(state_dir, getenv("FAILSAFE_JOURNAL"),
                                      getenv("XDG_STATE_HOME"), getenv("HOME"), out, cap);
}

/* ---- open, rotate, write ----------------------------------------------- */

fs_journal *fs_journal_open(const char *path, uint64_t max_bytes, unsigned keep) {
  if (!path) return NULL;
  fs_journal *j = calloc(1, sizeof(*j));
  if (!j) return NULL;
  j->file = fs_journal_file_open(path, max_bytes ? max_bytes : FS_JOURNAL_DEFAULT_MAX_BYTES,
                                 keep ? keep : FS_JOURNAL_DEFAULT_KEEP);
  if (!j->file) {
    free(j);
    return NULL;
  }
  return j; /* opened lazily: a failure then counts like any write error */
}

void fs_journal_close(fs_journal *j) {
  if (!j) return;
  fs_journal_file_close(j->file);
  free(j);
}

void fs_journal_release(fs_journal *j) {
  if (j) {
    fs_journal_file_release(j->file);
  }
}

static int lose(fs_journal *j, int error) {
  ++j->errors;
  j->last_errno = error;
  return -1;
}

static int write_line(fs_journal *j, const char *line, size_t len) {
  const int error = fs_journal_file_append(j->file, line, len);
  if (error) return lose(j, error);
  ++j->lines;
  return 0;
}

/* ---- formatting ----------------------------------------------------------- */

typedef struct {
  char text[FS_JOURNAL_LINE_MAX];
  size_t len;
  bool overflow;
} line_buf;

static void add(line_buf *b, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void add(line_buf *b, const char *format, ...) {
  if (b->overflow) return;
  va_list args;
  va_start(args, format);
  int n = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, format, args);
  va_end(args);
  if (n < 0 || (size_t)n >= sizeof(b->text) - b->len) {
    b->overflow = true;
  } else {
    b->len += (size_t)n;
  }
}

/* "key":number, or null for NaN and infinities (JSON has neither). */
static void add_number(line_buf *b, const char *key, double value) {
  if (isfinite(value)) {
    add(b, "\"%s\":%.9g", key, value);
  } else {
    add(b, "\"%s\":null", key);
  }
}

/* Names come from this program's own tables, but escape anyway. */
static void add_string(line_buf *b, const char *key, const char *value) {
  add(b, "\"%s\":\"", key);
  if (!b->overflow) {
    const size_t room = sizeof(b->text) - b->len;
    const size_t n = fs_json_escape(b->text + b->len, room, value);
    if (n >= room) {
      b->overflow = true;
    } else {
      b->len += n;
    }
  }
  add(b, "\"");
}

static double to_ms(uint32_t samples, float rate) {
  return rate > 0.0f && isfinite(rate) ? 1000.0 * samples / rate : NAN;
}

static int finish(fs_journal *j, line_buf *b) {
  add(b, "}\n");
  if (b->overflow) return lose(j, EOVERFLOW);
  return write_line(j, b->text, b->len);
}

/* One field of an incident line, its value read from the record where the
   schema says. */
static void add_field(line_buf *b, const fs_journal_field *f, const char *key, const fs_event *e) {
  const char *member = (const char *)e + f->offset;
  uint64_t u64;
  uint32_t u32;
  uint16_t u16;
  float f32;
  switch (f->type) {
  case FS_JOURNAL_U64:
    memcpy(&u64, member, sizeof(u64));
    add(b, "\"%s\":%llu", key, (unsigned long long)u64);
    break;
  case FS_JOURNAL_U32:
    memcpy(&u32, member, sizeof(u32));
    add(b, "\"%s\":%u", key, u32);
    break;
  case FS_JOURNAL_U16:
    memcpy(&u16, member, sizeof(u16));
    add(b, "\"%s\":%u", key, u16);
    break;
  case FS_JOURNAL_U8: add(b, "\"%s\":%u", key, *(const uint8_t *)member); break;
  case FS_JOURNAL_F32:
    memcpy(&f32, member, sizeof(f32));
    add_number(b, key, f32);
    break;
  case FS_JOURNAL_KIND: add_string(b, key, fs_event_kind_name((int)e->kind)); break;
  case FS_JOURNAL_CAUSE: add_string(b, key, fs_cause_name(e->cause)); break;
  case FS_JOURNAL_ACTION: add_string(b, key, fs_strategy_name(e->action)); break;
  case FS_JOURNAL_CLASS: add_string(b, key, fs_fault_class_name(fs_taxonomy_class(e->cause))); break;
  case FS_JOURNAL_SEVERITY: add_string(b, key, fs_severity_name(fs_taxonomy_severity(e->cause))); break;
  case FS_JOURNAL_MS:
    memcpy(&u32, member, sizeof(u32));
    add_number(b, key, to_ms(u32, e->sample_rate));
    break;
  }
}

int fs_journal_write_event(fs_journal *j, const fs_event *e) {
  if (!j || !e) return -1;
  line_buf *b = malloc(sizeof(*b));
  if (!b) return lose(j, ENOMEM);
  b->len = 0;
  b->overflow = false;
  add(b, "{\"type\":\"incident\"");
  /* The schema's order; a dotted path opens its object at its first field
     and the next field outside it closes it. */
  const char *group = NULL;
  size_t group_len = 0;
  for (size_t i = 0; i < FS_JOURNAL_INCIDENT_FIELDS; ++i) {
    const fs_journal_field *f = &fs_journal_incident_fields[i];
    const char *dot = strchr(f->path, '.');
    const size_t len = dot ? (size_t)(dot - f->path) : 0;
    bool opened = false;
    if (len != group_len || (len && strncmp(f->path, group, len) != 0)) {
      if (group_len) add(b, "}");
      if (len) add(b, ",\"%.*s\":{", (int)len, f->path);
      group = f->path;
      group_len = len;
      opened = len > 0;
    }
    if (!opened) add(b, ","); /* the first member of an object has none */
    add_field(b, f, dot ? dot + 1 : f->path, e);
  }
  if (group_len) add(b, "}");
  int result = finish(j, b);
  free(b);
  return result;
}

static void add_cause_model(line_buf *b, const fs_learner *l, const fs_strategy_table *t,
                            int cause, bool *first) {
  add(b, "%s{", *first ? "" : ",");
  *first = false;
  add_string(b, "cause", fs_cause_name(cause));
  add(b, ",\"incidents\":%u,", fs_learner_incidents(l, cause));
  int best = fs_learner_best_strategy(l, cause);
  if (best >= 0) {
    add_string(b, "best", fs_strategy_name(best));
  } else {
    add(b, "\"best\":null");
  }
  if (t) {
    add(b, ",\"order\":[");
    for (unsigned i = 0; i < FS_STRATEGY_STEPS; ++i) {
      add(b, "%s\"%s\"", i ? "," : "", fs_strategy_name(t->order[cause][i]));
    }
    add(b, "]");
  }
  add(b, ",\"strategies\":[");
  bool first_strategy = true;
  for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
    uint32_t tries = fs_learner_tries(l, cause, s);
    if (!tries) continue;
    add(b, "%s{", first_strategy ? "" : ",");
    first_strategy = false;
    add_string(b, "strategy", fs_strategy_name(s));
    add(b, ",\"tries\":%u,\"successes\":%u}", tries, fs_learner_successes(l, cause, s));
  }
  add(b, "]}");
}

int fs_journal_write_model(fs_journal *j, const fs_learner *l, const fs_strategy_table *t,
                           uint64_t dropped_events) {
  if (!j || !l) return -1;
  line_buf *b = malloc(sizeof(*b));
  if (!b) return lose(j, ENOMEM);
  b->len = 0;
  b->overflow = false;
  add(b, "{\"type\":\"model\",\"dropped_events\":%llu,\"journal_errors\":%llu",
      (unsigned long long)dropped_events, (unsigned long long)j->errors);
  if (t) {
    add(b, ",\"table_version\":%u,\"thresholds\":{", t->version);
    add_number(b, "musical_noise", t->musical_noise_threshold);
    add(b, ",");
    add_number(b, "flux", t->flux_threshold);
    add(b, ",");
    add_number(b, "budget_scale", t->budget_scale);
    add(b, "},\"prevention\":{\"start_on_light_hops\":%u,", t->start_on_light_hops);
    add_number(b, "preemptive_trim_db", t->preemptive_trim_db);
    add(b, "}");
  }
  add(b, ",\"causes\":[");
  bool first = true;
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    bool tried = false;
    for (int s = 0; s < FS_STRATEGY_COUNT; ++s) tried |= fs_learner_tries(l, cause, s) > 0;
    if (tried || fs_learner_incidents(l, cause) > 0) add_cause_model(b, l, t, cause, &first);
  }
  add(b, "]");
  int result = finish(j, b);
  free(b);
  return result;
}

uint64_t fs_journal_errors(const fs_journal *j) { return j ? j->errors : 0u; }
int fs_journal_last_errno(const fs_journal *j) { return j ? j->last_errno : 0; }
uint64_t fs_journal_lines(const fs_journal *j) { return j ? j->lines : 0u; }
uint64_t fs_journal_rotations(const fs_journal *j) { return j ? fs_journal_file_rotations(j->file) : 0u; }
const char *fs_journal_path(const fs_journal *j) { return j ? fs_journal_file_path(j->file) : NULL; }

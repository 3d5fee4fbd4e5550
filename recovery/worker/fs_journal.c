#include "fs_journal.h"

#include "fs_cause.h"
#include "fs_journal_schema.h"
#include "fs_json_text.h"
#include "fs_strategy.h"
#include "fs_taxonomy.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fs_journal {
  char *path;
  int fd;           /* -1 while closed: the next write (re)opens */
  uint64_t size;    /* bytes in the current file */
  uint64_t max_bytes;
  unsigned keep;
  uint64_t errors, lines, rotations;
  int last_errno;
};

/* ---- where ------------------------------------------------------------ */

/* mkdir -p of the directory part of path (everything before the last '/'). */
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
      if (mkdir(buf, 0755) != 0) {
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
  j->path = strdup(path);
  if (!j->path) {
    free(j);
    return NULL;
  }
  j->fd = -1;
  j->max_bytes = max_bytes ? max_bytes : FS_JOURNAL_DEFAULT_MAX_BYTES;
  j->keep = keep ? keep : FS_JOURNAL_DEFAULT_KEEP;
  return j; /* opened lazily: a failure then counts like any write error */
}

void fs_journal_close(fs_journal *j) {
  if (!j) return;
  if (j->fd >= 0) close(j->fd);
  free(j->path);
  free(j);
}

void fs_journal_release(fs_journal *j) {
  if (j && j->fd >= 0) {
    close(j->fd);
    j->fd = -1;
  }
}

/* Opens the journal for appending, which must be a regular file.  The
   journal often lives in a folder others can write to (a shared session):
   O_NOFOLLOW refuses a symlink planted at its name (ELOOP), which would
   make us append to whatever it points at, and O_NONBLOCK keeps a FIFO
   planted there from blocking open() for ever (ENXIO without a reader).
   Anything that opens but is not a regular file (a FIFO with a reader, a
   device) is refused too (EINVAL).  Blocking writes come back once the
   file is known to be a regular one. */
static bool reopen(fs_journal *j) {
  if (j->fd >= 0) return true;
  const int fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
  if (fd < 0) return false;
  struct stat st;
  int error = 0;
  if (fstat(fd, &st) != 0) {
    error = errno;
  } else if (!S_ISREG(st.st_mode)) {
    error = EINVAL;
  } else {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) error = errno;
  }
  if (error) {
    close(fd);
    errno = error;
    return false;
  }
  j->fd = fd;
  j->size = (uint64_t)st.st_size;
  return true;
}

/* journal.jsonl, n -> journal.n.jsonl (a name without extension gets .n). */
static void rotated_name(const char *path, unsigned n, char *out, size_t cap) {
  const char *base = strrchr(path, '/');
  const char *dot = strrchr(base ? base + 1 : path, '.');
  if (!dot || dot == (base ? base + 1 : path)) {
    snprintf(out, cap, "%s.%u", path, n);
  } else {
    snprintf(out, cap, "%.*s.%u%s", (int)(dot - path), path, n, dot);
  }
}

static void rotate(fs_journal *j) {
  close(j->fd);
  j->fd = -1;
  char from[4200], to[4200];
  for (unsigned n = j->keep; n > 1; --n) {
    rotated_name(j->path, n - 1, from, sizeof(from));
    rotated_name(j->path, n, to, sizeof(to));
    (void)rename(from, to); /* an older file may not exist yet */
  }
  rotated_name(j->path, 1, to, sizeof(to));
  /* Should the rename fail the file simply goes on growing: losing lines
     would be worse than exceeding the bound. */
  if (rename(j->path, to) == 0) ++j->rotations;
}

static int lose(fs_journal *j, int error) {
  ++j->errors;
  j->last_errno = error;
  if (j->fd >= 0) close(j->fd);
  j->fd = -1; /* reopen next time: the disk may have room again */
  return -1;
}

static int write_line(fs_journal *j, const char *line, size_t len) {
  if (!reopen(j)) return lose(j, errno);
  if (j->size > 0 && j->size + len > j->max_bytes) {
    rotate(j);
    if (!reopen(j)) return lose(j, errno);
  }
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(j->fd, line + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return lose(j, n < 0 ? errno : EIO);
    done += (size_t)n;
  }
  j->size += len;
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
uint64_t fs_journal_rotations(const fs_journal *j) { return j ? j->rotations : 0u; }
const char *fs_journal_path(const fs_journal *j) { return j ? j->path : NULL; }

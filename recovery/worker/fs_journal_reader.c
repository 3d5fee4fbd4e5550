#include "fs_journal_reader.h"

#include "fs_cause.h"
#include "fs_journal_schema.h"
#include "fs_strategy.h"
#include "fs_taxonomy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  KEY_MAX = 64,
  TEXT_MAX = 64,
  DEPTH_MAX = 8
};

/* ---- a small strict JSON reader -------------------------------------------

   Walks one line and hands every scalar to a callback with its dotted key
   path ("controls.reduction_db"); array elements get "[]" appended.
   Anything that is not JSON fails the whole line. */

typedef enum { SCALAR_NUMBER, SCALAR_STRING, SCALAR_BOOL, SCALAR_NULL } scalar_kind;

typedef struct {
  scalar_kind kind;
  double number;
  char text[TEXT_MAX]; /* strings, cut to fit: journal strings are names */
} scalar;

typedef struct {
  const char *at, *end;
  int depth;
  void (*on_scalar)(void *context, const char *path, const scalar *value);
  void *context;
} json_reader;

static void skip_space(json_reader *r) {
  while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\r' || *r->at == '\n')) {
    ++r->at;
  }
}

static bool literal(json_reader *r, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(r->end - r->at) < n || memcmp(r->at, word, n) != 0) return false;
  r->at += n;
  return true;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A string into out (cut to cap - 1 bytes; \u escapes above ASCII become
   '?', which no journal name contains). */
static bool read_string(json_reader *r, char *out, size_t cap) {
  size_t n = 0;
  if (r->at >= r->end || *r->at != '"') return false;
  ++r->at;
  while (r->at < r->end) {
    unsigned char c = (unsigned char)*r->at++;
    if (c == '"') {
      out[n] = '\0';
      return true;
    }
    if (c < 0x20) return false;
    if (c == '\\') {
      if (r->at >= r->end) return false;
      char e = *r->at++;
      switch (e) {
      case '"': case '\\': case '/': c = (unsigned char)e; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'u': {
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
          int d = r->at < r->end ? hex_digit(*r->at++) : -1;
          if (d < 0) return false;
          code = code * 16u + (unsigned)d;
        }
        c = code < 0x80 ? (unsigned char)code : '?';
        break;
      }
      default: return false;
      }
    }
    if (n + 1 < cap) out[n++] = (char)c;
  }
  return false;
}

/* JSON's number grammar exactly, then strtod on a bounded copy. */
static bool read_number(json_reader *r, double *value) {
  const char *p = r->at;
  if (p < r->end && *p == '-') ++p;
  if (p >= r->end) return false;
  if (*p == '0') {
    ++p;
  } else if (*p >= '1' && *p <= '9') {
    while (p < r->end && *p >= '0' && *p <= '9') ++p;
  } else {
    return false;
  }
  if (p < r->end && *p == '.') {
    ++p;
    if (p >= r->end || *p < '0' || *p > '9') return false;
    while (p < r->end && *p >= '0' && *p <= '9') ++p;
  }
  if (p < r->end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < r->end && (*p == '+' || *p == '-')) ++p;
    if (p >= r->end || *p < '0' || *p > '9') return false;
    while (p < r->end && *p >= '0' && *p <= '9') ++p;
  }
  char copy[64];
  size_t n = (size_t)(p - r->at);
  if (n >= sizeof(copy)) return false;
  memcpy(copy, r->at, n);
  copy[n] = '\0';
  *value = strtod(copy, NULL);
  r->at = p;
  return true;
}

static bool read_value(json_reader *r, char *path, size_t path_len);

static bool read_members(json_reader *r, char *path, size_t path_len, bool object) {
  if (++r->depth > DEPTH_MAX) return false;
  ++r->at; /* '{' or '[' */
  skip_space(r);
  char close = object ? '}' : ']';
  if (r->at < r->end && *r->at == close) {
    ++r->at;
    --r->depth;
    return true;
  }
  for (;;) {
    size_t len = path_len;
    if (object) {
      char key[KEY_MAX];
      skip_space(r);
      if (!read_string(r, key, sizeof(key))) return false;
      len += (size_t)snprintf(path + path_len, KEY_MAX * DEPTH_MAX - path_len, "%s%s",
                              path_len ? "." : "", key);
      skip_space(r);
      if (r->at >= r->end || *r->at++ != ':') return false;
    } else {
      len += (size_t)snprintf(path + path_len, KEY_MAX * DEPTH_MAX - path_len, "[]");
    }
    if (len >= KEY_MAX * DEPTH_MAX) len = KEY_MAX * DEPTH_MAX - 1;
    if (!read_value(r, path, len)) return false;
    path[path_len] = '\0';
    skip_space(r);
    if (r->at >= r->end) return false;
    char c = *r->at++;
    if (c == close) break;
    if (c != ',') return false;
  }
  --r->depth;
  return true;
}

static bool read_value(json_reader *r, char *path, size_t path_len) {
  skip_space(r);
  if (r->at >= r->end) return false;
  scalar value = {.kind = SCALAR_NULL};
  switch (*r->at) {
  case '{': return read_members(r, path, path_len, true);
  case '[': return read_members(r, path, path_len, false);
  case '"':
    value.kind = SCALAR_STRING;
    if (!read_string(r, value.text, sizeof(value.text))) return false;
    break;
  case 't':
  case 'f':
    value.kind = SCALAR_BOOL;
    value.number = *r->at == 't';
    if (!literal(r, value.number ? "true" : "false")) return false;
    break;
  case 'n':
    value.number = NAN;
    if (!literal(r, "null")) return false;
    break;
  default:
    value.kind = SCALAR_NUMBER;
    if (!read_number(r, &value.number)) return false;
  }
  r->on_scalar(r->context, path, &value);
  return true;
}

/* ---- journal records ----------------------------------------------------- */

/* The fields of an incident line are the journal's own list
   (fs_journal_schema.h): what the writer writes is what is read here. */
enum { FIELD_COUNT = FS_JOURNAL_INCIDENT_FIELDS };

typedef struct {
  fs_journal_line *line;
  bool bad;
  char type[TEXT_MAX];
  bool seen[FIELD_COUNT];
  bool has_dropped;
  double dropped;
  double to_safe_ms, to_full_ms; /* used when the sample counts are missing */
} record;

static bool whole_in_range(const scalar *v, double max) {
  return v->kind == SCALAR_NUMBER && v->number >= 0.0 && v->number <= max &&
         v->number == floor(v->number);
}

static bool store_field(fs_event *e, const fs_journal_field *f, const scalar *v) {
  char *base = (char *)e + f->offset;
  int number;
  switch (f->type) {
  case FS_JOURNAL_U64: {
    if (!whole_in_range(v, 18446744073709549568.0)) return false;
    uint64_t x = (uint64_t)v->number;
    memcpy(base, &x, sizeof(x));
    return true;
  }
  case FS_JOURNAL_U32: {
    if (!whole_in_range(v, 4294967295.0)) return false;
    uint32_t x = (uint32_t)v->number;
    memcpy(base, &x, sizeof(x));
    return true;
  }
  case FS_JOURNAL_U16: {
    if (!whole_in_range(v, 65535.0)) return false;
    uint16_t x = (uint16_t)v->number;
    memcpy(base, &x, sizeof(x));
    return true;
  }
  case FS_JOURNAL_U8:
    if (!whole_in_range(v, 255.0)) return false;
    *(uint8_t *)base = (uint8_t)v->number;
    return true;
  case FS_JOURNAL_F32: {
    if (v->kind != SCALAR_NUMBER && v->kind != SCALAR_NULL) return false;
    float x = (float)v->number; /* null: NAN */
    memcpy(base, &x, sizeof(x));
    return true;
  }
  case FS_JOURNAL_KIND:
    number = v->kind == SCALAR_STRING ? fs_event_kind_from_name(v->text) : -1;
    if (number < 0) return false;
    e->kind = (uint32_t)number;
    return true;
  case FS_JOURNAL_CAUSE:
    number = v->kind == SCALAR_STRING ? fs_cause_from_name(v->text) : -1;
    if (number < 0) return false;
    e->cause = (uint16_t)number;
    return true;
  case FS_JOURNAL_ACTION:
    number = v->kind == SCALAR_STRING ? fs_strategy_from_name(v->text) : -1;
    if (number < 0) return false;
    e->action = (uint8_t)number;
    return true;
  case FS_JOURNAL_CLASS:
  case FS_JOURNAL_SEVERITY:
  case FS_JOURNAL_MS: return true; /* derived for people: never read back */
  }
  return false;
}

static void on_scalar(void *context, const char *path, const scalar *v) {
  record *rec = context;
  if (strcmp(path, "type") == 0) {
    if (v->kind != SCALAR_STRING) rec->bad = true;
    snprintf(rec->type, sizeof(rec->type), "%s", v->text);
  } else if (strcmp(path, "dropped_events") == 0) {
    rec->has_dropped = whole_in_range(v, 18446744073709549568.0);
    rec->dropped = v->number;
  } else if (strcmp(path, "to_safe_ms") == 0) {
    rec->to_safe_ms = v->number;
  } else if (strcmp(path, "to_full_ms") == 0) {
    rec->to_full_ms = v->number;
  } else {
    for (int i = 0; i < FIELD_COUNT; ++i) {
      if (strcmp(path, fs_journal_incident_fields[i].path) != 0) continue;
      if (fs_journal_field_derived(&fs_journal_incident_fields[i])) return; /* class, severity: names for people */
      if (rec->seen[i] || !store_field(&rec->line->event, &fs_journal_incident_fields[i], v)) rec->bad = true;
      rec->seen[i] = true;
      return;
    }
  }
}

static uint32_t ms_to_samples(double ms, float rate) {
  double samples = ms * rate / 1000.0;
  return isfinite(samples) && samples >= 0.0 && samples < 4294967295.0
             ? (uint32_t)lround(samples)
             : 0u;
}

static bool required_seen(const record *rec, const char *path) {
  for (int i = 0; i < FIELD_COUNT; ++i) {
    if (strcmp(fs_journal_incident_fields[i].path, path) == 0) return rec->seen[i];
  }
  return false;
}

fs_journal_line_type fs_journal_parse_line(const char *text, size_t len, fs_journal_line *out) {
  memset(out, 0, sizeof(*out));
  record rec = {.line = out, .to_safe_ms = NAN, .to_full_ms = NAN};
  /* Fields a record may leave out read as "not measured", not as zero. */
  fs_event *e = &out->event;
  e->value = e->threshold = e->input_db = e->output_db = NAN;
  e->reduction_db = e->ceiling_db = e->xfade_ms = e->budget_pct = NAN;
  e->dsp_load = e->sample_rate = NAN;

  json_reader r = {.at = text, .end = text + len, .on_scalar = on_scalar, .context = &rec};
  skip_space(&r);
  if (r.at == r.end) return out->type = FS_JOURNAL_LINE_BLANK;
  char path[KEY_MAX * DEPTH_MAX] = "";
  bool ok = *r.at == '{' && read_value(&r, path, 0);
  skip_space(&r);
  if (!ok || r.at != r.end || rec.bad) return out->type = FS_JOURNAL_LINE_MALFORMED;

  if (strcmp(rec.type, "model") == 0) {
    out->has_dropped = rec.has_dropped;
    out->dropped_events = rec.has_dropped ? (uint64_t)rec.dropped : 0u;
    return out->type = FS_JOURNAL_LINE_MODEL;
  }
  if (strcmp(rec.type, "incident") != 0 || !required_seen(&rec, "kind") ||
      !required_seen(&rec, "id") || !required_seen(&rec, "cause")) {
    return out->type = FS_JOURNAL_LINE_MALFORMED;
  }
  /* Older or hand-written lines may only give the times in ms. */
  if (!required_seen(&rec, "to_safe_samples")) {
    e->to_safe = ms_to_samples(rec.to_safe_ms, e->sample_rate);
  }
  if (!required_seen(&rec, "to_full_samples")) {
    e->to_full = ms_to_samples(rec.to_full_ms, e->sample_rate);
  }
  return out->type = FS_JOURNAL_LINE_INCIDENT;
}

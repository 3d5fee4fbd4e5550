/* fs_json: the tools' one JSON writer; strings are escaped by the
 * journal's escaper (fs_json_text).
 *
 * The streaming writer (failsafe-host's summary, failsafe-bench's --json,
 * failsafe-rt's summary) tracks only whether a comma is due at each
 * nesting level of objects and arrays, writes compact JSON (one line), and
 * writes non-finite numbers as null because JSON has no NaN or infinity. */
#ifndef FS_JSON_H
#define FS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum { FS_JSON_MAX_DEPTH = 16 };

typedef struct fs_json {
  FILE *out;
  int depth;
  bool need_comma[FS_JSON_MAX_DEPTH];
  bool after_key; /* a value follows a key: no comma before it */
} fs_json;

void fs_json_init(fs_json *json, FILE *out);
void fs_json_object_begin(fs_json *json);
void fs_json_object_end(fs_json *json);
void fs_json_array_begin(fs_json *json);
void fs_json_array_end(fs_json *json);
void fs_json_key(fs_json *json, const char *key);
void fs_json_string(fs_json *json, const char *value);
void fs_json_double(fs_json *json, double value);
void fs_json_uint(fs_json *json, uint64_t value);
/* A key and its number in one call, for objects that are mostly figures. */
void fs_json_member_double(fs_json *json, const char *key, double value);
void fs_json_member_uint(fs_json *json, const char *key, uint64_t value);
/* null for "no such figure" where it is not a non-finite number (the
   bench's target of a row without one, a delay never measured). */
void fs_json_null(fs_json *json);
void fs_json_bool(fs_json *json, bool value);

/* text as a quoted JSON string ("" for NULL), escaped as the journal
 * escapes it (recovery/worker/fs_json_text.h): one escaper for all. */
void fs_json_write_string(FILE *out, const char *text);

#endif

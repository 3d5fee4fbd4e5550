/* fs_json: see fs_json.h. */
#include "fs_json.h"

#include "fs_json_text.h"

#include <math.h>
#include <stdlib.h>

void fs_json_init(fs_json *json, FILE *out) {
  json->out = out;
  json->depth = 0;
  json->need_comma[0] = false;
  json->after_key = false;
}

/* Every value and key goes through here so commas land in one place. */
static void separate(fs_json *json) {
  if (json->after_key) {
    json->after_key = false;
    return;
  }
  if (json->need_comma[json->depth]) fputc(',', json->out);
  json->need_comma[json->depth] = true;
}

/* Objects and arrays open and close alike: only the bracket differs. */
static void open_level(fs_json *json, char bracket) {
  separate(json);
  fputc(bracket, json->out);
  if (json->depth + 1 < FS_JSON_MAX_DEPTH) json->depth++;
  json->need_comma[json->depth] = false;
}

static void close_level(fs_json *json, char bracket) {
  fputc(bracket, json->out);
  if (json->depth > 0) json->depth--;
  if (json->depth == 0) fputc('\n', json->out);
}

void fs_json_object_begin(fs_json *json) { open_level(json, '{'); }
void fs_json_object_end(fs_json *json) { close_level(json, '}'); }
void fs_json_array_begin(fs_json *json) { open_level(json, '['); }
void fs_json_array_end(fs_json *json) { close_level(json, ']'); }

void fs_json_write_string(FILE *out, const char *text) { fs_json_put_string(out, text ? text : ""); }

void fs_json_key(fs_json *json, const char *key) {
  separate(json);
  fs_json_write_string(json->out, key);
  fputc(':', json->out);
  json->after_key = true;
}

void fs_json_string(fs_json *json, const char *value) {
  separate(json);
  if (value) fs_json_write_string(json->out, value);
  else fputs("null", json->out);
}

void fs_json_double(fs_json *json, double value) {
  separate(json);
  if (!isfinite(value)) {
    fputs("null", json->out);
    return;
  }
  /* The shortest of %.15g / %.17g that reads back as the same double, so
   * 0.5 stays 0.5 and nothing is lost. */
  char text[40];
  snprintf(text, sizeof text, "%.15g", value);
  if (strtod(text, NULL) != value) snprintf(text, sizeof text, "%.17g", value);
  fputs(text, json->out);
}

void fs_json_uint(fs_json *json, uint64_t value) {
  separate(json);
  fprintf(json->out, "%llu", (unsigned long long)value);
}

void fs_json_member_double(fs_json *json, const char *key, double value) {
  fs_json_key(json, key);
  fs_json_double(json, value);
}

void fs_json_member_uint(fs_json *json, const char *key, uint64_t value) {
  fs_json_key(json, key);
  fs_json_uint(json, value);
}

void fs_json_null(fs_json *json) {
  separate(json);
  fputs("null", json->out);
}

void fs_json_bool(fs_json *json, bool value) {
  separate(json);
  fputs(value ? "true" : "false", json->out);
}

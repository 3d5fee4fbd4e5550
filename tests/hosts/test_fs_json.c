/* fs_json, the tools' streaming JSON writer: commas only between the
   members of one object or the elements of one array, whatever nests in
   them; nothing but JSON for a non-finite number, a missing figure or a
   string that needs escaping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs_json.h"

typedef struct {
  FILE *out;
  char *text;
  size_t length;
  fs_json json;
} capture;

static void capture_begin(capture *c) {
  c->text = NULL;
  c->out = open_memstream(&c->text, &c->length);
  assert_non_null(c->out);
  fs_json_init(&c->json, c->out);
}

/* What was written; the caller frees it. */
static char *capture_end(capture *c) {
  assert_int_equal(fclose(c->out), 0);
  return c->text;
}

/* Arrays in objects, objects in arrays, an empty one of each: each level
   keeps its own comma, and the outermost close ends the line. */
static void arrays_nest_with_their_own_commas(void **state) {
  (void)state;
  capture c;
  capture_begin(&c);
  fs_json *json = &c.json;
  fs_json_object_begin(json);
  fs_json_key(json, "rows");
  fs_json_array_begin(json);
  fs_json_object_begin(json);
  fs_json_key(json, "values");
  fs_json_array_begin(json);
  fs_json_double(json, 0.5);
  fs_json_string(json, "never");
  fs_json_array_end(json);
  fs_json_key(json, "ok");
  fs_json_bool(json, true);
  fs_json_object_end(json);
  fs_json_array_begin(json);
  fs_json_array_end(json);
  fs_json_object_begin(json);
  fs_json_object_end(json);
  fs_json_uint(json, 3);
  fs_json_array_end(json);
  fs_json_key(json, "notes");
  fs_json_array_begin(json);
  fs_json_array_end(json);
  fs_json_object_end(json);
  char *text = capture_end(&c);
  assert_string_equal(text, "{\"rows\":[{\"values\":[0.5,\"never\"],\"ok\":true},[],{},3],\"notes\":[]}\n");
  free(text);
}

/* A top-level array ends its line as a top-level object does. */
static void a_top_level_array_ends_the_line(void **state) {
  (void)state;
  capture c;
  capture_begin(&c);
  fs_json_array_begin(&c.json);
  fs_json_uint(&c.json, 1);
  fs_json_uint(&c.json, 2);
  fs_json_array_end(&c.json);
  char *text = capture_end(&c);
  assert_string_equal(text, "[1,2]\n");
  free(text);
}

/* null, non-finite numbers and escaped keys and strings, in an array as in
   an object. */
static void missing_figures_and_odd_strings_stay_json(void **state) {
  (void)state;
  capture c;
  capture_begin(&c);
  fs_json *json = &c.json;
  fs_json_object_begin(json);
  fs_json_key(json, "we\"ird\\dir");
  fs_json_array_begin(json);
  fs_json_null(json);
  fs_json_double(json, NAN);
  fs_json_double(json, INFINITY);
  fs_json_string(json, "a\"b\\c\n");
  fs_json_array_end(json);
  fs_json_object_end(json);
  char *text = capture_end(&c);
  assert_string_equal(text, "{\"we\\\"ird\\\\dir\":[null,null,null,\"a\\\"b\\\\c\\u000a\"]}\n");
  free(text);
}

/* A member in one call is its key and its value, non-finite as null. */
static void members_are_a_key_and_a_value(void **state) {
  (void)state;
  capture c;
  capture_begin(&c);
  fs_json *json = &c.json;
  fs_json_object_begin(json);
  fs_json_member_uint(json, "calls", 3750);
  fs_json_member_double(json, "peak", 0.5);
  fs_json_member_double(json, "after_s", NAN);
  fs_json_object_end(json);
  char *text = capture_end(&c);
  assert_string_equal(text, "{\"calls\":3750,\"peak\":0.5,\"after_s\":null}\n");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(arrays_nest_with_their_own_commas),
      cmocka_unit_test(a_top_level_array_ends_the_line),
      cmocka_unit_test(missing_figures_and_odd_strings_stay_json),
      cmocka_unit_test(members_are_a_key_and_a_value),
  };
  return cmocka_run_group_tests_name("fs_json", tests, NULL, NULL);
}

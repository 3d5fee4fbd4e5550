/*
  fs_json_text: JSON string escaping, the one copy for the journal and the
  tools that read or report it.  '"' and '\' take a backslash, every other
  character below 0x20 becomes \u00XX, and everything else (UTF-8
  included) passes as it is.

  Threading: any thread; no allocation, no state.
*/
#ifndef FS_JSON_TEXT_H
#define FS_JSON_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Writes `text` escaped, without quotes, into out[0 .. cap) and NUL-ends
   it when cap > 0.  Returns the length the whole escape takes (not
   counting the NUL), as snprintf() does: at least cap means it was cut. */
size_t fs_json_escape(char *out, size_t cap, const char *text);

/* Writes `text` to `out` as a JSON string, quotes included. */
void fs_json_put_string(FILE *out, const char *text);

#endif

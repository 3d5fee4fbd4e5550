#include "fs_json_text.h"

/* The escape of one byte into e (at most 7 bytes and a NUL); its length. */
static size_t escape_byte(unsigned char c, char e[8]) {
  if (c == '"' || c == '\\') {
    e[0] = '\\';
    e[1] = (char)c;
    e[2] = '\0';
    return 2;
  }
  if (c < 0x20) {
    return (size_t)snprintf(e, 8, "\\u%04x", c);
  }
  e[0] = (char)c;
  e[1] = '\0';
  return 1;
}

size_t fs_json_escape(char *out, size_t cap, const char *text) {
  size_t len = 0;
  for (const unsigned char *c = (const unsigned char *)text; *c; ++c) {
    char e[8];
    const size_t n = escape_byte(*c, e);
    for (size_t i = 0; i < n; ++i, ++len) {
      if (len + 1 < cap) {
        out[len] = e[i];
      }
    }
  }
  if (cap > 0) {
    out[len < cap ? len : cap - 1] = '\0';
  }
  return len;
}

void fs_json_put_string(FILE *out, const char *text) {
  fputc('"', out);
  for (const unsigned char *c = (const unsigned char *)text; *c; ++c) {
    char e[8];
    escape_byte(*c, e);
    fputs(e, out);
  }
  fputc('"', out);
}

/* fs_host_timeline_svg: see fs_host_timeline_svg.h.
 *
 * The picture, top to bottom: incident labels, the level panel (input and
 * output peak in dBFS, the ceiling, chaos windows shaded), the chaos strip,
 * the tier band, the health panel, the time axis and the legend.  Every
 * strip shares one x axis, so a vertical line through the picture is one
 * moment of the file. */
#include "fs_host_timeline_svg.h"

#include "fs_cause.h"
#include "fs_controls.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Geometry, in SVG user units (pixels at 100 %). */
enum {
  WIDTH = 1800,
  LEFT = 96,
  RIGHT = 24,
  PLOT_W = WIDTH - LEFT - RIGHT,
  LABEL_ROWS = 3,
  LABEL_ROW_H = 14,
  LABEL_TOP = 64,
  LEVEL_TOP = LABEL_TOP + LABEL_ROWS * LABEL_ROW_H + 8,
  LEVEL_H = 300,
  STRIP_H = 20,
  HEALTH_H = 80,
  GAP = 12,
};
static const double level_top_db = 6.0;    /* room to see overs */
static const double level_floor_db = -60.0;
/* A rough advance of the 11 px sans-serif font, to keep labels apart. */
static const double char_width = 6.4;

static const char *const tier_names[] = {"full", "light", "bypass"};
static const char *const tier_colours[] = {"#2e9e5b", "#e8a317", "#d64541"};
static const char *const unknown_colour = "#e4e4e4";
static const char *const input_colour = "#aab2bd";
static const char *const output_colour = "#1f66c1";
static const char *const incident_colour = "#c0162c";
static const char *const health_colour = "#6f3fb0";
static const char *const chaos_colour = "#f6d365";

typedef struct canvas {
  FILE *out;
  const fs_timeline *t;
  double seconds;
  int chaos_top, tier_top, health_top, axis_top, legend_top, height;
} canvas;

static double x_of_seconds(const canvas *cv, double s) {
  if (cv->seconds <= 0) return LEFT;
  if (s < 0) s = 0;
  if (s > cv->seconds) s = cv->seconds;
  return LEFT + s / cv->seconds * PLOT_W;
}

static double x_of_column(const canvas *cv, double column) {
  return LEFT + column / (double)cv->t->columns * PLOT_W;
}

static double y_of_db(double db) {
  if (!(db <= level_top_db)) db = level_top_db; /* +inf and NaN: the top */
  if (db < level_floor_db) db = level_floor_db;
  return LEVEL_TOP + (level_top_db - db) / (level_top_db - level_floor_db) *
                         LEVEL_H;
}

static double y_of_peak(float peak) {
  return y_of_db(peak > 0 ? 20.0 * log10(peak) : level_floor_db);
}

/* Text content and attribute values: markup characters escaped, control
 * and non-ASCII bytes replaced so the file is valid whatever a path holds. */
static void put_text(FILE *out, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    switch (*p) {
    case '&': fputs("&amp;", out); break;
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '"': fputs("&quot;", out); break;
    default: fputc(*p < 0x20 || *p >= 0x7f ? '?' : *p, out);
    }
  }
}

/* "runaway_gain" -> "runaway gain", into buf. */
static const char *cause_label(int cause, char *buf, size_t size) {
  snprintf(buf, size, "%s", fs_cause_name(cause));
  for (char *p = buf; *p; p++)
    if (*p == '_') *p = ' ';
  return buf;
}

static void draw_header(const canvas *cv, const fs_timeline_titles *titles) {
  FILE *out = cv->out;
  uint64_t incidents = 0;
  for (size_t i = 0; i < cv->t->incident_count; i++)
    incidents += cv->t->incidents[i].count;
  fprintf(out, "<text x=\"%d\" y=\"26\" class=\"title\">failsafe timeline",
          LEFT);
  if (titles && titles->input_path) {
    fputs(": ", out);
    put_text(out, titles->input_path);
  }
  fputs("</text>\n", out);
  fprintf(out, "<text x=\"%d\" y=\"46\" class=\"sub\">", LEFT);
  if (titles && titles->plugin_uri) {
    put_text(out, titles->plugin_uri);
    fputs(", ", out);
  }
  fprintf(out, "%.1f s at %.0f Hz, %llu incident%s</text>\n", cv->seconds,
          cv->t->rate, (unsigned long long)incidents,
          incidents == 1 ? "" : "s");
}

static void draw_level_panel(const canvas *cv,
                             const fs_timeline_titles *titles) {
  FILE *out = cv->out;
  const fs_timeline *t = cv->t;
  fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
          "class=\"panel\"/>\n", LEFT, LEVEL_TOP, PLOT_W, LEVEL_H);
  /* Chaos windows first, so the levels stay on top of the shading. */
  for (size_t i = 0; i < t->chaos_count; i++) {
    double x0 = x_of_seconds(cv, t->chaos[i].start_s);
    double x1 = x_of_seconds(cv, t->chaos[i].end_s);
    fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
            "fill=\"%s\" opacity=\"0.3\"/>\n", x0, LEVEL_TOP, x1 - x0,
            LEVEL_H, chaos_colour);
  }
  for (int db = 0; db >= (int)level_floor_db; db -= 10) {
    double y = y_of_db(db);
    fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
            "class=\"%s\"/>\n", LEFT, y, LEFT + PLOT_W, y,
            db == 0 ? "zero" : "grid");
    fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" "
            "text-anchor=\"end\">%d</text>\n", LEFT - 6, y + 4, db);
  }
  fprintf(out, "<text transform=\"translate(22 %d) rotate(-90)\" "
          "class=\"axis\" text-anchor=\"middle\">level (dBFS peak)</text>\n",
          LEVEL_TOP + LEVEL_H / 2);

  /* Each envelope is one closed path along the column centres. */
  const float *peaks[2] = {t->input_peak, t->output_peak};
  const char *styles[2] = {"input", "output"};
  double floor_y = y_of_db(level_floor_db);
  for (int k = 0; k < 2; k++) {
    fprintf(out, "<path class=\"%s\" d=\"M%.1f %.1f", styles[k],
            x_of_column(cv, 0), floor_y);
    for (size_t c = 0; c < t->columns; c++)
      fprintf(out, "L%.1f %.1f", x_of_column(cv, c + 0.5),
              y_of_peak(peaks[k][c]));
    fprintf(out, "L%.1f %.1fZ\"/>\n", x_of_column(cv, (double)t->columns),
            floor_y);
  }

  if (titles && isfinite(titles->ceiling_dbfs)) {
    double y = y_of_db(titles->ceiling_dbfs);
    fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
            "class=\"ceiling\"/>\n", LEFT, y, LEFT + PLOT_W, y);
    fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" "
            "text-anchor=\"end\" fill=\"%s\">ceiling %g dBFS</text>\n",
            LEFT + PLOT_W - 4, y - 4, incident_colour, titles->ceiling_dbfs);
  }
}

static void draw_strip_label(const canvas *cv, int top, int height,
                             const char *label) {
  fprintf(cv->out, "<text x=\"%d\" y=\"%d\" class=\"axis\" "
          "text-anchor=\"end\">%s</text>\n", LEFT - 6, top + height / 2 + 4,
          label);
}

static void draw_chaos_strip(const canvas *cv) {
  FILE *out = cv->out;
  const fs_timeline *t = cv->t;
  if (!t->chaos_count) return;
  draw_strip_label(cv, cv->chaos_top, STRIP_H, "chaos");
  fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
          "class=\"panel\"/>\n", LEFT, cv->chaos_top, PLOT_W, STRIP_H);
  for (size_t i = 0; i < t->chaos_count; i++) {
    double x0 = x_of_seconds(cv, t->chaos[i].start_s);
    double x1 = x_of_seconds(cv, t->chaos[i].end_s);
    fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
            "class=\"chaos\"><title>chaos %d (%s), %g-%g s</title></rect>\n",
            x0, cv->chaos_top, x1 - x0, STRIP_H, t->chaos[i].mode,
            fs_chaos_label(t->chaos[i].mode), t->chaos[i].start_s,
            t->chaos[i].end_s);
    char label[48];
    snprintf(label, sizeof label, "%d %s", t->chaos[i].mode,
             fs_chaos_label(t->chaos[i].mode));
    /* The name where it fits, else the number alone. */
    if (x1 - x0 <= char_width * (double)strlen(label) + 6)
      snprintf(label, sizeof label, "%d", t->chaos[i].mode);
    if (x1 - x0 > char_width * (double)strlen(label) + 6)
      fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\">%s</text>\n",
              x0 + 4, cv->chaos_top + 14, label);
  }
}

/* One rectangle per run of equal columns: a handful for a normal run. */
static void draw_tier_band(const canvas *cv) {
  FILE *out = cv->out;
  const fs_timeline *t = cv->t;
  if (!t->any_tier) return;
  draw_strip_label(cv, cv->tier_top, STRIP_H, "tier");
  size_t start = 0;
  for (size_t c = 1; c <= t->columns; c++) {
    if (c < t->columns && t->tier[c] == t->tier[start]) continue;
    int tier = t->tier[start];
    const char *colour = tier >= 0 && tier <= 2 ? tier_colours[tier]
                                                : unknown_colour;
    double x0 = x_of_column(cv, (double)start);
    double x1 = x_of_column(cv, (double)c);
    fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
            "fill=\"%s\"><title>%s</title></rect>\n", x0, cv->tier_top,
            x1 - x0, STRIP_H, colour,
            tier >= 0 && tier <= 2 ? tier_names[tier] : "no reading");
    start = c;
  }
}

static void draw_health_panel(const canvas *cv) {
  FILE *out = cv->out;
  const fs_timeline *t = cv->t;
  if (!t->any_health) return;
  int top = cv->health_top;
  fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
          "class=\"panel\"/>\n", LEFT, top, PLOT_W, HEALTH_H);
  for (int h = 0; h <= 100; h += 50) {
    double y = top + (100 - h) / 100.0 * HEALTH_H;
    fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
            "class=\"grid\"/>\n", LEFT, y, LEFT + PLOT_W, y);
    fprintf(out, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" "
            "text-anchor=\"end\">%d</text>\n", LEFT - 6, y + 4, h);
  }
  fprintf(out, "<text transform=\"translate(22 %d) rotate(-90)\" "
          "class=\"axis\" text-anchor=\"middle\">health</text>\n",
          top + HEALTH_H / 2);
  /* Columns without a reading break the line rather than invent values. */
  fputs("<path class=\"health\" d=\"", out);
  bool drawing = false;
  for (size_t c = 0; c < t->columns; c++) {
    if (isnan(t->health[c])) {
      drawing = false;
      continue;
    }
    double h = t->health[c] < 0 ? 0 : t->health[c] > 100 ? 100 : t->health[c];
    fprintf(out, "%c%.1f %.1f", drawing ? 'L' : 'M', x_of_column(cv, c + 0.5),
            top + (100 - h) / 100.0 * HEALTH_H);
    drawing = true;
  }
  fputs("\"/>\n", out);
}

/* A tick step that gives at most ~12 labelled ticks. */
static double time_step(double seconds) {
  static const double steps[] = {0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60,
                                 120, 300, 600, 1800, 3600};
  for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
    if (seconds / steps[i] <= 12) return steps[i];
  return 7200;
}

static void draw_time_axis(const canvas *cv) {
  FILE *out = cv->out;
  double step = time_step(cv->seconds);
  int bottom = cv->axis_top;
  fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
          "class=\"zero\"/>\n", LEFT, bottom, LEFT + PLOT_W, bottom);
  for (int i = 0; i * step <= cv->seconds + 1e-9; i++) {
    double s = i * step;
    double x = x_of_seconds(cv, s);
    /* A faint line through every strip, so moments line up. */
    fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
            "class=\"grid\"/>\n", x, LEVEL_TOP, x, bottom + 5);
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" "
            "text-anchor=\"middle\">%.*f</text>\n", x, bottom + 18,
            step < 1 ? 1 : 0, s);
  }
  fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"axis\" "
          "text-anchor=\"middle\">time (s)</text>\n", LEFT + PLOT_W / 2,
          bottom + 36);
}

/* Incidents in one column are one marker ("3x runaway gain"); labels go
 * in the first row with room, and a marker without room keeps its line and
 * its tooltip. */
static void draw_incidents(const canvas *cv) {
  FILE *out = cv->out;
  const fs_timeline *t = cv->t;
  double row_end[LABEL_ROWS];
  for (int r = 0; r < LABEL_ROWS; r++) row_end[r] = -1e9;
  int line_bottom = cv->health_top + (t->any_health ? HEALTH_H : 0);
  if (line_bottom < cv->tier_top + STRIP_H) line_bottom = cv->tier_top + STRIP_H;
  size_t i = 0;
  while (i < t->incident_count) {
    size_t column = fs_timeline_column_of(t, t->incidents[i].frame);
    uint64_t count = 0;
    int cause = 0;
    size_t j = i;
    for (; j < t->incident_count &&
           fs_timeline_column_of(t, t->incidents[j].frame) == column; j++) {
      count += t->incidents[j].count;
      cause = t->incidents[j].cause;
    }
    double x = x_of_column(cv, column + 0.5);
    double seconds = (double)t->incidents[i].frame / t->rate;
    char name[40], label[64];
    cause_label(cause, name, sizeof name);
    if (count > 1) snprintf(label, sizeof label, "%llux %s",
                            (unsigned long long)count, name);
    else snprintf(label, sizeof label, "%s", name);
    fprintf(out, "<g class=\"incident\"><title>%.3f s: %s</title>"
            "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
            "<path d=\"M%.1f %dl-4 -7h8z\"/>", seconds, label, x, LEVEL_TOP,
            x, line_bottom, x, LEVEL_TOP);
    double width = char_width * (double)strlen(label);
    for (int r = 0; r < LABEL_ROWS; r++) {
      if (x - 2 <= row_end[r] + 6) continue;
      fprintf(out, "<text x=\"%.1f\" y=\"%d\">%s</text>", x - 2,
              LABEL_TOP + (r + 1) * LABEL_ROW_H - 3, label);
      row_end[r] = x - 2 + width;
      break;
    }
    fputs("</g>\n", out);
    i = j;
  }
}

/* Swatches and words in one row; positions follow the words' lengths. */
static void draw_legend(const canvas *cv) {
  FILE *out = cv->out;
  const fs_timeline *t = cv->t;
  double x = LEFT;
  int y = cv->legend_top;
  struct item {
    const char *swatch; /* rect fill, or NULL for a line */
    const char *line;
    const char *text;
    bool shown;
  } items[] = {
    {input_colour, NULL, "input", true},
    {output_colour, NULL, "output", true},
    {NULL, incident_colour, "ceiling (dashed)", true},
    {tier_colours[0], NULL, "tier full", t->any_tier},
    {tier_colours[1], NULL, "tier light", t->any_tier},
    {tier_colours[2], NULL, "tier bypass", t->any_tier},
    {NULL, health_colour, "health (100 = clean)", t->any_health},
    {NULL, incident_colour, "incident: cause", true},
    {chaos_colour, NULL, "chaos window (fault injected)", t->chaos_count > 0},
  };
  for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
    if (!items[i].shown) continue;
    if (items[i].swatch)
      fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"14\" height=\"12\" "
              "fill=\"%s\"%s/>\n", x, y - 10, items[i].swatch,
              items[i].swatch == output_colour ? " opacity=\"0.6\"" : "");
    else
      fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
              "stroke=\"%s\" stroke-width=\"2\"/>\n", x, y - 4, x + 14, y - 4,
              items[i].line);
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"legend\">%s</text>\n",
            x + 20, y, items[i].text);
    x += 20 + 7.0 * (double)strlen(items[i].text) + 24;
  }
}

int fs_timeline_write_svg(const fs_timeline *t, const char *path,
                          const fs_timeline_titles *titles, char *err,
                          size_t err_size) {
  canvas cv = {.t = t, .seconds = (double)t->total_frames / t->rate};
  int y = LEVEL_TOP + LEVEL_H + GAP;
  cv.chaos_top = y;
  if (t->chaos_count) y += STRIP_H + 6;
  cv.tier_top = y;
  if (t->any_tier) y += STRIP_H + GAP;
  cv.health_top = y;
  if (t->any_health) y += HEALTH_H;
  cv.axis_top = y + 4;
  cv.legend_top = cv.axis_top + 64;
  cv.height = cv.legend_top + 16;

  cv.out = fopen(path, "w");
  if (!cv.out) {
    snprintf(err, err_size, "cannot write timeline '%s': %s", path,
             strerror(errno));
    return -1;
  }
  FILE *out = cv.out;
  fprintf(out,
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n"
    "<style>\n"
    "text { font-family: 'DejaVu Sans', Verdana, sans-serif; font-size: 11px;"
    " fill: #333; }\n"
    ".title { font-size: 17px; font-weight: bold; }\n"
    ".sub { font-size: 12px; fill: #666; }\n"
    ".axis { font-size: 12px; }\n"
    ".legend { font-size: 12px; }\n"
    ".panel { fill: #fafafa; stroke: #ccc; }\n"
    ".grid { stroke: #e2e2e2; stroke-width: 1; }\n"
    ".zero { stroke: #999; stroke-width: 1; }\n"
    ".input { fill: %s; stroke: none; }\n"
    ".output { fill: %s; fill-opacity: 0.6; stroke: %s; stroke-width: 0.8; }\n"
    ".ceiling { stroke: %s; stroke-width: 1.2; stroke-dasharray: 6 4; }\n"
    ".health { fill: none; stroke: %s; stroke-width: 1.5; }\n"
    ".chaos { fill: %s; stroke: #b8860b; }\n"
    ".incident line { stroke: %s; stroke-width: 1; opacity: 0.75; }\n"
    ".incident path { fill: %s; }\n"
    ".incident text { fill: %s; font-weight: bold; }\n"
    "</style>\n"
    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
    WIDTH, cv.height, WIDTH, cv.height, input_colour, output_colour,
    output_colour, incident_colour, health_colour, chaos_colour,
    incident_colour,
    incident_colour, incident_colour);
  draw_header(&cv, titles);
  draw_level_panel(&cv, titles);
  draw_chaos_strip(&cv);
  draw_tier_band(&cv);
  draw_health_panel(&cv);
  draw_time_axis(&cv);
  draw_incidents(&cv);
  draw_legend(&cv);
  fputs("</svg>\n", out);

  bool failed = ferror(out) != 0;
  if (fclose(out) != 0) failed = true;
  if (failed) {
    snprintf(err, err_size, "cannot write timeline '%s'", path);
    remove(path);
    return -1;
  }
  return 0;
}

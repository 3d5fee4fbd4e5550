/* fs_host_timeline: what a picture of one offline run is drawn from
 * (fs_host_timeline_svg draws it).
 *
 * The run is folded into a fixed number of columns (at most
 * FS_TIMELINE_MAX_COLUMNS, whatever the file's length), so a ten-minute
 * file gives a picture as small as a ten-second one.  Per column it keeps
 * the input and output peak level, the worst tier and the lowest health
 * the plugin reported; incidents are kept as a list of moments and merged
 * per column when drawn.
 *
 * All positions are frames of the input file.  The caller maps the
 * plugin's raw output and port readings onto that axis (subtracting the
 * latency it compensates), so what is drawn at one x happened to the same
 * stretch of sound. */
#ifndef FS_HOST_TIMELINE_H
#define FS_HOST_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { FS_TIMELINE_MAX_COLUMNS = 2000 };

/* Filled only through the functions below; read by the drawing. */
typedef struct fs_timeline fs_timeline;

typedef struct fs_timeline_incident {
  uint64_t frame;
  int cause;
  uint64_t count; /* the counter can rise by more than one per reading */
} fs_timeline_incident;

typedef struct fs_timeline_chaos {
  double start_s, end_s;
  int mode;
} fs_timeline_chaos;

struct fs_timeline {
  double rate;
  uint64_t total_frames;
  size_t columns;
  float *input_peak;  /* linear; +inf marks a non-finite sample */
  float *output_peak;
  signed char *tier;  /* worst tier seen in the column, -1 unknown */
  float *health;      /* lowest health seen in the column, NaN unknown */
  bool any_tier, any_health;
  double last_incidents;
  fs_timeline_incident *incidents;
  size_t incident_count, incident_capacity;
  fs_timeline_chaos *chaos;
  size_t chaos_count, chaos_capacity;
};

/* What the plugin's output ports said after one run(); fields a plugin
 * lacks are marked absent. */
typedef struct fs_timeline_reading {
  bool has_tier, has_health, has_incidents;
  int tier;           /* 0 full, 1 light, 2 bypass */
  double health;      /* 0..100 */
  double incidents;   /* counter since activation */
  int cause;          /* of the last incident, 0 when unknown */
} fs_timeline_reading;

/* total_frames: the input file's length (0 gives an empty picture). */
fs_timeline *fs_timeline_create(uint64_t total_frames, double sample_rate);
void fs_timeline_free(fs_timeline *timeline);

/* Levels of frames [first, first + frames) of interleaved audio; the
 * loudest channel counts. */
void fs_timeline_add_input(fs_timeline *timeline, uint64_t first,
                           const float *interleaved, size_t frames,
                           unsigned channels);
void fs_timeline_add_output(fs_timeline *timeline, uint64_t first,
                            const float *interleaved, size_t frames,
                            unsigned channels);

/* Port readings that describe the sound of frames [begin, end); a rise of
 * the incident counter is drawn at `end`.  Positions may lie outside the
 * file (the latency's lead-in and tail); they are clamped.  Returns -1
 * when out of memory. */
int fs_timeline_add_reading(fs_timeline *timeline, int64_t begin, int64_t end,
                            const fs_timeline_reading *reading);

/* The column that frame falls in. */
size_t fs_timeline_column_of(const fs_timeline *timeline, uint64_t frame);

/* A fault-injection window to show under the levels, in seconds. */
int fs_timeline_add_chaos(fs_timeline *timeline, double start_s, double end_s,
                          int mode);

#endif

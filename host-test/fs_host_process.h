/* fs_host_process: the `process` subcommand -- one sound file through one
 * plugin, block by block, the way a DAW renders a track offline. */
#ifndef FS_HOST_PROCESS_H
#define FS_HOST_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_control_setting {
  const char *symbol;
  double value; /* passed through as is: NaN and absurd values included */
} fs_control_setting;

/* Fault injection on a schedule: the plugin's "chaos" control holds mode
 * for the blocks that start in [start_s, end_s) of the input, and its
 * usual value elsewhere.  Later windows win where they overlap. */
typedef struct fs_chaos_window {
  double start_s, end_s;
  double mode;
} fs_chaos_window;

typedef struct fs_process_options {
  const char *input_path;
  const char *output_path;
  const char *uri;            /* NULL: chosen from the channel count */
  uint32_t block;             /* fixed block length, or 0 */
  uint32_t random_blocks_max; /* random lengths 1..max, or 0 */
  uint64_t seed;
  const fs_control_setting *settings;
  size_t setting_count;
  const fs_chaos_window *chaos;
  size_t chaos_count;
  const char *json_path;      /* "-" for stdout, NULL for none */
  const char *timeline_path;  /* SVG picture of the run, NULL for none */
  const char *state_in;
  const char *state_out;
  bool raw;                   /* no latency compensation */
  bool quiet;                 /* also hides the progress bar */
  bool in_place;
  bool sync_worker;
} fs_process_options;

/* Largest block either option accepts. */
enum { FS_PROCESS_MAX_BLOCK = 1 << 20 };

/* With a timeline, no run() covers more than this much audio, so the
 * output ports are read at least this often. */
#define FS_PROCESS_TIMELINE_RUN_S 0.010

/* Returns 0 on success, or 2 with a one-line reason in err. */
int fs_process_run(const fs_process_options *options, char *err,
                   size_t err_size);

#endif

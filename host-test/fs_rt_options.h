/* fs_rt_options: failsafe-rt's command line.
 *
 * Only reads and checks the arguments; what they name (the plugin, the
 * device, the files) is opened by the modules that use them.  Main
 * thread. */
#ifndef FS_RT_OPTIONS_H
#define FS_RT_OPTIONS_H

#include <stdint.h>

#define FS_RT_MAX_SETS 32

typedef struct fs_rt_options {
  const char *uri;
  double seconds;
  uint32_t frames;
  double rate;
  const char *sets[FS_RT_MAX_SETS];
  int set_count;
  const char *chaos;
  const char *input_path;
  const char *json_path;
  const char *blocks_csv;
  const char *baseline_csv;
  const char *host_api;
  const char *device;
  int bypass_baseline;
  int calibrate; /* A/A: the plugin's segments run the plain copy too */
  double segment_seconds; /* 0: the default */
  int start_jack;
  int no_realtime;
  int keep_cpus_awake;
  int list_devices;
  int verbose;
} fs_rt_options;

/* Reads argv into o.  Returns 0 to run, 1 when --help was printed (the
 * program then exits 0), -1 after saying what is wrong on stderr. */
int fs_rt_options_parse(int argc, char **argv, fs_rt_options *o);

/* The length of one baseline or plugin segment, in seconds. */
double fs_rt_options_segment_seconds(const fs_rt_options *o);

#endif

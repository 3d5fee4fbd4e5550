/* fs_rt_callback: failsafe-rt's audio callback and the memory it works in.
 *
 * The callback only copies, calls run() and writes into arrays allocated
 * and touched before the stream starts: it never allocates, locks, prints
 * or blocks, so what it measures is the plugin and not the harness.
 *
 * Threading: prepare/release and the file loader on the main thread,
 * fs_rt_callback on PortAudio's audio thread; see fs_rt_callback_state for
 * what the main thread may read while the stream runs. */
#ifndef FS_RT_CALLBACK_H
#define FS_RT_CALLBACK_H

#include "fs_rt_chaos.h"
#include "fs_rt_options.h"
#include "fs_rt_plugin.h"
#include "fs_rt_report.h"

#include <portaudio.h>

#include <stdatomic.h>
#include <stdint.h>

/* An input file, decoded into memory before the stream starts. */
typedef struct fs_rt_file {
  float *samples; /* interleaved */
  uint64_t frames;
  uint32_t channels;
} fs_rt_file;

/* Everything the callback touches.  The main thread reads `done` and
 * `count` while the stream runs and the rest only after it has stopped.
 *
 * With a bypass baseline, the plugin and a plain copy share one stream in
 * alternating segments; each condition has its own block records, frame
 * count and input position, so the plugin's timeline (its chaos schedule,
 * its blocks) counts its own segments only and simply pauses in between,
 * as under a host that stops processing it. */
typedef struct fs_rt_callback_state {
  fs_rt_plugin *plugin;
  const fs_rt_schedule *schedule; /* in the plugin's frames */
  const fs_rt_file *file;         /* NULL: the device's input */
  uint32_t frames;
  int device_in, device_out; /* channels of the stream */
  float *in[FS_RT_MAX_AUDIO], *out[FS_RT_MAX_AUDIO];
  uint64_t segment_blocks; /* callbacks per segment */
  int calibrate;           /* the plugin's segments run the plain copy too */
  uint64_t late_ns;        /* a callback longer than this overran its buffer */
  /* Per condition (fs_rt_condition). */
  fs_rt_block *blocks[FS_RT_CONDITIONS];
  uint64_t quota[FS_RT_CONDITIONS];     /* blocks it gets; 0: not run */
  uint64_t filled[FS_RT_CONDITIONS];
  uint64_t frame[FS_RT_CONDITIONS];
  uint64_t file_pos[FS_RT_CONDITIONS];
  uint64_t segments[FS_RT_CONDITIONS];
  uint64_t last_late[FS_RT_CONDITIONS]; /* seq + 1 of its last late callback, 0: none */
  unsigned long violations[FS_RT_CONDITIONS];
  int last_condition; /* of the previous callback, -1 before the first */
  unsigned long violations_seen;
  /* The callback thread's scheduling, as the first callback found it. */
  atomic_int sched_known;
  int sched_policy, sched_priority;
  _Atomic uint64_t count; /* callbacks run, both conditions */
  atomic_int done;
  void (*guard_arm)(int on); /* the real-time guard when preloaded, else NULL */
  unsigned long (*guard_violations)(void);
} fs_rt_callback_state;

/* The real-time guard (fs_rt_guard.so from the test suite), when it is
 * preloaded: the callback arms it, so any allocation, lock, sleep or file
 * I/O made inside the callback, by the harness or the plugin, is counted. */
typedef struct fs_rt_guard {
  void (*arm)(int on);
  unsigned long (*violations)(void);
  void (*reset)(void);
} fs_rt_guard;

/* Looks up the preloaded guard's entry points; all NULL without it. */
void fs_rt_find_guard(fs_rt_guard *g);

/* Decodes a WAV/FLAC file into memory, interleaved.  Says why on stderr
 * and returns -1 when it cannot. */
int fs_rt_file_load(const char *path, double rate, fs_rt_file *f);

/* Allocates the block records and plugin buffers for o's run, touching
 * every page so the callback never faults one in.  -1 when out of memory;
 * release in any case. */
int fs_rt_callback_prepare(fs_rt_callback_state *s, const fs_rt_options *o);
void fs_rt_callback_release(fs_rt_callback_state *s);

/* PortAudio's stream callback; user is the fs_rt_callback_state. */
int fs_rt_callback(const void *input, void *output, unsigned long frame_count,
                   const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags status, void *user);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t fs_rt_now_ns(void);

#endif

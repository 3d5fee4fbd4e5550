/* failsafe-rt: runs an LV2 plugin live, inside a PortAudio callback, and
 * measures what a live chain would suffer: xruns, late callbacks, the time
 * run() takes, and what the plugin's safety net reports while faults are
 * injected on a schedule.
 *
 * The callback only copies, calls run() and writes into arrays allocated
 * and touched before the stream starts: it never allocates, locks, prints
 * or blocks, so what it measures is the plugin and not the harness.
 * Everything is summarised as JSON once the stream has stopped.
 *
 * Without a sound card, --start-jack runs the stream on a private JACK
 * server with the dummy backend, which keeps real time like a card does. */
#include "fs_rt_awake.h"
#include "fs_rt_chaos.h"
#include "fs_rt_jack.h"
#include "fs_rt_jacklog.h"
#include "fs_rt_plugin.h"
#include "fs_rt_report.h"

#include <pa_jack.h>
#include <portaudio.h>
#include <sndfile.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define FS_RT_MAX_SETS 32
#define FS_RT_EXIT_NO_DEVICE 2

typedef struct {
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

/* An input file, decoded into memory before the stream starts. */
typedef struct {
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
typedef struct {
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
} fs_rt_stream;

/* The real-time guard (fs_rt_guard.so from the test suite), when it is
 * preloaded: the callback arms it, so any allocation, lock, sleep or file
 * I/O made inside the callback, by the harness or the plugin, is counted. */
typedef struct {
  void (*arm)(int on);
  unsigned long (*violations)(void);
  void (*reset)(void);
} fs_rt_guard;

static void find_guard(fs_rt_guard *g) {
  *(void **)&g->arm = dlsym(RTLD_DEFAULT, "fs_rt_guard_arm");
  *(void **)&g->violations = dlsym(RTLD_DEFAULT, "fs_rt_guard_violations");
  *(void **)&g->reset = dlsym(RTLD_DEFAULT, "fs_rt_guard_reset");
  if (!g->arm || !g->violations || !g->reset) memset(g, 0, sizeof *g);
}

static volatile sig_atomic_t fs_rt_interrupted; /* set by SIGINT/SIGTERM */

static void on_signal(int sig) {
  (void)sig;
  fs_rt_interrupted = 1;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* ---- the audio callback ------------------------------------------------ */

static uint32_t in_channels(const fs_rt_stream *s, int cond) {
  return cond == FS_RT_PLUGIN ? s->plugin->n_audio_in : FS_RT_MAX_AUDIO;
}

static uint32_t out_channels(const fs_rt_stream *s, int cond) {
  return cond == FS_RT_PLUGIN ? s->plugin->n_audio_out : FS_RT_MAX_AUDIO;
}

static void fill_inputs(fs_rt_stream *s, int cond, const float *device_in, uint32_t n) {
  const uint32_t channels = in_channels(s, cond);
  if (s->file) {
    const fs_rt_file *f = s->file;
    uint64_t pos = s->file_pos[cond];
    for (uint32_t i = 0; i < n; ++i) {
      const float *frame = f->samples + pos * f->channels;
      for (uint32_t c = 0; c < channels; ++c) s->in[c][i] = frame[c < f->channels ? c : f->channels - 1];
      if (++pos == f->frames) pos = 0; /* loops */
    }
    s->file_pos[cond] = pos;
  } else if (device_in && s->device_in > 0) {
    const uint32_t stride = (uint32_t)s->device_in;
    for (uint32_t c = 0; c < channels; ++c) {
      const uint32_t from = c < stride ? c : stride - 1;
      for (uint32_t i = 0; i < n; ++i) s->in[c][i] = device_in[i * stride + from];
    }
  } else {
    for (uint32_t c = 0; c < channels; ++c) memset(s->in[c], 0, n * sizeof(float));
  }
}

/* Runs the plugin over the block, split wherever the chaos schedule
 * changes value so that a fault starts and stops on its exact frame. */
static uint64_t run_plugin(fs_rt_stream *s, uint32_t n) {
  fs_rt_plugin *p = s->plugin;
  uint64_t spent = 0;
  uint32_t done = 0;
  while (done < n) {
    const uint64_t at = s->frame[FS_RT_PLUGIN] + done;
    const uint64_t edge = fs_rt_schedule_next_edge(s->schedule, at);
    const uint32_t len = edge - at < (uint64_t)(n - done) ? (uint32_t)(edge - at) : n - done;
    if (p->chaos && s->schedule->count > 0) *p->chaos = (float)fs_rt_schedule_mode_at(s->schedule, at);
    spent += fs_rt_plugin_run(p, s->in, s->out, done, len);
    done += len;
  }
  return spent;
}

/* The plugin's block, or the baseline's plain copy (the plugin is not
 * called at all: it pauses). */
static void process(fs_rt_stream *s, int cond, uint32_t n, fs_rt_block *b) {
  if (cond == FS_RT_PLUGIN && !s->calibrate) {
    b->run_ns = run_plugin(s, n);
    b->tier = fs_rt_plugin_output(s->plugin->tier);
    b->incidents = fs_rt_plugin_output(s->plugin->incidents);
    b->cause = fs_rt_plugin_output(s->plugin->cause);
  } else {
    for (uint32_t c = 0; c < FS_RT_MAX_AUDIO; ++c) memcpy(s->out[c], s->in[c], n * sizeof(float));
    b->run_ns = 0;
    b->tier = b->incidents = b->cause = NAN;
  }
}

/* Writes the block's outputs to the device, counting what a listener
 * would hear: non-finite samples (replaced by silence: a real speaker is
 * never fed NaN, whatever the plugin does) and the peak. */
static void write_outputs(fs_rt_stream *s, int cond, float *device_out, uint32_t n, fs_rt_block *b) {
  const uint32_t channels = out_channels(s, cond);
  float peak = 0.0f;
  uint32_t nonfinite = 0;
  for (uint32_t c = 0; c < channels; ++c) {
    for (uint32_t i = 0; i < n; ++i) {
      const float x = s->out[c][i];
      if (!isfinite(x)) {
        ++nonfinite;
        s->out[c][i] = 0.0f;
      } else if (fabsf(x) > peak) {
        peak = fabsf(x);
      }
    }
  }
  const uint32_t stride = (uint32_t)s->device_out;
  for (uint32_t d = 0; d < stride; ++d) {
    const float *from = s->out[d < channels ? d : channels - 1];
    for (uint32_t i = 0; i < n; ++i) device_out[i * stride + d] = from[i];
  }
  b->peak = peak;
  b->nonfinite = nonfinite;
}

/* The condition of callback seq, -1 once both have all their blocks.
 * Segments go baseline, plugin, plugin, baseline, and again (ABBA): a
 * drift of the machine's noise that is linear in time weighs on both
 * conditions alike, and the stream starts and ends on the baseline. */
static int condition_at(const fs_rt_stream *s, uint64_t seq) {
  const int plugin_left = s->filled[FS_RT_PLUGIN] < s->quota[FS_RT_PLUGIN];
  const int baseline_left = s->filled[FS_RT_BASELINE] < s->quota[FS_RT_BASELINE];
  if (!plugin_left || !baseline_left) return plugin_left ? FS_RT_PLUGIN : baseline_left ? FS_RT_BASELINE : -1;
  const uint64_t phase = (seq / s->segment_blocks) % 4;
  return phase == 1 || phase == 2 ? FS_RT_PLUGIN : FS_RT_BASELINE;
}

static uint8_t callbacks_since(uint64_t seq, uint64_t last_late) {
  if (last_late == 0 || seq + 1 - last_late >= FS_RT_NOT_LATE) return FS_RT_NOT_LATE;
  return (uint8_t)(seq + 1 - last_late);
}

/* The block's record, before the work. */
static fs_rt_block *open_block(fs_rt_stream *s, int cond, uint64_t seq, PaStreamCallbackFlags status,
                               const PaStreamCallbackTimeInfo *time_info) {
  if (seq % s->segment_blocks == 0 || cond != s->last_condition) ++s->segments[cond];
  s->last_condition = cond;
  fs_rt_block *b = &s->blocks[cond][s->filled[cond]];
  b->frame = s->frame[cond];
  b->seq = seq;
  b->status = (uint32_t)status;
  b->dac_time = time_info ? time_info->outputBufferDacTime : 0.0;
  b->chaos = cond == FS_RT_PLUGIN ? fs_rt_schedule_mode_at(s->schedule, s->frame[cond]) : 0;
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) b->since_late[c] = callbacks_since(seq, s->last_late[c]);
  return b;
}

/* The block's record, after the work: whether it ran late, and any
 * real-time violation the guard counted during it, charged to its
 * condition. */
static void close_block(fs_rt_stream *s, int cond, uint64_t seq, fs_rt_block *b, uint64_t start) {
  b->callback_ns = now_ns() - start;
  if (b->callback_ns > s->late_ns) s->last_late[cond] = seq + 1;
  if (s->guard_violations) {
    const unsigned long seen = s->guard_violations();
    s->violations[cond] += seen - s->violations_seen;
    s->violations_seen = seen;
  }
  ++s->filled[cond];
}

/* Records the callback thread's scheduling once, so the summary can say
 * whether the callback really ran real-time.  One system call, no lock. */
static void note_scheduling(fs_rt_stream *s) {
  struct sched_param param = {0};
  s->sched_policy = sched_getscheduler(0);
  s->sched_priority = sched_getparam(0, &param) == 0 ? param.sched_priority : -1;
  atomic_store(&s->sched_known, 1);
}

static int stream_callback(const void *input, void *output, unsigned long frame_count,
                           const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags status, void *user) {
  fs_rt_stream *s = user;
  if (!atomic_load_explicit(&s->sched_known, memory_order_relaxed)) note_scheduling(s);
  const uint64_t start = now_ns();
  if (s->guard_arm) s->guard_arm(1);
  const uint64_t seq = atomic_load_explicit(&s->count, memory_order_relaxed);
  const uint32_t n = (uint32_t)frame_count;
  const int cond = condition_at(s, seq);
  if (cond < 0 || n > s->frames) {
    memset(output, 0, frame_count * (size_t)s->device_out * sizeof(float));
    atomic_store(&s->done, 1);
    if (s->guard_arm) s->guard_arm(0);
    return paComplete;
  }
  fs_rt_block *b = open_block(s, cond, seq, status, time_info);
  fill_inputs(s, cond, input, n);
  process(s, cond, n, b);
  write_outputs(s, cond, output, n, b);
  s->frame[cond] += n;
  close_block(s, cond, seq, b, start);
  atomic_store_explicit(&s->count, seq + 1, memory_order_release);
  if (s->guard_arm) s->guard_arm(0);
  return paContinue;
}

/* ---- setup ----------------------------------------------------------- */

static void usage(FILE *out) {
  fputs("usage: failsafe-rt [options]\n"
        "Runs an LV2 plugin inside a PortAudio callback stream and prints a JSON summary.\n"
        "  --plugin URI          plugin to load from LV2_PATH (default urn:failsafe:enhancer)\n"
        "  --seconds N           stream length (default 5)\n"
        "  --frames N            frames per buffer (default 128)\n"
        "  --rate HZ             sample rate (default 48000)\n"
        "  --set SYM=VAL         set a control input (repeatable)\n"
        "  --chaos SCHEDULE      MODE@START-END,... e.g. 4@2s-3s,1@5s-5.5s (times in s or ms)\n"
        "  --input FILE          play a WAV/FLAC file (looped) instead of the device's input\n"
        "  --bypass-baseline     also run a plain copy for as long, in the same stream: segments\n"
        "                        alternate baseline, plugin, plugin, baseline... (the plugin pauses\n"
        "                        in the baseline's; its chaos times count its own segments only)\n"
        "  --segment-seconds N   segment length with --bypass-baseline (default 1, or half of\n"
        "                        --seconds when that is shorter)\n"
        "  --calibrate           as --bypass-baseline, but the plugin's segments run the plain\n"
        "                        copy too: how evenly the harness splits the server's own xruns\n"
        "  --start-jack          start a private dummy jackd and use PortAudio's JACK host API;\n"
        "                        real-time (SCHED_FIFO) when the process may use it\n"
        "  --no-realtime         start that jackd without real-time scheduling\n"
        "  --keep-cpus-awake     while the stream runs, keep every CPU out of its idle state (an\n"
        "                        idle-priority spinner per CPU, and /dev/cpu_dma_latency at 0 where\n"
        "                        permitted): a virtual machine's halted vCPU wakes late, and the\n"
        "                        server's cycle with it; costs power, for measurements\n"
        "  --host-api NAME       host API to use (JACK, ALSA, OSS; default: the default devices')\n"
        "  --device NAME|INDEX   device of that host API (default: its default device)\n"
        "  --json FILE           also write the summary to FILE\n"
        "  --blocks-csv FILE     write the plugin's per-block records to FILE\n"
        "  --baseline-csv FILE   write the baseline's per-block records to FILE\n"
        "  --list-devices        list PortAudio's devices and exit\n"
        "  --verbose             keep the host APIs' start-up chatter on stderr\n"
        "With the test suite's fs_rt_guard.so preloaded (LD_PRELOAD), every callback is checked for\n"
        "allocations, locks, sleeps and file I/O, counted as \"rt_violations\".\n"
        "Exit status: 0 ran, 1 error, 2 no host API offers a device.\n",
        out);
}

static int parse_number(const char *text, double min, double max, double *value) {
  char *end = NULL;
  const double v = strtod(text, &end);
  if (end == text || *end || !(v >= min && v <= max)) return -1;
  *value = v;
  return 0;
}

static int parse_args(int argc, char **argv, fs_rt_options *o) {
  *o = (fs_rt_options){.uri = "urn:failsafe:enhancer", .seconds = 5.0, .frames = 128, .rate = 48000.0};
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    double number = 0.0;
    int takes_value = 1;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    } else if (!strcmp(a, "--bypass-baseline")) {
      o->bypass_baseline = 1, takes_value = 0;
    } else if (!strcmp(a, "--start-jack")) {
      o->start_jack = 1, takes_value = 0;
    } else if (!strcmp(a, "--calibrate")) {
      o->calibrate = o->bypass_baseline = 1, takes_value = 0;
    } else if (!strcmp(a, "--no-realtime")) {
      o->no_realtime = 1, takes_value = 0;
    } else if (!strcmp(a, "--keep-cpus-awake")) {
      o->keep_cpus_awake = 1, takes_value = 0;
    } else if (!strcmp(a, "--list-devices")) {
      o->list_devices = 1, takes_value = 0;
    } else if (!strcmp(a, "--verbose")) {
      o->verbose = 1, takes_value = 0;
    } else if (!v) {
      fprintf(stderr, "failsafe-rt: %s needs a value (see --help)\n", a);
      return -1;
    } else if (!strcmp(a, "--plugin")) {
      o->uri = v;
    } else if (!strcmp(a, "--seconds")) {
      if (parse_number(v, 0.01, 86400.0, &o->seconds) != 0) goto bad;
    } else if (!strcmp(a, "--segment-seconds")) {
      if (parse_number(v, 0.05, 86400.0, &o->segment_seconds) != 0) goto bad;
    } else if (!strcmp(a, "--frames")) {
      if (parse_number(v, 16, 8192, &number) != 0) goto bad;
      o->frames = (uint32_t)number;
    } else if (!strcmp(a, "--rate")) {
      if (parse_number(v, 8000, 384000, &o->rate) != 0) goto bad;
    } else if (!strcmp(a, "--set")) {
      if (o->set_count == FS_RT_MAX_SETS || !strchr(v, '=')) goto bad;
      o->sets[o->set_count++] = v;
    } else if (!strcmp(a, "--chaos")) {
      o->chaos = v;
    } else if (!strcmp(a, "--input")) {
      o->input_path = v;
    } else if (!strcmp(a, "--json")) {
      o->json_path = v;
    } else if (!strcmp(a, "--blocks-csv")) {
      o->blocks_csv = v;
    } else if (!strcmp(a, "--baseline-csv")) {
      o->baseline_csv = v;
    } else if (!strcmp(a, "--host-api")) {
      o->host_api = v;
    } else if (!strcmp(a, "--device")) {
      o->device = v;
    } else {
      fprintf(stderr, "failsafe-rt: unknown option %s (see --help)\n", a);
      return -1;
    }
    i += takes_value;
    continue;
  bad:
    fprintf(stderr, "failsafe-rt: bad value '%s' for %s (see --help)\n", v, a);
    return -1;
  }
  return 0;
}

static int load_file(const char *path, double rate, fs_rt_file *f) {
  SF_INFO info = {0};
  SNDFILE *sf = sf_open(path, SFM_READ, &info);
  if (!sf) {
    fprintf(stderr, "failsafe-rt: cannot read %s: %s\n", path, sf_strerror(NULL));
    return -1;
  }
  if (info.samplerate != (int)rate) {
    fprintf(stderr, "failsafe-rt: %s is at %d Hz but the stream runs at %.0f Hz; it plays at the stream's rate\n",
            path, info.samplerate, rate);
  }
  f->frames = (uint64_t)info.frames;
  f->channels = (uint32_t)info.channels;
  f->samples = f->frames ? malloc(f->frames * f->channels * sizeof(float)) : NULL;
  const int ok = f->samples && sf_readf_float(sf, f->samples, info.frames) == info.frames;
  sf_close(sf);
  if (!ok) {
    fprintf(stderr, "failsafe-rt: %s is empty or unreadable\n", path);
    free(f->samples);
    f->samples = NULL;
    return -1;
  }
  return 0;
}

static int apply_sets(fs_rt_plugin *p, const fs_rt_options *o) {
  for (int i = 0; i < o->set_count; ++i) {
    const char *eq = strchr(o->sets[i], '=');
    char symbol[64];
    snprintf(symbol, sizeof symbol, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
    char *end = NULL;
    const float value = strtof(eq + 1, &end);
    if (end == eq + 1 || *end || fs_rt_plugin_set(p, symbol, value) != 0) {
      fprintf(stderr, "failsafe-rt: --set %s: no such control input or bad value\n", o->sets[i]);
      return -1;
    }
  }
  return 0;
}

/* Runs PortAudio's initialisation with stderr silenced unless asked: the
 * ALSA and JACK layers print pages of harmless complaints on a machine
 * without a card. */
static PaError initialise_portaudio(int verbose) {
  PaJack_SetClientName("failsafe-rt");
  if (verbose) return Pa_Initialize();
  fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  const int null_fd = open("/dev/null", O_WRONLY);
  if (saved >= 0 && null_fd >= 0) dup2(null_fd, STDERR_FILENO);
  const PaError err = Pa_Initialize();
  if (saved >= 0) {
    dup2(saved, STDERR_FILENO);
    close(saved);
  }
  if (null_fd >= 0) close(null_fd);
  return err;
}

static void list_devices(void) {
  for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); ++d) {
    const PaDeviceInfo *info = Pa_GetDeviceInfo(d);
    printf("%d\t%s\t%s\tin %d\tout %d\t%.0f Hz\n", d, Pa_GetHostApiInfo(info->hostApi)->name, info->name,
           info->maxInputChannels, info->maxOutputChannels, info->defaultSampleRate);
  }
}

/* The device to use: a host API by name (JACK when we started jackd), a
 * device by index or name within it, else the default output device's. */
static PaDeviceIndex choose_device(const fs_rt_options *o, int need_input) {
  const char *api_name = o->host_api ? o->host_api : (o->start_jack ? "JACK" : NULL);
  PaHostApiIndex api = -1;
  if (api_name) {
    for (PaHostApiIndex a = 0; a < Pa_GetHostApiCount(); ++a) {
      if (strcasestr(Pa_GetHostApiInfo(a)->name, api_name)) api = a;
    }
    if (api < 0) return paNoDevice;
  } else {
    api = Pa_GetDefaultHostApi();
  }
  if (o->device) {
    char *end = NULL;
    const long index = strtol(o->device, &end, 10);
    for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); ++d) {
      const PaDeviceInfo *info = Pa_GetDeviceInfo(d);
      const int match = (*end == '\0' && end != o->device) ? d == index : strcasestr(info->name, o->device) != NULL;
      if (match && (!api_name || info->hostApi == api)) return d;
    }
    return paNoDevice;
  }
  const PaHostApiInfo *info = api >= 0 ? Pa_GetHostApiInfo(api) : NULL;
  if (!info) return paNoDevice;
  const PaDeviceIndex d = info->defaultOutputDevice;
  if (d == paNoDevice) return paNoDevice;
  if (need_input && Pa_GetDeviceInfo(d)->maxInputChannels < 1) return paNoDevice;
  return d;
}

/* Waits for the callback to finish its blocks, watching for a stream
 * that stopped calling back (a dead server) or an interrupt.  Reads VmRSS
 * once the stream has warmed up (warm_callbacks run: the server's and
 * PortAudio's buffers, the plugin's first touch of its pages and the
 * worker's first journal lines are in by then) into rss_kb[1], and again
 * when the callbacks are done, before the stream stops, into rss_kb[2].
 * Returns 1 when it stalled. */
static int wait_for_stream(PaStream *stream, fs_rt_stream *s, uint64_t warm_callbacks, long rss_kb[3],
                           fs_rt_jacklog *server_log) {
  uint64_t last_count = 0, last_progress = now_ns();
  int stalled = 0;
  while (!atomic_load(&s->done) && !fs_rt_interrupted && Pa_IsStreamActive(stream) == 1) {
    Pa_Sleep(20);
    const uint64_t count = atomic_load_explicit(&s->count, memory_order_acquire);
    if (server_log) fs_rt_jacklog_poll(server_log, count);
    if (rss_kb[1] < 0 && count >= warm_callbacks) rss_kb[1] = fs_rt_rss_kb();
    if (count != last_count) {
      last_count = count;
      last_progress = now_ns();
    } else if (now_ns() - last_progress > 5000000000ull) {
      stalled = 1;
      break;
    }
  }
  rss_kb[2] = fs_rt_rss_kb();
  return stalled;
}

/* The stream from start to stop, both conditions.  VmRSS is read just
 * before it starts (rss_kb[0]), once warm and at the end (see
 * wait_for_stream).  The server's log, when given, is read from the
 * stream's start to its stop.  Returns the callbacks run, -1 on error. */
static int64_t run_stream(const fs_rt_options *o, PaDeviceIndex device, const fs_rt_guard *guard, fs_rt_stream *s,
                          long rss_kb[3], fs_rt_jacklog *server_log) {
  const PaDeviceInfo *info = Pa_GetDeviceInfo(device);
  PaStreamParameters in_params = {device, s->device_in, paFloat32, info->defaultLowInputLatency, NULL};
  PaStreamParameters out_params = {device, s->device_out, paFloat32, info->defaultLowOutputLatency, NULL};
  PaStream *stream = NULL;
  PaError err = Pa_OpenStream(&stream, s->device_in > 0 ? &in_params : NULL, &out_params, o->rate, o->frames,
                              paClipOff | paDitherOff, stream_callback, s);
  if (err != paNoError) {
    fprintf(stderr, "failsafe-rt: cannot open a %.0f Hz, %u-frame stream on '%s': %s\n", o->rate, o->frames,
            info->name, Pa_GetErrorText(err));
    return -1;
  }
  rss_kb[0] = fs_rt_rss_kb();
  if (guard->reset) guard->reset();
  s->guard_arm = guard->arm;
  s->guard_violations = guard->violations;
  err = Pa_StartStream(stream);
  if (err != paNoError) {
    fprintf(stderr, "failsafe-rt: cannot start the stream: %s\n", Pa_GetErrorText(err));
    Pa_CloseStream(stream);
    return -1;
  }
  /* Warm after 2 s, or a tenth of a shorter run. */
  const uint64_t total = s->quota[FS_RT_PLUGIN] + s->quota[FS_RT_BASELINE];
  const uint64_t two_seconds = (uint64_t)(2.0 * o->rate / o->frames);
  const int stalled =
      wait_for_stream(stream, s, total / 10 < two_seconds ? total / 10 : two_seconds, rss_kb, server_log);
  if (Pa_IsStreamStopped(stream) == 0) Pa_StopStream(stream);
  Pa_CloseStream(stream);
  if (server_log) fs_rt_jacklog_poll(server_log, atomic_load(&s->count));
  if (stalled) fprintf(stderr, "failsafe-rt: the stream stopped calling back; summary covers what ran\n");
  return (int64_t)atomic_load(&s->count);
}

/* Segment length: the option, else 1 s, or half the run when that is
 * shorter so even a short run gets one whole baseline-plugin-plugin-
 * baseline round.  The server's own xruns on a loaded or virtual machine
 * come in bursts of a few within two or three seconds; segments shorter
 * than a burst split it between the conditions instead of handing it
 * whole to one of them.  1 s is still long next to a block, so the
 * plugin's pauses (one per two segments) are rare next to its blocks. */
static double segment_seconds(const fs_rt_options *o) {
  if (o->segment_seconds > 0.0) return o->segment_seconds;
  return o->seconds / 2.0 < 1.0 ? o->seconds / 2.0 : 1.0;
}

/* Writes one byte per page, so the pages are resident before the stream
 * starts.  Through a volatile pointer: the compiler knows calloc's memory
 * is zero and drops a memset of zeros, leaving the callback to fault the
 * pages in one by one (seen as VmRSS growing all through a run). */
static void touch_pages(void *memory, size_t bytes) {
  volatile unsigned char *p = memory;
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 0;
  if (bytes) p[bytes - 1] = 0;
}

/* Allocates the block records and plugin buffers, touching every page so
 * the callback never faults one in. */
static int prepare_stream(fs_rt_stream *s, const fs_rt_options *o) {
  const uint64_t blocks = (uint64_t)ceil(o->seconds * o->rate / o->frames);
  s->quota[FS_RT_PLUGIN] = blocks;
  s->quota[FS_RT_BASELINE] = o->bypass_baseline ? blocks : 0;
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) {
    if (!s->quota[c]) continue;
    s->blocks[c] = calloc(s->quota[c], sizeof *s->blocks[c]);
    if (!s->blocks[c]) return -1;
    touch_pages(s->blocks[c], s->quota[c] * sizeof *s->blocks[c]);
  }
  for (uint32_t c = 0; c < FS_RT_MAX_AUDIO; ++c) {
    s->in[c] = calloc(o->frames, sizeof(float));
    s->out[c] = calloc(o->frames, sizeof(float));
    if (!s->in[c] || !s->out[c]) return -1;
  }
  const double segment_blocks = llround(segment_seconds(o) * o->rate / o->frames);
  s->segment_blocks = o->bypass_baseline && segment_blocks >= 1.0 ? (uint64_t)segment_blocks : UINT64_MAX;
  s->frames = o->frames;
  s->calibrate = o->calibrate;
  s->late_ns = (uint64_t)(1e9 * o->frames / o->rate);
  s->last_condition = -1;
  return 0;
}

static void release_stream(fs_rt_stream *s) {
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) free(s->blocks[c]);
  for (uint32_t c = 0; c < FS_RT_MAX_AUDIO; ++c) {
    free(s->in[c]);
    free(s->out[c]);
  }
}

/* Summarises one condition's blocks.  The guard's count is the
 * condition's own; any it saw outside both (the closing callback) is
 * charged to the plugin rather than lost. */
static int summarise(fs_rt_result *r, const fs_rt_stream *s, int cond, const fs_rt_schedule *schedule,
                     const fs_rt_options *o, const long rss_kb[3], const fs_rt_guard *guard) {
  r->rss_open_kb = rss_kb[0];
  r->rss_start_kb = rss_kb[1];
  r->rss_end_kb = rss_kb[2];
  r->segments = s->segments[cond];
  r->rt_violations = -1;
  if (guard->violations) {
    const unsigned long total = guard->violations();
    r->rt_violations = (long)(cond == FS_RT_PLUGIN ? total - s->violations[FS_RT_BASELINE] : s->violations[cond]);
  }
  return fs_rt_result_compute(r, s->blocks[cond], s->filled[cond], schedule, o->rate, o->frames);
}

/* Charges each xrun the server logged to the condition whose callback ran
 * last before the line was read (the first callback's for lines read
 * before any ran).  The line is read within one wait_for_stream poll
 * (20 ms) of being written, so only lines from the last few callbacks of
 * a segment can land on the wrong side of its end, in both directions
 * alike. */
static int charge_server_xruns(const fs_rt_jacklog *log, const fs_rt_stream *s, fs_rt_result *r[FS_RT_CONDITIONS]) {
  const uint64_t total = s->filled[FS_RT_PLUGIN] + s->filled[FS_RT_BASELINE];
  if (total == 0) return 0;
  unsigned char *condition_of = malloc(total);
  if (!condition_of) return -1;
  memset(condition_of, FS_RT_PLUGIN, total);
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) {
    for (uint64_t i = 0; i < s->filled[c]; ++i) {
      if (s->blocks[c][i].seq < total) condition_of[s->blocks[c][i].seq] = (unsigned char)c;
    }
  }
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) {
    if (r[c]) r[c]->server_xruns_known = 1;
  }
  for (size_t i = 0; i < log->count; ++i) {
    const uint64_t callbacks = log->notes[i].callbacks;
    const uint64_t seq = callbacks == 0 ? 0 : (callbacks - 1 < total ? callbacks - 1 : total - 1);
    fs_rt_result *target = r[condition_of[seq]];
    if (target) ++target->server_xruns[log->notes[i].kind];
  }
  free(condition_of);
  return 0;
}

/* One line per callback of one condition, for plots and post-mortems;
 * time_s is the condition's own time, stream_block the callback's index
 * in the whole stream. */
static int write_blocks_csv(const char *path, const fs_rt_block *blocks, uint64_t n, double rate) {
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "failsafe-rt: cannot write %s\n", path);
    return -1;
  }
  fputs("block,time_s,callback_ns,run_ns,dac_time,status,chaos,tier,incidents,cause,peak,nonfinite,"
        "stream_block,since_late_plugin,since_late_baseline\n",
        f);
  for (uint64_t i = 0; i < n; ++i) {
    const fs_rt_block *b = &blocks[i];
    fprintf(f, "%llu,%.6f,%llu,%llu,%.6f,%u,%d,%g,%g,%g,%g,%u,%llu,%u,%u\n", (unsigned long long)i,
            (double)b->frame / rate, (unsigned long long)b->callback_ns, (unsigned long long)b->run_ns, b->dac_time,
            b->status, b->chaos, b->tier, b->incidents, b->cause, b->peak, b->nonfinite, (unsigned long long)b->seq,
            b->since_late[FS_RT_PLUGIN], b->since_late[FS_RT_BASELINE]);
  }
  return fclose(f) == 0 ? 0 : -1;
}

static void json_string(FILE *out, const char *text) {
  fputc('"', out);
  for (const char *c = text ? text : ""; *c; ++c) {
    if (*c == '"' || *c == '\\') {
      fprintf(out, "\\%c", *c);
    } else if ((unsigned char)*c < 0x20) {
      fprintf(out, "\\u%04x", *c);
    } else {
      fputc(*c, out);
    }
  }
  fputc('"', out);
}

/* What the summary says about the run besides the two results. */
typedef struct {
  const char *device_name, *api_name;
  int realtime;    /* our jackd real-time: 1, 0; -1 when we started none */
  int sched_known; /* a callback ran and recorded its scheduling */
  int sched_policy, sched_priority;
  double segment_s; /* 0 without a baseline */
  int interrupted;
  int awake_spinners;     /* idle-priority spinners that kept the CPUs awake */
  int awake_latency_held; /* /dev/cpu_dma_latency held at 0 */
} fs_rt_run_info;

static const char *policy_name(int policy) {
  switch (policy) {
    case SCHED_FIFO: return "SCHED_FIFO";
    case SCHED_RR: return "SCHED_RR";
    case SCHED_OTHER: return "SCHED_OTHER";
#ifdef SCHED_BATCH
    case SCHED_BATCH: return "SCHED_BATCH";
#endif
#ifdef SCHED_IDLE
    case SCHED_IDLE: return "SCHED_IDLE";
#endif
    default: return "unknown";
  }
}

static void write_run_info(FILE *out, const fs_rt_run_info *info) {
  fprintf(out, "  \"interrupted\": %s,\n", info->interrupted ? "true" : "false");
  fprintf(out, "  \"realtime\": %s,\n", info->realtime < 0 ? "null" : info->realtime ? "true" : "false");
  if (info->sched_known) {
    fprintf(out, "  \"callback_scheduling\": {\"policy\": \"%s\", \"priority\": %d},\n",
            policy_name(info->sched_policy), info->sched_priority);
  } else {
    fputs("  \"callback_scheduling\": null,\n", out);
  }
  fprintf(out, "  \"cpus_kept_awake\": {\"spinners\": %d, \"cpu_dma_latency_zero\": %s},\n", info->awake_spinners,
          info->awake_latency_held ? "true" : "false");
  if (info->segment_s > 0.0) {
    fprintf(out, "  \"segment_seconds\": %.6g,\n", info->segment_s);
  } else {
    fputs("  \"segment_seconds\": null,\n", out);
  }
}

/* The summary: the plugin's result at the top level, the baseline's in
 * "baseline" (both cover `seconds` of their own). */
static void write_summary(FILE *out, const fs_rt_options *o, const fs_rt_run_info *info, const fs_rt_result *plugin,
                          const fs_rt_result *baseline) {
  fputs("{\n  \"plugin\": ", out);
  json_string(out, o->uri);
  fputs(",\n  \"host_api\": ", out);
  json_string(out, info->api_name);
  fputs(",\n  \"device\": ", out);
  json_string(out, info->device_name);
  fputs(",\n  \"input\": ", out);
  json_string(out, o->input_path ? o->input_path : "device");
  fprintf(out, ",\n  \"rate\": %.0f,\n  \"frames\": %u,\n  \"seconds\": %.3f,\n  \"buffer_ns\": %.0f,\n", o->rate,
          o->frames, o->seconds, 1e9 * o->frames / o->rate);
  fputs("  \"chaos\": ", out);
  json_string(out, o->chaos ? o->chaos : "");
  fprintf(out, ",\n  \"calibrate\": %s,\n", o->calibrate ? "true" : "false");
  write_run_info(out, info);
  if (baseline) {
    fputs("  \"baseline\": {\n", out);
    fs_rt_result_json(out, baseline, "    ", 0);
    fputs("  },\n", out);
  }
  fs_rt_result_json(out, plugin, "  ", 1);
  fputs("}\n", out);
}

static int write_json_file(const char *path, const fs_rt_options *o, const fs_rt_run_info *info,
                           const fs_rt_result *plugin, const fs_rt_result *baseline) {
  FILE *json = fopen(path, "w");
  if (!json) {
    fprintf(stderr, "failsafe-rt: cannot write %s\n", path);
    return -1;
  }
  write_summary(json, o, info, plugin, baseline);
  return fclose(json) == 0 ? 0 : -1;
}

/* Says so when the server was meant to run real-time and the callback
 * did not: the figures are then those of a starved client. */
static void check_scheduling(const fs_rt_run_info *info) {
  if (info->realtime == 1 && info->sched_known && info->sched_policy != SCHED_FIFO && info->sched_policy != SCHED_RR) {
    fprintf(stderr, "failsafe-rt: jackd runs real-time but the callback ran under %s\n",
            policy_name(info->sched_policy));
  }
}

int main(int argc, char **argv) {
  fs_rt_options o;
  if (parse_args(argc, argv, &o) != 0) return 1;
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  fs_rt_schedule *schedule = calloc(1, sizeof *schedule);
  if (!schedule || fs_rt_schedule_parse(schedule, o.chaos, o.rate) != 0) return 1;
  fs_rt_file file = {0};
  if (o.input_path && load_file(o.input_path, o.rate, &file) != 0) return 1;

  fs_rt_jack jack = {0};
  if (o.start_jack && fs_rt_jack_start(&jack, o.rate, o.frames, !o.no_realtime) != 0) return 1;
  int status = 1;
  fs_rt_plugin plugin = {0};
  fs_rt_stream stream = {0};
  fs_rt_result result = {0}, baseline = {0};
  fs_rt_guard guard;
  find_guard(&guard);
  const PaError pa_err = initialise_portaudio(o.verbose);
  if (pa_err != paNoError) {
    fprintf(stderr, "failsafe-rt: PortAudio failed to start: %s\n", Pa_GetErrorText(pa_err));
    goto out_jack;
  }
  if (o.list_devices) {
    list_devices();
    status = 0;
    goto out_pa;
  }
  const PaDeviceIndex device = choose_device(&o, !o.input_path);
  if (device == paNoDevice) {
    fprintf(stderr, "failsafe-rt: no host API offers a%s device%s%s (try --start-jack or --list-devices)\n",
            o.input_path ? "n output" : " full-duplex", o.host_api || o.start_jack ? " on " : "",
            o.host_api ? o.host_api : (o.start_jack ? "JACK" : ""));
    status = FS_RT_EXIT_NO_DEVICE;
    goto out_pa;
  }
  const PaDeviceInfo *device_info = Pa_GetDeviceInfo(device);
  const char *api_name = Pa_GetHostApiInfo(device_info->hostApi)->name;

  if (fs_rt_plugin_load(&plugin, o.uri, o.rate, o.frames) != 0 || apply_sets(&plugin, &o) != 0) goto out_pa;
  if (schedule->count > 0 && !plugin.chaos) {
    fprintf(stderr, "failsafe-rt: --chaos given but <%s> has no 'chaos' control\n", o.uri);
    goto out_plugin;
  }
  if (prepare_stream(&stream, &o) != 0) {
    fprintf(stderr, "failsafe-rt: out of memory for %.0f s of block records\n", o.seconds);
    goto out_stream;
  }
  stream.plugin = &plugin;
  stream.schedule = schedule;
  stream.file = o.input_path ? &file : NULL;
  const int want_in = (int)plugin.n_audio_in;
  stream.device_in = o.input_path ? 0 : (device_info->maxInputChannels < want_in ? device_info->maxInputChannels : want_in);
  stream.device_out = device_info->maxOutputChannels < 2 ? device_info->maxOutputChannels : 2;
  if (stream.device_out < 1) {
    fprintf(stderr, "failsafe-rt: device '%s' has no output channels\n", device_info->name);
    status = FS_RT_EXIT_NO_DEVICE;
    goto out_stream;
  }

  static const fs_rt_schedule no_faults = {.count = 0}; /* the baseline has no faults */
  long rss_kb[3] = {-1, -1, -1};
  static fs_rt_awake awake; /* large; main's only */
  if (o.keep_cpus_awake && fs_rt_awake_start(&awake) == 0) {
    fs_rt_awake_stop(&awake);
    goto out_stream;
  }
  const int awake_spinners = awake.spinners, awake_latency_held = awake.latency_held;
  /* The server's log, when we started the server: its account of each
   * xrun.  Without it the summary has the xrun flags only. */
  fs_rt_jacklog server_log = {.fd = -1};
  const int have_log = o.start_jack && fs_rt_jacklog_open(&server_log, jack.log_path, 1u << 16) == 0;
  fs_host_activate(plugin.host);
  const int64_t n = run_stream(&o, device, &guard, &stream, rss_kb, have_log ? &server_log : NULL);
  fs_host_deactivate(plugin.host);
  fs_rt_awake_stop(&awake);
  fs_rt_result *results[FS_RT_CONDITIONS] = {&result, o.bypass_baseline ? &baseline : NULL};
  const int summarised =
      n >= 0 && summarise(&result, &stream, FS_RT_PLUGIN, schedule, &o, rss_kb, &guard) == 0 &&
      (!o.bypass_baseline || summarise(&baseline, &stream, FS_RT_BASELINE, &no_faults, &o, rss_kb, &guard) == 0) &&
      (!have_log || charge_server_xruns(&server_log, &stream, results) == 0);
  if (have_log && server_log.lost) {
    fprintf(stderr, "failsafe-rt: the server logged more xruns than could be noted (%llu not counted)\n",
            (unsigned long long)server_log.lost);
  }
  fs_rt_jacklog_close(&server_log);
  if (!summarised) goto out_results;
  if (o.blocks_csv && write_blocks_csv(o.blocks_csv, stream.blocks[FS_RT_PLUGIN], stream.filled[FS_RT_PLUGIN],
                                       o.rate) != 0)
    goto out_results;
  if (o.baseline_csv && o.bypass_baseline &&
      write_blocks_csv(o.baseline_csv, stream.blocks[FS_RT_BASELINE], stream.filled[FS_RT_BASELINE], o.rate) != 0)
    goto out_results;
  const fs_rt_run_info info = {
      .device_name = device_info->name,
      .api_name = api_name,
      .realtime = o.start_jack ? jack.realtime : -1,
      .sched_known = atomic_load(&stream.sched_known),
      .sched_policy = stream.sched_policy,
      .sched_priority = stream.sched_priority,
      .segment_s = o.bypass_baseline ? (double)stream.segment_blocks * o.frames / o.rate : 0.0,
      .interrupted = fs_rt_interrupted,
      .awake_spinners = awake_spinners,
      .awake_latency_held = awake_latency_held,
  };
  check_scheduling(&info);
  const fs_rt_result *base = o.bypass_baseline ? &baseline : NULL;
  write_summary(stdout, &o, &info, &result, base);
  if (o.json_path && write_json_file(o.json_path, &o, &info, &result, base) != 0) goto out_results;
  status = fs_rt_interrupted ? 1 : 0;

out_results:
  fs_rt_result_free(&result);
  fs_rt_result_free(&baseline);
out_stream:
  release_stream(&stream);
out_plugin:
  fs_rt_plugin_unload(&plugin);
out_pa:
  Pa_Terminate();
out_jack:
  fs_rt_jack_stop(&jack);
  free(file.samples);
  free(schedule);
  return status;
}

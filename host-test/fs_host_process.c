/* fs_host_process: see fs_host_process.h.
 *
 * Latency compensation works like a DAW's plugin delay compensation: the
 * plugin's reported latency L is read after the first run(), the first L
 * output frames are dropped and L frames of silence are fed after the end
 * of the file, so the output lines up with the input and is as long.
 *
 * Optional extras ride along the same loop: a chaos schedule sets the
 * plugin's "chaos" control before each run(), a timeline collects levels
 * and port readings for an SVG picture, and a progress bar shows on a
 * terminal. */
#include "fs_host_process.h"

#include "fs_host_audio.h"
#include "fs_json.h"
#include "fs_host_lv2.h"
#include "fs_host_progress.h"
#include "fs_host_stats.h"
#include "fs_host_timeline.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A plugin reporting more latency than this is treated as broken. */
enum { FS_MAX_LATENCY = 1 << 24 };

static const char *const default_mono_uri = "urn:failsafe:enhancer";
static const char *const default_stereo_uri = "urn:failsafe:enhancer:stereo";

/* ---- block lengths ---------------------------------------------------- */

/* splitmix64: tiny, seedable and the same everywhere, so a seed names one
 * sequence of block lengths on every machine. */
typedef struct fs_block_sequence {
  uint32_t fixed;
  uint32_t random_max;
  uint64_t state;
} fs_block_sequence;

static uint64_t next_random(fs_block_sequence *seq) {
  uint64_t z = (seq->state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static uint32_t next_block_length(fs_block_sequence *seq) {
  if (!seq->random_max) return seq->fixed;
  /* Rejection keeps 1..max exactly uniform. */
  uint64_t max = seq->random_max;
  uint64_t limit = UINT64_MAX - UINT64_MAX % max;
  uint64_t r;
  do r = next_random(seq);
  while (r >= limit);
  return (uint32_t)(r % max) + 1;
}

/* ---- output checks ---------------------------------------------------- */

typedef struct fs_output_checks {
  double ceiling_dbfs;     /* the level checked against */
  double ceiling_linear;
  uint64_t nonfinite;
  uint64_t over_ceiling;   /* strictly greater, no tolerance */
  double peak;             /* largest finite |x| */
} fs_output_checks;

static void check_samples(fs_output_checks *checks, const float *samples,
                          size_t count) {
  for (size_t i = 0; i < count; i++) {
    float x = samples[i];
    if (!isfinite(x)) {
      checks->nonfinite++;
      continue;
    }
    double magnitude = fabs((double)x);
    if (magnitude > checks->ceiling_linear) checks->over_ceiling++;
    if (magnitude > checks->peak) checks->peak = magnitude;
  }
}

/* The level a plugin control named "ceiling" promises, as the plugin must
 * read it: clamped into the port's range, its default when not finite.
 * Without such a control, full scale. */
static double effective_ceiling_dbfs(fs_host *host) {
  fs_port *port = fs_host_find_port(host, "ceiling");
  if (!port || port->kind != FS_PORT_CONTROL || !port->is_input) return 0.0;
  double value = port->value;
  if (!isfinite(value))
    value = isfinite(port->default_value) ? port->default_value : 0.0;
  if (isfinite(port->minimum) && value < port->minimum) value = port->minimum;
  if (isfinite(port->maximum) && value > port->maximum) value = port->maximum;
  return value;
}

/* ---- the run ---------------------------------------------------------- */

typedef struct fs_run {
  const fs_process_options *options;
  fs_audio_file input;
  fs_audio_file output;
  FILE *json_file;
  fs_host *host;
  uint32_t channels_in;
  uint32_t channels_out;
  uint32_t max_block;
  float *interleaved; /* max_block * max(channels) */
  fs_run_stats stats;
  fs_output_checks checks;
  uint64_t frames;
  uint64_t blocks;       /* as the block options drew them */
  uint64_t runs;         /* run() calls: more than blocks when split */
  uint64_t latency;
  bool latency_known;
  fs_port *chaos;      /* the control a chaos schedule drives, or NULL */
  float chaos_base;    /* its value outside the schedule's windows */
  uint32_t run_limit;  /* longest single run(): the block, or less for the
                          timeline */
  fs_timeline *timeline;
  fs_progress progress;
} fs_run;

static int fail(char *err, size_t err_size, const char *message) {
  if (message) snprintf(err, err_size, "%s", message);
  return 2;
}

static int open_everything(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
  if (fs_audio_open_read(&run->input, opt->input_path, err, err_size) != 0)
    return 2;
  int channels = run->input.info.channels;

  const char *uri = opt->uri;
  if (!uri) {
    if (channels == 1) uri = default_mono_uri;
    else if (channels == 2) uri = default_stereo_uri;
    else {
      snprintf(err, err_size, "input '%s' has %d channels and no default "
               "plugin fits; pass --uri", opt->input_path, channels);
      return 2;
    }
  }
  run->host = fs_host_open(uri, err, err_size);
  if (!run->host) return 2;

  run->channels_in = fs_host_audio_inputs(run->host);
  run->channels_out = fs_host_audio_outputs(run->host);
  if (run->channels_in != (uint32_t)channels || run->channels_out == 0) {
    snprintf(err, err_size, "input '%s' has %d channel%s but plugin %s has "
             "%u audio input%s and %u output%s", opt->input_path, channels,
             channels == 1 ? "" : "s", uri, run->channels_in,
             run->channels_in == 1 ? "" : "s", run->channels_out,
             run->channels_out == 1 ? "" : "s");
    return 2;
  }

  /* Every --set must name a control input before anything is written. */
  for (size_t i = 0; i < opt->setting_count; i++) {
    if (!fs_host_control_input(run->host, opt->settings[i].symbol)) {
      snprintf(err, err_size, "--set %s: plugin %s has no control input "
               "with that symbol", opt->settings[i].symbol, uri);
      return 2;
    }
  }

  if (opt->chaos_count) {
    run->chaos = fs_host_control_input(run->host, "chaos");
    if (!run->chaos) {
      snprintf(err, err_size, "--chaos: plugin %s has no control input "
               "'chaos'", uri);
      return 2;
    }
  }

  if (opt->json_path && strcmp(opt->json_path, "-") != 0) {
    run->json_file = fopen(opt->json_path, "w");
    if (!run->json_file) {
      snprintf(err, err_size, "cannot write JSON summary '%s': %s",
               opt->json_path, strerror(errno));
      return 2;
    }
  }
  if (fs_audio_open_write(&run->output, opt->output_path, &run->input.info,
                          (int)run->channels_out, err, err_size) != 0)
    return 2;

  run->max_block = opt->random_blocks_max ? opt->random_blocks_max
                                          : opt->block;
  uint32_t widest = run->channels_in > run->channels_out ? run->channels_in
                                                         : run->channels_out;
  run->interleaved = calloc((size_t)run->max_block * widest,
                            sizeof *run->interleaved);
  if (!run->interleaved) return fail(err, err_size, "out of memory");

  fs_host_config config = {
    .sample_rate = run->input.info.samplerate,
    .max_block = run->max_block,
    .nominal_block = opt->block ? opt->block : opt->random_blocks_max,
    .in_place = opt->in_place,
    .sync_worker = opt->sync_worker,
    .quiet_log = opt->quiet,
    .state_dir = opt->state_in ? opt->state_in : opt->state_out,
  };
  if (fs_host_instantiate(run->host, &config, err, err_size) != 0) return 2;

  /* Control values, in the order a host session applies them: the
   * plugin's defaults (set when the port table was built), freewheeling on
   * because this is a faster-than-real-time render, the saved state, and
   * last the command line. */
  fs_port *freewheel =
      fs_host_designated_port(run->host, LV2_CORE__freeWheeling, true);
  if (freewheel) freewheel->value = 1.0f;
  if (opt->state_in &&
      fs_host_restore_state(run->host, opt->state_in, err, err_size) != 0)
    return 2;
  for (size_t i = 0; i < opt->setting_count; i++)
    fs_host_control_input(run->host, opt->settings[i].symbol)->value =
        (float)opt->settings[i].value;
  if (run->chaos) run->chaos_base = run->chaos->value;

  run->run_limit = run->max_block;
  if (opt->timeline_path) {
    uint64_t frames = run->input.info.frames > 0
                          ? (uint64_t)run->input.info.frames : 0;
    run->timeline = fs_timeline_create(frames, run->input.info.samplerate);
    if (!run->timeline) return fail(err, err_size, "out of memory");
    for (size_t i = 0; i < opt->chaos_count; i++)
      if (fs_timeline_add_chaos(run->timeline, opt->chaos[i].start_s,
                                opt->chaos[i].end_s,
                                (int)lrint(opt->chaos[i].mode)) != 0)
        return fail(err, err_size, "out of memory");
    long limit = lrint(run->input.info.samplerate * FS_PROCESS_TIMELINE_RUN_S);
    if (limit < 1) limit = 1;
    if ((uint64_t)limit < run->run_limit) run->run_limit = (uint32_t)limit;
  }
  return 0;
}

/* The chaos control for a run() starting at input frame `at`. */
static void apply_chaos_schedule(fs_run *run, uint64_t at) {
  if (!run->chaos) return;
  const fs_process_options *opt = run->options;
  double seconds = (double)at / run->input.info.samplerate;
  float value = run->chaos_base;
  for (size_t i = 0; i < opt->chaos_count; i++)
    if (seconds >= opt->chaos[i].start_s && seconds < opt->chaos[i].end_s)
      value = (float)opt->chaos[i].mode;
  run->chaos->value = value;
}

/* An output control's value, when the plugin has it. */
static bool read_output(fs_host *host, const char *symbol, double *value) {
  fs_port *port = fs_host_find_port(host, symbol);
  if (!port || port->kind != FS_PORT_CONTROL || port->is_input) return false;
  *value = port->value;
  return true;
}

/* What failsafe's status outputs said about output frames [begin, end). */
static int record_reading(fs_run *run, int64_t begin, int64_t end) {
  fs_timeline_reading reading = {0};
  double value;
  if ((reading.has_tier = read_output(run->host, "tier", &value)))
    reading.tier = isfinite(value) ? (int)lrint(value) : -1;
  reading.has_health = read_output(run->host, "health", &reading.health);
  reading.has_incidents =
      read_output(run->host, "incidents", &reading.incidents);
  if (read_output(run->host, "cause", &value) && isfinite(value))
    reading.cause = (int)lrint(value);
  return fs_timeline_add_reading(run->timeline, begin, end, &reading);
}

/* Reads the latency output once, after the first run(). */
static int take_latency(fs_run *run, char *err, size_t err_size) {
  run->latency_known = true;
  const fs_port *port = fs_host_latency_port(run->host);
  if (!port) return 0;
  float value = port->value;
  if (!isfinite(value) || value < 0 || value > FS_MAX_LATENCY) {
    snprintf(err, err_size, "plugin %s reports an impossible latency (%g)",
             fs_host_uri(run->host), value);
    return 2;
  }
  run->latency = (uint64_t)lrintf(value);
  return 0;
}

static int process_blocks(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
  fs_block_sequence sequence = {
    .fixed = opt->block,
    .random_max = opt->random_blocks_max,
    .state = opt->seed,
  };
  double rate = run->input.info.samplerate;
  uint64_t frames = run->input.info.frames > 0
                        ? (uint64_t)run->input.info.frames : 0;
  uint64_t read_position = 0; /* frames taken from the file */
  uint64_t fed = 0;           /* frames given to run() */
  uint64_t written = 0;       /* frames written to OUT */
  uint64_t block_left = 0;    /* of the current block, when split */
  uint32_t cin = run->channels_in, cout = run->channels_out;

  fs_progress_start(&run->progress, stderr, !opt->quiet, frames, rate);
  fs_host_activate(run->host);
  for (;;) {
    uint64_t skip = opt->raw ? 0 : run->latency;
    uint64_t to_feed = frames + skip;
    if (fed >= to_feed) break;
    /* The block sequence is drawn as without a timeline; a block longer
     * than run_limit is only cut into several run() calls. */
    if (block_left == 0) {
      block_left = next_block_length(&sequence);
      run->blocks++;
    }
    uint64_t length = block_left;
    if (length > run->run_limit) length = run->run_limit;
    if (length > to_feed - fed) length = to_feed - fed;
    block_left -= length;
    uint32_t n = (uint32_t)length;

    /* Input: the file while it lasts, then silence. */
    size_t from_file = 0;
    if (read_position < frames) {
      uint64_t wanted = frames - read_position;
      if (wanted > n) wanted = n;
      from_file = fs_audio_read(&run->input, run->interleaved, wanted);
      if (run->timeline)
        fs_timeline_add_input(run->timeline, read_position, run->interleaved,
                              from_file, cin);
      read_position += from_file;
      if (from_file < wanted) frames = read_position; /* file was short */
    }
    for (uint32_t c = 0; c < cin; c++) {
      float *buffer = fs_host_input_buffer(run->host, c);
      for (size_t i = 0; i < from_file; i++)
        buffer[i] = run->interleaved[i * cin + c];
      memset(buffer + from_file, 0, (n - from_file) * sizeof *buffer);
    }

    apply_chaos_schedule(run, fed);
    uint64_t ns = fs_host_run(run->host, n);
    if (fs_stats_add(&run->stats, ns, n, rate) != 0)
      return fail(err, err_size, "out of memory");
    run->runs++;
    if (!run->latency_known) {
      if (take_latency(run, err, err_size) != 0) return 2;
      skip = opt->raw ? 0 : run->latency;
    }
    if (run->timeline &&
        record_reading(run, (int64_t)fed - (int64_t)skip,
                       (int64_t)(fed + n) - (int64_t)skip) != 0)
      return fail(err, err_size, "out of memory");

    /* Output frames [fed, fed + n) land at [fed - skip, ...) in the file;
     * keep those inside 0..frames. */
    uint64_t first = fed < skip ? skip - fed : 0;
    uint64_t last = n;
    if (fed + last > skip + frames) last = skip + frames - fed;
    if (first < last) {
      size_t count = (size_t)(last - first);
      for (uint32_t c = 0; c < cout; c++) {
        const float *buffer = fs_host_output_buffer(run->host, c);
        for (size_t i = 0; i < count; i++)
          run->interleaved[i * cout + c] = buffer[first + i];
      }
      check_samples(&run->checks, run->interleaved, count * cout);
      if (run->timeline)
        fs_timeline_add_output(run->timeline, written, run->interleaved,
                               count, cout);
      if (fs_audio_write(&run->output, run->interleaved, count, err,
                         err_size) != 0)
        return 2;
      written += count;
      fs_progress_update(&run->progress, written);
    }
    fed += n;
  }
  run->frames = frames;
  if (run->chaos) run->chaos->value = run->chaos_base; /* for the summary */
  fs_progress_finish(&run->progress, written, true);
  fs_host_finish(run->host);
  return 0;
}

static int write_timeline(fs_run *run, char *err, size_t err_size) {
  fs_port *ceiling = fs_host_find_port(run->host, "ceiling");
  fs_timeline_titles titles = {
    .plugin_uri = fs_host_uri(run->host),
    .input_path = run->options->input_path,
    .ceiling_dbfs = ceiling && ceiling->kind == FS_PORT_CONTROL &&
                            ceiling->is_input
                        ? run->checks.ceiling_dbfs : NAN,
  };
  return fs_timeline_write_svg(run->timeline, run->options->timeline_path,
                               &titles, err, err_size) == 0 ? 0 : 2;
}

/* ---- reporting -------------------------------------------------------- */

static void write_controls_json(fs_json *json, fs_host *host) {
  fs_json_object_begin(json);
  for (uint32_t i = 0; i < fs_host_port_count(host); i++) {
    const fs_port *port = fs_host_port(host, i);
    if (port->kind != FS_PORT_CONTROL) continue;
    fs_json_key(json, port->symbol);
    fs_json_double(json, port->value);
  }
  fs_json_object_end(json);
}

static double peak_dbfs(const fs_output_checks *checks) {
  return checks->peak > 0 ? 20.0 * log10(checks->peak) : -INFINITY;
}

static void write_json(fs_run *run, FILE *out) {
  const fs_process_options *opt = run->options;
  fs_run_summary timing = fs_stats_summarize(&run->stats);
  fs_json json;
  fs_json_init(&json, out);
  fs_json_object_begin(&json);
  fs_json_key(&json, "uri");
  fs_json_string(&json, fs_host_uri(run->host));
  fs_json_key(&json, "input");
  fs_json_string(&json, opt->input_path);
  fs_json_key(&json, "output");
  fs_json_string(&json, opt->output_path);
  fs_json_key(&json, "sample_rate");
  fs_json_uint(&json, (uint64_t)run->input.info.samplerate);
  fs_json_key(&json, "channels");
  fs_json_uint(&json, run->channels_in);
  fs_json_key(&json, "frames");
  fs_json_uint(&json, run->frames);
  fs_json_key(&json, "blocks");
  fs_json_uint(&json, run->blocks);
  fs_json_key(&json, "runs");
  fs_json_uint(&json, run->runs);
  if (opt->random_blocks_max) {
    fs_json_key(&json, "random_blocks_max");
    fs_json_uint(&json, opt->random_blocks_max);
    fs_json_key(&json, "seed");
    fs_json_uint(&json, opt->seed);
  } else {
    fs_json_key(&json, "block");
    fs_json_uint(&json, opt->block);
  }
  fs_json_key(&json, "in_place");
  fs_json_bool(&json, opt->in_place);
  fs_json_key(&json, "sync_worker");
  fs_json_bool(&json, opt->sync_worker);
  fs_json_key(&json, "latency");
  fs_json_uint(&json, run->latency);
  fs_json_key(&json, "latency_compensated");
  fs_json_bool(&json, !opt->raw);
  if (opt->timeline_path) {
    fs_json_key(&json, "timeline");
    fs_json_string(&json, opt->timeline_path);
  }
  if (opt->chaos_count) {
    /* In the command line's own notation, MODE@START-END,... */
    char schedule[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < opt->chaos_count && used < sizeof schedule; i++)
      used += (size_t)snprintf(schedule + used, sizeof schedule - used,
                               "%s%g@%g-%g", i ? "," : "", opt->chaos[i].mode,
                               opt->chaos[i].start_s, opt->chaos[i].end_s);
    fs_json_key(&json, "chaos_schedule");
    fs_json_string(&json, schedule);
  }

  fs_json_key(&json, "run_ns");
  fs_json_object_begin(&json);
  fs_json_key(&json, "mean");
  fs_json_double(&json, timing.ns_mean);
  fs_json_key(&json, "p50");
  fs_json_double(&json, timing.ns_p50);
  fs_json_key(&json, "p99");
  fs_json_double(&json, timing.ns_p99);
  fs_json_key(&json, "max");
  fs_json_double(&json, timing.ns_max);
  fs_json_object_end(&json);
  fs_json_key(&json, "run_load_pct");
  fs_json_object_begin(&json);
  fs_json_key(&json, "mean");
  fs_json_double(&json, timing.load_mean);
  fs_json_key(&json, "p99");
  fs_json_double(&json, timing.load_p99);
  fs_json_key(&json, "max");
  fs_json_double(&json, timing.load_max);
  fs_json_object_end(&json);

  fs_json_key(&json, "controls");
  write_controls_json(&json, run->host);
  fs_json_key(&json, "nonfinite_samples");
  fs_json_uint(&json, run->checks.nonfinite);
  fs_json_key(&json, "over_ceiling_samples");
  fs_json_uint(&json, run->checks.over_ceiling);
  fs_json_key(&json, "ceiling_dbfs");
  fs_json_double(&json, run->checks.ceiling_dbfs);
  fs_json_key(&json, "peak_dbfs"); /* null for digital silence */
  fs_json_double(&json, peak_dbfs(&run->checks));
  fs_json_key(&json, "worker");
  fs_json_object_begin(&json);
  fs_json_key(&json, "scheduled");
  fs_json_uint(&json, fs_host_worker_scheduled(run->host));
  fs_json_key(&json, "responses");
  fs_json_uint(&json, fs_host_worker_responses(run->host));
  fs_json_object_end(&json);
  fs_json_object_end(&json);
}

static void print_controls(fs_host *host, bool inputs) {
  printf("  %-9s", inputs ? "inputs" : "outputs");
  for (uint32_t i = 0; i < fs_host_port_count(host); i++) {
    const fs_port *port = fs_host_port(host, i);
    if (port->kind == FS_PORT_CONTROL && port->is_input == inputs)
      printf(" %s=%g", port->symbol, port->value);
  }
  printf("\n");
}

static void print_summary(fs_run *run) {
  const fs_process_options *opt = run->options;
  fs_run_summary timing = fs_stats_summarize(&run->stats);
  printf("%s\n", fs_host_uri(run->host));
  printf("  %s -> %s: %d Hz, %u channel%s, %llu frames (%s)\n",
         opt->input_path, opt->output_path, run->input.info.samplerate,
         run->channels_in, run->channels_in == 1 ? "" : "s",
         (unsigned long long)run->frames,
         fs_audio_describe_major(run->output.info.format));
  if (opt->random_blocks_max)
    printf("  %llu blocks of 1..%u frames (seed %llu)",
           (unsigned long long)run->blocks, opt->random_blocks_max,
           (unsigned long long)opt->seed);
  else
    printf("  %llu blocks of %u frames", (unsigned long long)run->blocks,
           opt->block);
  printf("%s%s; latency %llu frames, %s\n", opt->in_place ? ", in place" : "",
         opt->sync_worker ? ", synchronous worker" : "",
         (unsigned long long)run->latency,
         opt->raw ? "not compensated (raw)" : "compensated");
  printf("  run(): mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us; "
         "load mean %.2f %%, p99 %.2f %%, max %.2f %%\n",
         timing.ns_mean / 1e3, timing.ns_p50 / 1e3, timing.ns_p99 / 1e3,
         timing.ns_max / 1e3, timing.load_mean, timing.load_p99,
         timing.load_max);
  printf("  output: peak %.2f dBFS, %llu non-finite, %llu over the %g dBFS "
         "ceiling\n", peak_dbfs(&run->checks),
         (unsigned long long)run->checks.nonfinite,
         (unsigned long long)run->checks.over_ceiling,
         run->checks.ceiling_dbfs);
  print_controls(run->host, true);
  print_controls(run->host, false);
  printf("  worker: %llu scheduled, %llu responses\n",
         (unsigned long long)fs_host_worker_scheduled(run->host),
         (unsigned long long)fs_host_worker_responses(run->host));
  if (opt->chaos_count) {
    printf("  chaos schedule:");
    for (size_t i = 0; i < opt->chaos_count; i++)
      printf(" %g@%g-%g", opt->chaos[i].mode, opt->chaos[i].start_s,
             opt->chaos[i].end_s);
    printf("\n");
  }
  if (opt->timeline_path)
    printf("  timeline: %s (%llu run() calls of at most %u frames)\n",
           opt->timeline_path, (unsigned long long)run->runs, run->run_limit);
}

static int report(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
  const fs_port *latency = fs_host_latency_port(run->host);
  if (latency && isfinite(latency->value) &&
      (uint64_t)lrintf(latency->value) != run->latency)
    fprintf(stderr, "failsafe-host: warning: latency changed from %llu to "
            "%g during the run; compensation used %llu\n",
            (unsigned long long)run->latency, latency->value,
            (unsigned long long)run->latency);

  bool json_on_stdout = opt->json_path && strcmp(opt->json_path, "-") == 0;
  if (!opt->quiet && !json_on_stdout) print_summary(run);
  if (json_on_stdout) write_json(run, stdout);
  if (run->json_file) {
    write_json(run, run->json_file);
    int status = fclose(run->json_file);
    run->json_file = NULL;
    if (status != 0) {
      snprintf(err, err_size, "cannot write JSON summary '%s'", opt->json_path);
      return 2;
    }
  }
  fflush(stdout);
  return 0;
}

int fs_process_run(const fs_process_options *options, char *err,
                   size_t err_size) {
  fs_run run = {.options = options};
  fs_stats_init(&run.stats);
  int status = open_everything(&run, err, err_size);
  if (status == 0) {
    double ceiling = effective_ceiling_dbfs(run.host);
    run.checks.ceiling_dbfs = ceiling;
    run.checks.ceiling_linear = pow(10.0, ceiling / 20.0);
    status = process_blocks(&run, err, err_size);
  }
  if (status == 0 && options->state_out)
    status = fs_host_save_state(run.host, options->state_out, err, err_size)
                 ? 2 : 0;
  if (status == 0 && run.timeline)
    status = write_timeline(&run, err, err_size);
  if (status == 0) {
    fs_audio_close(&run.output);
    status = report(&run, err, err_size);
  } else {
    fs_audio_discard(&run.output); /* never leave a half-written file */
  }
  if (run.json_file) {
    fclose(run.json_file);
    if (status != 0) remove(options->json_path);
  }
  fs_progress_finish(&run.progress, 0, false); /* a failed run's bar */
  fs_timeline_free(run.timeline);
  fs_host_close(run.host);
  fs_audio_close(&run.input);
  free(run.interleaved);
  fs_stats_free(&run.stats);
  return status;
}

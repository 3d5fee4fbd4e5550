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

#include "fs_host_setup.h"
#include "fs_host_summary.h"
#include "fs_host_timeline_svg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A plugin reporting more latency than this is treated as broken. */
enum { FS_MAX_LATENCY = 1 << 24 };

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
      return fs_run_fail(err, err_size, "out of memory");
    run->runs++;
    if (!run->latency_known) {
      if (take_latency(run, err, err_size) != 0) return 2;
      skip = opt->raw ? 0 : run->latency;
    }
    if (run->timeline &&
        record_reading(run, (int64_t)fed - (int64_t)skip,
                       (int64_t)(fed + n) - (int64_t)skip) != 0)
      return fs_run_fail(err, err_size, "out of memory");

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
  if (!opt->quiet && !json_on_stdout) fs_summary_print(run);
  if (json_on_stdout) fs_summary_write_json(run, stdout);
  if (run->json_file) {
    fs_summary_write_json(run, run->json_file);
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
  int status = fs_run_open(&run, err, err_size);
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
  fs_run_close(&run);
  return status;
}

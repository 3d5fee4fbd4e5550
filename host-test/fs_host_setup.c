/* fs_host_setup: see fs_host_setup.h. */
#include "fs_host_setup.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const default_mono_uri = "urn:failsafe:enhancer";
static const char *const default_stereo_uri = "urn:failsafe:enhancer:stereo";

int fs_run_fail(char *err, size_t err_size, const char *message) {
  if (message) snprintf(err, err_size, "%s", message);
  return 2;
}

/* The input file and the plugin that fits its channels. */
static int open_plugin(fs_run *run, char *err, size_t err_size) {
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
  return 0;
}

/* Every --set and --chaos must name a control input before anything is
 * written. */
static int check_controls(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
  const char *uri = fs_host_uri(run->host);
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
  return 0;
}

/* The JSON summary's file, the output file and the interleaving buffer. */
static int open_outputs(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
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
  if (!run->interleaved) return fs_run_fail(err, err_size, "out of memory");
  return 0;
}

/* The instance, then its controls in the order a host session applies
 * them. */
static int instantiate(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
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
  return 0;
}

/* The timeline, when asked for; it also shortens the longest run(). */
static int open_timeline(fs_run *run, char *err, size_t err_size) {
  const fs_process_options *opt = run->options;
  run->run_limit = run->max_block;
  if (opt->timeline_path) {
    uint64_t frames = run->input.info.frames > 0
                          ? (uint64_t)run->input.info.frames : 0;
    run->timeline = fs_timeline_create(frames, run->input.info.samplerate);
    if (!run->timeline) return fs_run_fail(err, err_size, "out of memory");
    for (size_t i = 0; i < opt->chaos_count; i++)
      if (fs_timeline_add_chaos(run->timeline, opt->chaos[i].start_s,
                                opt->chaos[i].end_s,
                                (int)lrint(opt->chaos[i].mode)) != 0)
        return fs_run_fail(err, err_size, "out of memory");
    long limit = lrint(run->input.info.samplerate * FS_PROCESS_TIMELINE_RUN_S);
    if (limit < 1) limit = 1;
    if ((uint64_t)limit < run->run_limit) run->run_limit = (uint32_t)limit;
  }
  return 0;
}

int fs_run_open(fs_run *run, char *err, size_t err_size) {
  int status = open_plugin(run, err, err_size);
  if (status == 0) status = check_controls(run, err, err_size);
  if (status == 0) status = open_outputs(run, err, err_size);
  if (status == 0) status = instantiate(run, err, err_size);
  if (status == 0) status = open_timeline(run, err, err_size);
  return status;
}

void fs_run_close(fs_run *run) {
  fs_progress_finish(&run->progress, 0, false); /* a failed run's bar */
  fs_timeline_free(run->timeline);
  fs_host_close(run->host);
  fs_audio_close(&run->input);
  free(run->interleaved);
  fs_stats_free(&run->stats);
}

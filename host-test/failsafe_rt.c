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
 * server with the dummy backend, which keeps real time like a card does.
 *
 * The jobs have modules of their own: fs_rt_options (the command line),
 * fs_rt_plugin (the plugin on the shared lilv host core), fs_rt_callback
 * (the audio callback), fs_rt_stream (PortAudio), fs_rt_summary (the
 * report).  This file sets them up in order and takes them down in
 * reverse, whichever step fails. */
#include "fs_rt_awake.h"
#include "fs_rt_callback.h"
#include "fs_rt_chaos.h"
#include "fs_rt_jack.h"
#include "fs_rt_jacklog.h"
#include "fs_rt_options.h"
#include "fs_rt_plugin.h"
#include "fs_rt_report.h"
#include "fs_rt_stream.h"
#include "fs_rt_summary.h"

#include <portaudio.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define FS_RT_EXIT_NO_DEVICE 2

/* Everything a run holds, released by close_session whatever was set up. */
typedef struct {
  fs_rt_options o;
  fs_rt_schedule *schedule;
  fs_rt_file file;
  fs_rt_jack jack;
  bool portaudio; /* Pa_Initialize succeeded */
  fs_rt_guard guard;
  PaDeviceIndex device;
  const PaDeviceInfo *device_info;
  fs_rt_plugin plugin;
  fs_rt_callback_state stream;
  fs_rt_result result, baseline;
} fs_rt_session;

/* The schedule, the input file, our jackd and PortAudio.  Returns 0 or
 * the exit status. */
static int open_inputs(fs_rt_session *s) {
  const fs_rt_options *o = &s->o;
  s->schedule = calloc(1, sizeof *s->schedule);
  if (!s->schedule || fs_rt_schedule_parse(s->schedule, o->chaos, o->rate) != 0) return 1;
  if (o->input_path && fs_rt_file_load(o->input_path, o->rate, &s->file) != 0) return 1;
  if (o->start_jack && fs_rt_jack_start(&s->jack, o->rate, o->frames, !o->no_realtime) != 0) return 1;
  fs_rt_find_guard(&s->guard);
  const PaError pa_err = fs_rt_stream_init_portaudio(o->verbose);
  if (pa_err != paNoError) {
    fprintf(stderr, "failsafe-rt: PortAudio failed to start: %s\n", Pa_GetErrorText(pa_err));
    return 1;
  }
  s->portaudio = true;
  return 0;
}

/* The device, the plugin and the callback's memory.  Returns 0 or the
 * exit status. */
static int open_stream(fs_rt_session *s) {
  const fs_rt_options *o = &s->o;
  s->device = fs_rt_stream_choose_device(o, !o->input_path);
  if (s->device == paNoDevice) {
    fprintf(stderr, "failsafe-rt: no host API offers a%s device%s%s (try --start-jack or --list-devices)\n",
            o->input_path ? "n output" : " full-duplex", o->host_api || o->start_jack ? " on " : "",
            o->host_api ? o->host_api : (o->start_jack ? "JACK" : ""));
    return FS_RT_EXIT_NO_DEVICE;
  }
  s->device_info = Pa_GetDeviceInfo(s->device);
  if (fs_rt_plugin_load(&s->plugin, o->uri, o->rate, o->frames) != 0 ||
      fs_rt_plugin_set_all(&s->plugin, o->sets, o->set_count) != 0)
    return 1;
  if (s->schedule->count > 0 && !s->plugin.chaos) {
    fprintf(stderr, "failsafe-rt: --chaos given but <%s> has no 'chaos' control\n", o->uri);
    return 1;
  }
  fs_rt_callback_state *stream = &s->stream;
  if (fs_rt_callback_prepare(stream, o) != 0) {
    fprintf(stderr, "failsafe-rt: out of memory for %.0f s of block records\n", o->seconds);
    return 1;
  }
  stream->plugin = &s->plugin;
  stream->schedule = s->schedule;
  stream->file = o->input_path ? &s->file : NULL;
  const int want_in = (int)s->plugin.n_audio_in;
  const int max_in = s->device_info->maxInputChannels, max_out = s->device_info->maxOutputChannels;
  stream->device_in = o->input_path ? 0 : (max_in < want_in ? max_in : want_in);
  stream->device_out = max_out < 2 ? max_out : 2;
  if (stream->device_out < 1) {
    fprintf(stderr, "failsafe-rt: device '%s' has no output channels\n", s->device_info->name);
    return FS_RT_EXIT_NO_DEVICE;
  }
  return 0;
}

/* Runs the stream and reports.  Returns the exit status. */
static int measure(fs_rt_session *s) {
  const fs_rt_options *o = &s->o;
  static const fs_rt_schedule no_faults = {.count = 0}; /* the baseline has no faults */
  long rss_kb[3] = {-1, -1, -1};
  static fs_rt_awake awake; /* large; main's only */
  if (o->keep_cpus_awake && fs_rt_awake_start(&awake) == 0) {
    fs_rt_awake_stop(&awake);
    return 1;
  }
  const int awake_spinners = awake.spinners, awake_latency_held = awake.latency_held;
  /* The server's log, when we started the server: its account of each
   * xrun.  Without it the summary has the xrun flags only. */
  fs_rt_jacklog server_log = {.fd = -1};
  const int have_log = o->start_jack && fs_rt_jacklog_open(&server_log, s->jack.log_path, 1u << 16) == 0;
  fs_host_activate(s->plugin.host);
  const int64_t n = fs_rt_stream_run(o, s->device, &s->guard, &s->stream, rss_kb, have_log ? &server_log : NULL);
  fs_host_deactivate(s->plugin.host);
  fs_rt_awake_stop(&awake);
  fs_rt_result *results[FS_RT_CONDITIONS] = {&s->result, o->bypass_baseline ? &s->baseline : NULL};
  const int summarised =
      n >= 0 && fs_rt_summarise(&s->result, &s->stream, FS_RT_PLUGIN, s->schedule, o, rss_kb, &s->guard) == 0 &&
      (!o->bypass_baseline ||
       fs_rt_summarise(&s->baseline, &s->stream, FS_RT_BASELINE, &no_faults, o, rss_kb, &s->guard) == 0) &&
      (!have_log || fs_rt_charge_server_xruns(&server_log, &s->stream, results) == 0);
  if (have_log && server_log.lost) {
    fprintf(stderr, "failsafe-rt: the server logged more xruns than could be noted (%llu not counted)\n",
            (unsigned long long)server_log.lost);
  }
  fs_rt_jacklog_close(&server_log);
  if (!summarised) return 1;

  const fs_rt_callback_state *stream = &s->stream;
  if (o->blocks_csv &&
      fs_rt_write_blocks_csv(o->blocks_csv, stream->blocks[FS_RT_PLUGIN], stream->filled[FS_RT_PLUGIN], o->rate) != 0)
    return 1;
  if (o->baseline_csv && o->bypass_baseline &&
      fs_rt_write_blocks_csv(o->baseline_csv, stream->blocks[FS_RT_BASELINE], stream->filled[FS_RT_BASELINE],
                             o->rate) != 0)
    return 1;
  const fs_rt_run_info info = {
      .device_name = s->device_info->name,
      .api_name = Pa_GetHostApiInfo(s->device_info->hostApi)->name,
      .realtime = o->start_jack ? s->jack.realtime : -1,
      .sched_known = atomic_load(&stream->sched_known),
      .sched_policy = stream->sched_policy,
      .sched_priority = stream->sched_priority,
      .segment_s = o->bypass_baseline ? (double)stream->segment_blocks * o->frames / o->rate : 0.0,
      .interrupted = fs_rt_stream_interrupted(),
      .awake_spinners = awake_spinners,
      .awake_latency_held = awake_latency_held,
  };
  fs_rt_check_scheduling(&info);
  const fs_rt_result *base = o->bypass_baseline ? &s->baseline : NULL;
  fs_rt_write_summary(stdout, o, &info, &s->result, base);
  if (o->json_path && fs_rt_write_summary_file(o->json_path, o, &info, &s->result, base) != 0) return 1;
  return fs_rt_stream_interrupted() ? 1 : 0;
}

/* In the reverse order of set-up; each step is a no-op when its part was
 * never set up. */
static void close_session(fs_rt_session *s) {
  fs_rt_result_free(&s->result);
  fs_rt_result_free(&s->baseline);
  fs_rt_callback_release(&s->stream);
  fs_rt_plugin_unload(&s->plugin);
  if (s->portaudio) Pa_Terminate();
  fs_rt_jack_stop(&s->jack);
  free(s->file.samples);
  free(s->schedule);
}

int main(int argc, char **argv) {
  static fs_rt_session session; /* zeroed: close_session relies on it */
  fs_rt_session *s = &session;
  const int parsed = fs_rt_options_parse(argc, argv, &s->o);
  if (parsed != 0) return parsed > 0 ? 0 : 1;
  fs_rt_stream_catch_signals();

  int status = open_inputs(s);
  if (status == 0 && s->o.list_devices) {
    fs_rt_stream_list_devices();
  } else if (status == 0) {
    status = open_stream(s);
    if (status == 0) status = measure(s);
  }
  close_session(s);
  return status;
}

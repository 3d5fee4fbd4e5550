/* fs_rt_stream: see fs_rt_stream.h. */
#include "fs_rt_stream.h"

#include <pa_jack.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted; /* set by SIGINT/SIGTERM */

static void on_signal(int sig) {
  (void)sig;
  interrupted = 1;
}

void fs_rt_stream_catch_signals(void) {
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
}

int fs_rt_stream_interrupted(void) { return interrupted; }

/* Runs PortAudio's initialisation with stderr silenced unless asked: the
 * ALSA and JACK layers print pages of harmless complaints on a machine
 * without a card. */
PaError fs_rt_stream_init_portaudio(int verbose) {
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

void fs_rt_stream_list_devices(void) {
  for (PaDeviceIndex d = 0; d < Pa_GetDeviceCount(); ++d) {
    const PaDeviceInfo *info = Pa_GetDeviceInfo(d);
    printf("%d\t%s\t%s\tin %d\tout %d\t%.0f Hz\n", d, Pa_GetHostApiInfo(info->hostApi)->name, info->name,
           info->maxInputChannels, info->maxOutputChannels, info->defaultSampleRate);
  }
}

/* The device to use: a host API by name (JACK when we started jackd), a
 * device by index or name within it, else the default output device's. */
PaDeviceIndex fs_rt_stream_choose_device(const fs_rt_options *o, int need_input) {
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
static int wait_for_stream(PaStream *stream, fs_rt_callback_state *s, uint64_t warm_callbacks, long rss_kb[3],
                           fs_rt_jacklog *server_log) {
  uint64_t last_count = 0, last_progress = fs_rt_now_ns();
  int stalled = 0;
  while (!atomic_load(&s->done) && !interrupted && Pa_IsStreamActive(stream) == 1) {
    Pa_Sleep(20);
    const uint64_t count = atomic_load_explicit(&s->count, memory_order_acquire);
    if (server_log) fs_rt_jacklog_poll(server_log, count);
    if (rss_kb[1] < 0 && count >= warm_callbacks) rss_kb[1] = fs_rt_rss_kb();
    if (count != last_count) {
      last_count = count;
      last_progress = fs_rt_now_ns();
    } else if (fs_rt_now_ns() - last_progress > 5000000000ull) {
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
int64_t fs_rt_stream_run(const fs_rt_options *o, PaDeviceIndex device, const fs_rt_guard *guard, fs_rt_callback_state *s,
                         long rss_kb[3], fs_rt_jacklog *server_log) {
  const PaDeviceInfo *info = Pa_GetDeviceInfo(device);
  PaStreamParameters in_params = {device, s->device_in, paFloat32, info->defaultLowInputLatency, NULL};
  PaStreamParameters out_params = {device, s->device_out, paFloat32, info->defaultLowOutputLatency, NULL};
  PaStream *stream = NULL;
  PaError err = Pa_OpenStream(&stream, s->device_in > 0 ? &in_params : NULL, &out_params, o->rate, o->frames,
                              paClipOff | paDitherOff, fs_rt_callback, s);
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

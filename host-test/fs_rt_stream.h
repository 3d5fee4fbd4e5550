/* fs_rt_stream: failsafe-rt's PortAudio side: the host APIs, the device,
 * and one stream from start to stop around fs_rt_callback.
 *
 * Without a sound card, --start-jack runs the stream on a private JACK
 * server with the dummy backend (fs_rt_jack), which keeps real time like
 * a card does.  Main thread. */
#ifndef FS_RT_STREAM_H
#define FS_RT_STREAM_H

#include "fs_rt_callback.h"
#include "fs_rt_jacklog.h"
#include "fs_rt_options.h"

#include <portaudio.h>

#include <stdint.h>

/* SIGINT and SIGTERM end the stream early instead of the process. */
void fs_rt_stream_catch_signals(void);
/* Whether one of them came. */
int fs_rt_stream_interrupted(void);

/* Pa_Initialize, with the host APIs' start-up chatter silenced unless
 * verbose. */
PaError fs_rt_stream_init_portaudio(int verbose);
/* One line per device on stdout. */
void fs_rt_stream_list_devices(void);
/* The device o names (host API, device), else the default output's;
 * paNoDevice when there is none (or it has no input and one is needed). */
PaDeviceIndex fs_rt_stream_choose_device(const fs_rt_options *o, int need_input);

/* Runs the stream until the callback has done every block, it stalls or
 * a signal comes.  VmRSS goes into rss_kb (before the start, once warm,
 * at the end); the server's log, when given, is read all along.  Returns
 * the callbacks run, -1 when the stream could not open or start. */
int64_t fs_rt_stream_run(const fs_rt_options *o, PaDeviceIndex device, const fs_rt_guard *guard, fs_rt_callback_state *s,
                         long rss_kb[3], fs_rt_jacklog *server_log);

#endif

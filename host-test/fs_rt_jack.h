/* fs_rt_jack: a private, card-less JACK server for the harness.
 *
 * PortAudio never starts a JACK server, so on a machine without a sound
 * card the harness starts `jackd -n NAME -r -d dummy` itself, with a name
 * of its own so that several runs can share a machine.  JACK_DEFAULT_SERVER
 * is set in this process so PortAudio's JACK client finds that server.
 *
 * The server runs real-time (`jackd -R`, SCHED_FIFO) whenever this process
 * may use SCHED_FIFO: libjack then gives the client's process thread, where
 * PortAudio calls back, real-time priority too.  Without it the dummy
 * driver's timer and the callback are ordinary threads, and on a loaded
 * machine they starve and miss deadlines that are none of the plugin's
 * doing. */
#ifndef FS_RT_JACK_H
#define FS_RT_JACK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
  pid_t pid;          /* 0 when no server was started */
  char name[64];      /* the server's name */
  char log_path[128]; /* jackd's stdout and stderr */
  int healthy;        /* came up: its log is removed at stop */
  int realtime;       /* runs with -R (SCHED_FIFO) */
} fs_rt_jack;

/* Starts the server and waits (jack_wait -w -t 10) until it is up:
 * real-time when allow_realtime is set and this process may use
 * SCHED_FIFO, else (or when a real-time server does not come up) without,
 * saying so on stderr.  Prints one line and returns -1 on failure. */
int fs_rt_jack_start(fs_rt_jack *j, double rate, uint32_t frames, int allow_realtime);

/* Whether this process may put a thread under SCHED_FIFO at the server's
 * priority: tried on a throwaway thread.  On failure, why in `why`. */
int fs_rt_jack_may_realtime(char *why, size_t why_size);

/* Stops the server (SIGTERM, then SIGKILL after 3 s); safe to call twice. */
void fs_rt_jack_stop(fs_rt_jack *j);

#endif

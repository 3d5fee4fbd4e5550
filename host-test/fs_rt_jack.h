/* fs_rt_jack: a private, card-less JACK server for the harness.
 *
 * PortAudio never starts a JACK server, so on a machine without a sound
 * card the harness starts `jackd -n NAME -r -d dummy` itself, with a name
 * of its own so that several runs can share a machine.  JACK_DEFAULT_SERVER
 * is set in this process so PortAudio's JACK client finds that server. */
#ifndef FS_RT_JACK_H
#define FS_RT_JACK_H

#include <stdint.h>
#include <sys/types.h>

typedef struct {
  pid_t pid;          /* 0 when no server was started */
  char name[64];      /* the server's name */
  char log_path[128]; /* jackd's stdout and stderr */
  int healthy;        /* came up: its log is removed at stop */
} fs_rt_jack;

/* Starts the server and waits (jack_wait -w -t 10) until it is up.
 * Prints one line and returns -1 on failure. */
int fs_rt_jack_start(fs_rt_jack *j, double rate, uint32_t frames);

/* Stops the server (SIGTERM, then SIGKILL after 3 s); safe to call twice. */
void fs_rt_jack_stop(fs_rt_jack *j);

#endif

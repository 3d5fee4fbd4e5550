/* fs_rt_jack: see fs_rt_jack.h. */
#include "fs_rt_jack.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Spawns argv with stdout and stderr appended to log_path. */
static pid_t spawn_logged(char *const argv[], const char *log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  return err == 0 ? pid : -1;
}

static void sleep_ms(long ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0 && errno == EINTR) {
  }
}

int fs_rt_jack_start(fs_rt_jack *j, double rate, uint32_t frames) {
  memset(j, 0, sizeof *j);
  snprintf(j->name, sizeof j->name, "failsafe-rt-%ld", (long)getpid());
  snprintf(j->log_path, sizeof j->log_path, "/tmp/%s.jackd.log", j->name);
  unlink(j->log_path);
  setenv("JACK_DEFAULT_SERVER", j->name, 1);
  setenv("JACK_NO_AUDIO_RESERVATION", "1", 1);
  /* Without this a PortAudio client would try to start a server on ALSA
   * if ours died; better to fail plainly. */
  setenv("JACK_NO_START_SERVER", "1", 1);
  /* A real-time guard preloaded into the harness has no business in the
   * server. */
  unsetenv("LD_PRELOAD");

  char rate_text[32], frames_text[32];
  snprintf(rate_text, sizeof rate_text, "%.0f", rate);
  snprintf(frames_text, sizeof frames_text, "%u", frames);
  char *const jackd_argv[] = {"jackd", "-n", j->name, "-r", "-d", "dummy", "-r", rate_text, "-p", frames_text, NULL};
  j->pid = spawn_logged(jackd_argv, j->log_path);
  if (j->pid <= 0) {
    j->pid = 0;
    fprintf(stderr, "failsafe-rt: cannot run jackd (package jackd2)\n");
    return -1;
  }
  char *const wait_argv[] = {"jack_wait", "-w", "-t", "10", NULL};
  const pid_t waiter = spawn_logged(wait_argv, j->log_path);
  int status = -1;
  if (waiter <= 0 || waitpid(waiter, &status, 0) != waiter || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "failsafe-rt: jackd '%s' did not come up (log: %s)\n", j->name, j->log_path);
    fs_rt_jack_stop(j);
    return -1;
  }
  j->healthy = 1;
  /* jack_wait returns as soon as the server answers; give the dummy
   * driver a few cycles to settle before a client joins. */
  sleep_ms(100);
  return 0;
}

void fs_rt_jack_stop(fs_rt_jack *j) {
  if (j->pid <= 0) return;
  kill(j->pid, SIGTERM);
  for (int i = 0; i < 300; ++i) {
    if (waitpid(j->pid, NULL, WNOHANG) == j->pid) {
      j->pid = 0;
      if (j->healthy) unlink(j->log_path); /* a failed start keeps its log */
      return;
    }
    sleep_ms(10);
  }
  kill(j->pid, SIGKILL);
  waitpid(j->pid, NULL, 0);
  j->pid = 0;
}

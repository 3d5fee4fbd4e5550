/* fs_rt_jack: see fs_rt_jack.h. */
#include "fs_rt_jack.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The server's real-time priority; libjack runs its clients' process
 * threads a little below it.  Above the kernel's threaded interrupt
 * handlers (50), as JACK setups usually are. */
#define FS_RT_JACK_PRIORITY 70

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

static void *idle_thread(void *arg) { return arg; }

int fs_rt_jack_may_realtime(char *why, size_t why_size) {
  pthread_attr_t attr;
  const struct sched_param param = {.sched_priority = FS_RT_JACK_PRIORITY};
  int err = pthread_attr_init(&attr);
  if (!err) err = pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
  if (!err) err = pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
  if (!err) err = pthread_attr_setschedparam(&attr, &param);
  pthread_t thread;
  /* EPERM without CAP_SYS_NICE or an RLIMIT_RTPRIO that high, and also in
   * a container whose cgroup has no real-time budget. */
  if (!err) err = pthread_create(&thread, &attr, idle_thread, NULL);
  if (!err) pthread_join(thread, NULL);
  pthread_attr_destroy(&attr);
  if (err) snprintf(why, why_size, "SCHED_FIFO %d not permitted: %s", FS_RT_JACK_PRIORITY, strerror(err));
  return err == 0;
}

/* Runs jackd with or without real-time scheduling and waits until it
 * answers.  Returns -1 (server stopped again) when it does not. */
static int spawn_server(fs_rt_jack *j, int realtime, double rate, uint32_t frames) {
  char rate_text[32], frames_text[32], priority_text[16];
  snprintf(rate_text, sizeof rate_text, "%.0f", rate);
  snprintf(frames_text, sizeof frames_text, "%u", frames);
  snprintf(priority_text, sizeof priority_text, "%d", FS_RT_JACK_PRIORITY);
  /* The first -r (before -d) means "no real-time"; the driver's -r is the
   * sample rate. */
  char *const rt_argv[] = {"jackd", "-n", j->name, "-R", "-P", priority_text, "-d", "dummy",
                           "-r", rate_text, "-p", frames_text, NULL};
  char *const plain_argv[] = {"jackd", "-n", j->name, "-r", "-d", "dummy", "-r", rate_text, "-p", frames_text, NULL};
  j->pid = spawn_logged(realtime ? rt_argv : plain_argv, j->log_path);
  if (j->pid <= 0) {
    j->pid = 0;
    fprintf(stderr, "failsafe-rt: cannot run jackd (package jackd2)\n");
    return -1;
  }
  char *const wait_argv[] = {"jack_wait", "-w", "-t", "10", NULL};
  const pid_t waiter = spawn_logged(wait_argv, j->log_path);
  int status = -1;
  if (waiter <= 0 || waitpid(waiter, &status, 0) != waiter || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fs_rt_jack_stop(j);
    return -1;
  }
  j->realtime = realtime;
  return 0;
}

int fs_rt_jack_start(fs_rt_jack *j, double rate, uint32_t frames, int allow_realtime) {
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

  char why[256] = "not asked for (--no-realtime)";
  int realtime = allow_realtime && fs_rt_jack_may_realtime(why, sizeof why);
  if (realtime && spawn_server(j, 1, rate, frames) != 0) {
    snprintf(why, sizeof why, "a real-time jackd did not come up (log: %s)", j->log_path);
    realtime = 0;
  }
  if (!realtime) {
    fprintf(stderr, "failsafe-rt: jackd runs without real-time scheduling: %s\n", why);
    if (spawn_server(j, 0, rate, frames) != 0) {
      fprintf(stderr, "failsafe-rt: jackd '%s' did not come up (log: %s)\n", j->name, j->log_path);
      return -1;
    }
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

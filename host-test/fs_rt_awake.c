/* fs_rt_awake: see fs_rt_awake.h. */
#include "fs_rt_awake.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Tells the core that this is a spin-wait: on a core shared with a
 * hyperthread sibling, the sibling keeps the execution units. */
static inline void spin_hint(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ volatile("yield");
#endif
}

static void *spin(void *arg) {
  const fs_rt_awake_spinner *s = arg;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  CPU_SET(s->cpu, &cpus);
  pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
  while (!atomic_load_explicit(&s->owner->stop, memory_order_relaxed)) spin_hint();
  return NULL;
}

/* The PM QoS request lasts as long as the file stays open. */
static int hold_latency_request(void) {
  const int fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  const int32_t zero = 0;
  if (write(fd, &zero, sizeof zero) != (ssize_t)sizeof zero) {
    close(fd);
    return -1;
  }
  return fd;
}

int fs_rt_awake_start(fs_rt_awake *a) {
  memset(a, 0, sizeof *a);
  atomic_init(&a->stop, 0);
  a->latency_fd = hold_latency_request();
  a->latency_held = a->latency_fd >= 0;
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    fprintf(stderr, "failsafe-rt: cannot read the CPUs this process may use: %s\n", strerror(errno));
    return 0;
  }
  pthread_attr_t attr;
  const struct sched_param idle = {.sched_priority = 0};
  if (pthread_attr_init(&attr) != 0) return 0;
  pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
  pthread_attr_setschedpolicy(&attr, SCHED_IDLE);
  pthread_attr_setschedparam(&attr, &idle);
  for (int cpu = 0; cpu < CPU_SETSIZE && a->spinners < FS_RT_AWAKE_MAX_CPUS; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed)) continue;
    fs_rt_awake_spinner *s = &a->spinner[a->spinners];
    s->cpu = cpu;
    s->owner = a;
    const int err = pthread_create(&s->thread, &attr, spin, s);
    if (err != 0) {
      fprintf(stderr, "failsafe-rt: cannot start an idle-priority spinner on CPU %d: %s\n", cpu, strerror(err));
      break;
    }
    ++a->spinners;
  }
  pthread_attr_destroy(&attr);
  return a->spinners;
}

void fs_rt_awake_stop(fs_rt_awake *a) {
  atomic_store(&a->stop, 1);
  for (int i = 0; i < a->spinners; ++i) pthread_join(a->spinner[i].thread, NULL);
  a->spinners = 0;
  if (a->latency_held) close(a->latency_fd);
  a->latency_held = 0;
}

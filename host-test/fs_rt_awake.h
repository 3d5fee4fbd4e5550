/* fs_rt_awake: keeps every CPU out of its idle state while a measurement
 * runs.
 *
 * A CPU with nothing to run halts.  On bare metal it wakes from a shallow
 * idle state in microseconds; a deep one takes longer, which is why audio
 * tuning guides hold /dev/cpu_dma_latency at 0.  A virtual machine's
 * halted vCPU is worse: it leaves the hypervisor's run queue, and the
 * timer interrupt that should start the audio server's next cycle waits
 * until the host schedules the vCPU again, which on a shared host can
 * take milliseconds.  Such a late wake-up is an xrun at small buffers,
 * charged to whichever client happens to be running, plugin or baseline.
 *
 * This holds /dev/cpu_dma_latency at 0 where it may (the bare-metal
 * remedy) and runs one SCHED_IDLE thread per CPU that spins with a pause
 * hint (the virtual machine's: the vCPU never halts, as with idle=poll).
 * SCHED_IDLE gives way at once to anything else that wants the CPU, the
 * audio threads above all, so it only ever takes time nobody else wanted.
 * It costs power, so it is asked for (failsafe-rt --keep-cpus-awake),
 * never the default. */
#ifndef FS_RT_AWAKE_H
#define FS_RT_AWAKE_H

#include <pthread.h>
#include <stdatomic.h>

#define FS_RT_AWAKE_MAX_CPUS 256

typedef struct fs_rt_awake fs_rt_awake;

typedef struct {
  pthread_t thread;
  int cpu;
  fs_rt_awake *owner;
} fs_rt_awake_spinner;

struct fs_rt_awake {
  fs_rt_awake_spinner spinner[FS_RT_AWAKE_MAX_CPUS];
  int spinners;       /* started, one per CPU this process may use */
  int latency_held;   /* /dev/cpu_dma_latency is held at 0 through latency_fd */
  int latency_fd;
  atomic_int stop;
};

/* Starts the spinners and holds the latency request (where this process
 * may open /dev/cpu_dma_latency).  Returns the number of spinners started
 * (0 when none could be, said on stderr). */
int fs_rt_awake_start(fs_rt_awake *a);

/* Stops the spinners and releases the latency request; safe to call on a
 * zeroed or stopped one. */
void fs_rt_awake_stop(fs_rt_awake *a);

#endif

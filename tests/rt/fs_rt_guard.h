/* fs_rt_guard: the interface of the real-time safety interposer.
 *
 * fs_rt_guard.so is preloaded (LD_PRELOAD) into a test host.  It wraps the
 * calls a real-time audio thread must never make: heap allocation and
 * release, mutex and semaphore waits, sleeps, and file I/O (stdio
 * included).  While the
 * calling thread is armed, each such call is recorded as a violation (and
 * still forwarded, so the host keeps running and the report is complete).
 *
 * A host finds these functions with dlsym(RTLD_DEFAULT, ...), so it still
 * runs, and can say the guard is missing, when nothing was preloaded. */
#ifndef FS_RT_GUARD_H
#define FS_RT_GUARD_H

#include <stdio.h>

/* Arms (on != 0) or disarms the calling thread only. */
typedef void fs_rt_guard_arm_fn(int on);
/* Violations recorded since the start or the last reset. */
typedef unsigned long fs_rt_guard_violations_fn(void);
typedef void fs_rt_guard_reset_fn(void);
/* One line per guarded function that was called while armed: its name,
 * how often, and where the first call came from. */
typedef void fs_rt_guard_report_fn(FILE *out);

#endif

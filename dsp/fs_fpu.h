/*
  fs_fpu: denormals off for the duration of a processing call.

  Denormal floats are up to a hundred times slower on x86 and can appear in
  any decaying filter.  FTZ/DAZ make the CPU flush them; we set the flags on
  entry to the audio callback and restore the host's flags on exit, because
  the host's own code may depend on them.

  Writing the control register is not free (it waits for the floating-point
  work in flight), so it is written only when the flags are not set yet,
  and restored only when it was written: hosts that run their audio thread
  with FTZ/DAZ on (most DAWs do) pay one register read per call, and a
  caller that set them already (run()) costs the callee nothing.
*/
#ifndef FS_FPU_H
#define FS_FPU_H

#include <stdint.h>

/* FS_FPU_FLUSHES_DENORMALS: whether fs_fpu_flush_denormals() really sets
   flush-to-zero on this CPU (it cannot elsewhere).  Where it does, no
   arithmetic inside a call leaves a denormal behind, and the safety net
   looks for them less often. */

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define FS_FPU_FLUSHES_DENORMALS 1
typedef uint32_t fs_fpu_state;
#define FS_MXCSR_FTZ 0x8000u
#define FS_MXCSR_DAZ 0x0040u
#define FS_MXCSR_FLUSH (FS_MXCSR_FTZ | FS_MXCSR_DAZ)
static inline fs_fpu_state fs_fpu_flush_denormals(void) {
  const fs_fpu_state saved = _mm_getcsr();
  if ((saved & FS_MXCSR_FLUSH) != FS_MXCSR_FLUSH) {
    _mm_setcsr(saved | FS_MXCSR_FLUSH);
  }
  return saved;
}
static inline void fs_fpu_restore(fs_fpu_state saved) {
  if ((saved & FS_MXCSR_FLUSH) != FS_MXCSR_FLUSH) {
    _mm_setcsr(saved);
  }
}
#elif defined(__aarch64__)
#define FS_FPU_FLUSHES_DENORMALS 1
typedef uint64_t fs_fpu_state;
#define FS_FPCR_FZ (1ull << 24)
static inline fs_fpu_state fs_fpu_flush_denormals(void) {
  uint64_t saved;
  __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved));
  if (!(saved & FS_FPCR_FZ)) {
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved | FS_FPCR_FZ));
  }
  return saved;
}
static inline void fs_fpu_restore(fs_fpu_state saved) {
  if (!(saved & FS_FPCR_FZ)) {
    __asm__ __volatile__("msr fpcr, %0" : : "r"(saved));
  }
}
#else
#define FS_FPU_FLUSHES_DENORMALS 0
typedef int fs_fpu_state;
static inline fs_fpu_state fs_fpu_flush_denormals(void) { return 0; }
static inline void fs_fpu_restore(fs_fpu_state saved) { (void)saved; }
#endif

#endif

/*
  fs_compiler: hints about where code belongs, for the audio thread.

  The full path (enhancer and FFT codelets) alone nearly fills a 32 KiB
  level-1 instruction cache.  Every byte of the safety net that runs on
  each hop competes with it, so code that runs only when something is
  wrong (a finding, a fade, an injected fault, a rebuild) is kept out of
  line and marked cold: the compiler then moves it into .text.unlikely,
  away from the hot path, and optimises it for size.  Measured with
  `valgrind --tool=callgrind --cache-sim=yes` on `failsafe-host bench
  --only net` against `--only full`: see the README's Benchmarks.
*/
#ifndef FS_COMPILER_H
#define FS_COMPILER_H

#if defined(__GNUC__) || defined(__clang__)
#define FS_COLD __attribute__((cold, noinline))
#define FS_NOINLINE __attribute__((noinline))
#define FS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define FS_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define FS_COLD
#define FS_NOINLINE
#define FS_UNLIKELY(x) (x)
#define FS_LIKELY(x) (x)
#endif

/* fmaxf() and fminf() for a running maximum or minimum, inline: without
   -ffinite-math-only the compiler keeps libm's as calls through the PLT,
   which on the hot path cost both a call and cache lines of libm's code.
   `a` is the number kept so far (or a bound), `b` the candidate; a NaN
   candidate loses to it, as in fmaxf().  Written so that each is one
   MAXSS/MINSS, which returns its second operand, here `a`, on a NaN. */
static inline float fs_maxf(float a, float b) { return b > a ? b : a; }
static inline float fs_minf(float a, float b) { return b < a ? b : a; }

#endif

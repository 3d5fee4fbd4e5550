/* fs_rt_guard: a preloaded interposer that catches real-time-unsafe calls
 * made by an armed thread (see fs_rt_guard.h).
 *
 * Every wrapper forwards to the next definition of its symbol, found with
 * dlsym(RTLD_NEXT).  dlsym itself may allocate (its error buffer) before
 * the real allocator is known, so allocations made while the wrappers are
 * being resolved come from a small static arena, and free() ignores
 * pointers into it.
 *
 * Global mutable state, which an interposer cannot avoid:
 * - the resolved function pointers and the resolution state;
 * - the bootstrap arena;
 * - the per-function violation counters and first callers (atomics: the
 *   armed thread records without locking or allocating);
 * - the thread-local arm flag, in the initial-exec TLS model so reading it
 *   never allocates.
 *
 * stdio is wrapped at its entry points (printf, fputs, fwrite...): inside
 * glibc it reaches write() by an internal call no interposer can see. */

/* The wrappers must define the plain symbols (open, not open64 under a
 * redirect) and not clash with fortified inline versions. */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE

#include "fs_rt_guard.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FS_EXPORT __attribute__((visibility("default")))

/* The guarded functions, in one list so names, counters and resolution
 * stay in step. */
#define FS_GUARDED(X)                                                                                                  \
  X(malloc)                                                                                                            \
  X(calloc)                                                                                                            \
  X(realloc)                                                                                                           \
  X(free)                                                                                                              \
  X(posix_memalign)                                                                                                    \
  X(aligned_alloc)                                                                                                     \
  X(memalign)                                                                                                          \
  X(valloc)                                                                                                            \
  X(pthread_mutex_lock)                                                                                                \
  X(sem_wait)                                                                                                          \
  X(sleep)                                                                                                             \
  X(usleep)                                                                                                            \
  X(nanosleep)                                                                                                         \
  X(clock_nanosleep)                                                                                                   \
  X(read)                                                                                                              \
  X(write)                                                                                                             \
  X(open)                                                                                                              \
  X(open64)                                                                                                            \
  X(openat)                                                                                                            \
  X(openat64)                                                                                                          \
  X(printf)                                                                                                            \
  X(fprintf)                                                                                                           \
  X(vprintf)                                                                                                           \
  X(vfprintf)                                                                                                          \
  X(puts)                                                                                                              \
  X(fputs)                                                                                                             \
  X(fwrite)                                                                                                            \
  X(fflush)                                                                                                            \
  X(__printf_chk)                                                                                                      \
  X(__fprintf_chk)                                                                                                     \
  X(__vfprintf_chk)

#define FS_ID(name) FS_G_##name,
enum { FS_GUARDED(FS_ID) FS_G_COUNT };
#undef FS_ID

#define FS_NAME(name) #name,
static const char *const fs_guarded_names[FS_G_COUNT] = {FS_GUARDED(FS_NAME)};
#undef FS_NAME

static void *fs_real[FS_G_COUNT];
static atomic_ulong fs_counts[FS_G_COUNT];
static _Atomic(uintptr_t) fs_first_caller[FS_G_COUNT];
static atomic_int fs_resolve_state; /* 0 not yet, 1 in progress, 2 done */
static int fs_abort_on_violation;   /* FS_RT_GUARD_ABORT set: stop on the spot */
static __thread int fs_armed __attribute__((tls_model("initial-exec")));

/* ---- bootstrap arena ------------------------------------------------- */

#define FS_ARENA_SIZE (64 * 1024)
static _Alignas(max_align_t) unsigned char fs_arena[FS_ARENA_SIZE];
static atomic_size_t fs_arena_used;

/* Each arena block starts with its size, so realloc can copy it out. */
static void *arena_alloc(size_t size) {
  const size_t header = sizeof(max_align_t);
  const size_t total = (header + size + header - 1) / header * header;
  const size_t at = atomic_fetch_add(&fs_arena_used, total);
  if (at + total > FS_ARENA_SIZE) return NULL;
  memcpy(&fs_arena[at], &size, sizeof size);
  return &fs_arena[at + header];
}

static int in_arena(const void *p) {
  return (const unsigned char *)p >= fs_arena && (const unsigned char *)p < fs_arena + FS_ARENA_SIZE;
}

static size_t arena_size(const void *p) {
  size_t size;
  memcpy(&size, (const unsigned char *)p - sizeof(max_align_t), sizeof size);
  return size;
}

/* ---- resolution ------------------------------------------------------ */

static void resolve_all(void) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&fs_resolve_state, &expected, 1)) {
    /* Another thread resolves; its allocations meanwhile use the arena. */
    while (atomic_load(&fs_resolve_state) != 2) {
    }
    return;
  }
  for (int i = 0; i < FS_G_COUNT; ++i) fs_real[i] = dlsym(RTLD_NEXT, fs_guarded_names[i]);
  atomic_store(&fs_resolve_state, 2);
}

__attribute__((constructor)) static void fs_guard_init(void) {
  resolve_all();
  fs_abort_on_violation = getenv("FS_RT_GUARD_ABORT") != NULL;
}

/* The real function, or NULL while resolution is under way (the caller
 * then falls back to the arena for allocations). */
static void *real(int id) {
  const int state = atomic_load(&fs_resolve_state);
  if (state == 2) return fs_real[id];
  if (state == 1) return NULL;
  resolve_all();
  return fs_real[id];
}

/* The real function for the wrappers that do not allocate: looked up on
 * the spot if a thread gets here while another one is still resolving. */
static void *real_now(int id) {
  void *f = real(id);
  return f ? f : dlsym(RTLD_NEXT, fs_guarded_names[id]);
}

/* Records a violation when the calling thread is armed.  Atomics only:
 * it runs on the thread being checked. */
static inline void note(int id, void *caller) {
  if (!fs_armed) return;
  atomic_fetch_add_explicit(&fs_counts[id], 1, memory_order_relaxed);
  uintptr_t none = 0;
  atomic_compare_exchange_strong(&fs_first_caller[id], &none, (uintptr_t)caller);
  if (fs_abort_on_violation) abort(); /* for a debugger or a core dump */
}

#define CALLER __builtin_return_address(0)

/* ---- allocation ------------------------------------------------------ */

FS_EXPORT void *malloc(size_t size) {
  note(FS_G_malloc, CALLER);
  void *(*f)(size_t) = (void *(*)(size_t))real(FS_G_malloc);
  return f ? f(size) : arena_alloc(size);
}

FS_EXPORT void *calloc(size_t n, size_t size) {
  note(FS_G_calloc, CALLER);
  void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))real(FS_G_calloc);
  if (f) return f(n, size);
  if (size && n > SIZE_MAX / size) return NULL;
  return arena_alloc(n * size); /* static storage is zeroed already */
}

FS_EXPORT void *realloc(void *p, size_t size) {
  note(FS_G_realloc, CALLER);
  void *(*f)(void *, size_t) = (void *(*)(void *, size_t))real(FS_G_realloc);
  if (p && in_arena(p)) {
    /* Moves an arena block out to the real heap (or a new arena block). */
    void *(*m)(size_t) = (void *(*)(size_t))real(FS_G_malloc);
    void *q = m ? m(size) : arena_alloc(size);
    if (q) memcpy(q, p, arena_size(p) < size ? arena_size(p) : size);
    return q;
  }
  return f ? f(p, size) : arena_alloc(size);
}

FS_EXPORT void free(void *p) {
  note(FS_G_free, CALLER);
  if (!p || in_arena(p)) return;
  void (*f)(void *) = (void (*)(void *))real(FS_G_free);
  if (f) f(p);
}

FS_EXPORT int posix_memalign(void **out, size_t align, size_t size) {
  note(FS_G_posix_memalign, CALLER);
  int (*f)(void **, size_t, size_t) = (int (*)(void **, size_t, size_t))real(FS_G_posix_memalign);
  return f ? f(out, align, size) : 12 /* ENOMEM */;
}

FS_EXPORT void *aligned_alloc(size_t align, size_t size) {
  note(FS_G_aligned_alloc, CALLER);
  void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))real(FS_G_aligned_alloc);
  return f ? f(align, size) : NULL;
}

FS_EXPORT void *memalign(size_t align, size_t size) {
  note(FS_G_memalign, CALLER);
  void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))real(FS_G_memalign);
  return f ? f(align, size) : NULL;
}

FS_EXPORT void *valloc(size_t size) {
  note(FS_G_valloc, CALLER);
  void *(*f)(size_t) = (void *(*)(size_t))real(FS_G_valloc);
  return f ? f(size) : NULL;
}

/* ---- waiting ----------------------------------------------------------- */

FS_EXPORT int pthread_mutex_lock(pthread_mutex_t *m) {
  note(FS_G_pthread_mutex_lock, CALLER);
  return ((int (*)(pthread_mutex_t *))real_now(FS_G_pthread_mutex_lock))(m);
}

FS_EXPORT int sem_wait(sem_t *s) {
  note(FS_G_sem_wait, CALLER);
  return ((int (*)(sem_t *))real_now(FS_G_sem_wait))(s);
}

FS_EXPORT unsigned int sleep(unsigned int seconds) {
  note(FS_G_sleep, CALLER);
  return ((unsigned int (*)(unsigned int))real_now(FS_G_sleep))(seconds);
}

FS_EXPORT int usleep(useconds_t usec) {
  note(FS_G_usleep, CALLER);
  return ((int (*)(useconds_t))real_now(FS_G_usleep))(usec);
}

FS_EXPORT int nanosleep(const struct timespec *req, struct timespec *rem) {
  note(FS_G_nanosleep, CALLER);
  return ((int (*)(const struct timespec *, struct timespec *))real_now(FS_G_nanosleep))(req, rem);
}

FS_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem) {
  note(FS_G_clock_nanosleep, CALLER);
  return ((int (*)(clockid_t, int, const struct timespec *, struct timespec *))real_now(FS_G_clock_nanosleep))(
      clock, flags, req, rem);
}

/* ---- file I/O ------------------------------------------------------------ */

FS_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  note(FS_G_read, CALLER);
  return ((ssize_t(*)(int, void *, size_t))real_now(FS_G_read))(fd, buf, n);
}

FS_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  note(FS_G_write, CALLER);
  return ((ssize_t(*)(int, const void *, size_t))real_now(FS_G_write))(fd, buf, n);
}

/* open's mode argument exists only when the flags create a file. */
static mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

FS_EXPORT int open(const char *path, int flags, ...) {
  note(FS_G_open, CALLER);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return ((int (*)(const char *, int, ...))real_now(FS_G_open))(path, flags, mode);
}

FS_EXPORT int open64(const char *path, int flags, ...) {
  note(FS_G_open64, CALLER);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return ((int (*)(const char *, int, ...))real_now(FS_G_open64))(path, flags, mode);
}

FS_EXPORT int openat(int dir, const char *path, int flags, ...) {
  note(FS_G_openat, CALLER);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return ((int (*)(int, const char *, int, ...))real_now(FS_G_openat))(dir, path, flags, mode);
}

FS_EXPORT int openat64(int dir, const char *path, int flags, ...) {
  note(FS_G_openat64, CALLER);
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return ((int (*)(int, const char *, int, ...))real_now(FS_G_openat64))(dir, path, flags, mode);
}

/* ---- stdio -------------------------------------------------------------- */

typedef int fs_vfprintf_fn(FILE *, const char *, va_list);

static int forward_vfprintf(FILE *f, const char *format, va_list ap) {
  return ((fs_vfprintf_fn *)real_now(FS_G_vfprintf))(f, format, ap);
}

FS_EXPORT int vfprintf(FILE *f, const char *format, va_list ap) {
  note(FS_G_vfprintf, CALLER);
  return forward_vfprintf(f, format, ap);
}

FS_EXPORT int vprintf(const char *format, va_list ap) {
  note(FS_G_vprintf, CALLER);
  return forward_vfprintf(stdout, format, ap);
}

FS_EXPORT int fprintf(FILE *f, const char *format, ...) {
  note(FS_G_fprintf, CALLER);
  va_list ap;
  va_start(ap, format);
  const int n = forward_vfprintf(f, format, ap);
  va_end(ap);
  return n;
}

FS_EXPORT int printf(const char *format, ...) {
  note(FS_G_printf, CALLER);
  va_list ap;
  va_start(ap, format);
  const int n = forward_vfprintf(stdout, format, ap);
  va_end(ap);
  return n;
}

/* The fortified variants that _FORTIFY_SOURCE builds call instead. */
FS_EXPORT int __printf_chk(int flag, const char *format, ...) {
  (void)flag;
  note(FS_G___printf_chk, CALLER);
  va_list ap;
  va_start(ap, format);
  const int n = forward_vfprintf(stdout, format, ap);
  va_end(ap);
  return n;
}

FS_EXPORT int __fprintf_chk(FILE *f, int flag, const char *format, ...) {
  (void)flag;
  note(FS_G___fprintf_chk, CALLER);
  va_list ap;
  va_start(ap, format);
  const int n = forward_vfprintf(f, format, ap);
  va_end(ap);
  return n;
}

FS_EXPORT int __vfprintf_chk(FILE *f, int flag, const char *format, va_list ap) {
  (void)flag;
  note(FS_G___vfprintf_chk, CALLER);
  return forward_vfprintf(f, format, ap);
}

FS_EXPORT int puts(const char *text) {
  note(FS_G_puts, CALLER);
  return ((int (*)(const char *))real_now(FS_G_puts))(text);
}

FS_EXPORT int fputs(const char *text, FILE *f) {
  note(FS_G_fputs, CALLER);
  return ((int (*)(const char *, FILE *))real_now(FS_G_fputs))(text, f);
}

FS_EXPORT size_t fwrite(const void *data, size_t size, size_t n, FILE *f) {
  note(FS_G_fwrite, CALLER);
  return ((size_t(*)(const void *, size_t, size_t, FILE *))real_now(FS_G_fwrite))(data, size, n, f);
}

FS_EXPORT int fflush(FILE *f) {
  note(FS_G_fflush, CALLER);
  return ((int (*)(FILE *))real_now(FS_G_fflush))(f);
}

/* ---- the host's interface -------------------------------------------------- */

static atomic_int fs_reported; /* the exit-time report is for forgetful hosts */

FS_EXPORT void fs_rt_guard_arm(int on) { fs_armed = on != 0; }

FS_EXPORT unsigned long fs_rt_guard_violations(void) {
  unsigned long total = 0;
  for (int i = 0; i < FS_G_COUNT; ++i) total += atomic_load(&fs_counts[i]);
  return total;
}

FS_EXPORT void fs_rt_guard_reset(void) {
  for (int i = 0; i < FS_G_COUNT; ++i) {
    atomic_store(&fs_counts[i], 0);
    atomic_store(&fs_first_caller[i], 0);
  }
}

FS_EXPORT void fs_rt_guard_report(FILE *out) {
  const int was_armed = fs_armed;
  fs_armed = 0; /* reporting itself allocates and writes */
  atomic_store(&fs_reported, 1);
  for (int i = 0; i < FS_G_COUNT; ++i) {
    const unsigned long n = atomic_load(&fs_counts[i]);
    if (!n) continue;
    const void *caller = (const void *)atomic_load(&fs_first_caller[i]);
    Dl_info info;
    if (caller && dladdr(caller, &info) && info.dli_fname) {
      fprintf(out, "RT VIOLATION: %s called %lu time(s) from an armed thread; first from %s+%#lx (%s)\n",
              fs_guarded_names[i], n, info.dli_fname, (unsigned long)((uintptr_t)caller - (uintptr_t)info.dli_fbase),
              info.dli_sname ? info.dli_sname : "?");
    } else {
      fprintf(out, "RT VIOLATION: %s called %lu time(s) from an armed thread; first from %p\n", fs_guarded_names[i],
              n, caller);
    }
  }
  fs_armed = was_armed;
}

__attribute__((destructor)) static void fs_guard_fini(void) {
  if (!atomic_load(&fs_reported) && fs_rt_guard_violations() > 0) fs_rt_guard_report(stderr);
}

/*
  fs_breaker: a circuit breaker for one tier, counted on the sample clock.

    CLOSED --(threshold failures within window, or a trip)--> OPEN
    OPEN --(cooldown over)--> HALF_OPEN   (the tier runs in shadow: computed,
                                           checked, not heard)
    HALF_OPEN --(probe_length clean samples)--> CLOSED
    HALF_OPEN --(failure)--> OPEN, with a longer cooldown
    HALF_OPEN --(quarantine_after failed probes in a row)--> QUARANTINED

  The cooldown doubles with every reopening (up to cooldown_max) and carries
  a seeded jitter, so several instances never probe in lockstep, and a run
  is still repeatable.  No cooldown is longer than cooldown_max: at the cap
  the jitter shortens it.  A long calm spell while CLOSED forgets the
  backoff.

  Time is the caller's sample clock, never wall time, so tests drive it
  exactly and the result cannot depend on how busy the machine is.

  Plain struct, no allocation; every call is audio class.
*/
#ifndef FS_BREAKER_H
#define FS_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#define FS_BREAKER_MAX_THRESHOLD 8u

typedef enum {
  FS_BREAKER_CLOSED = 0,
  FS_BREAKER_OPEN = 1,
  FS_BREAKER_HALF_OPEN = 2,
  FS_BREAKER_QUARANTINED = 3,
} fs_breaker_state;

typedef struct {
  uint32_t threshold;        /* failures within `window` that open it (1..FS_BREAKER_MAX_THRESHOLD) */
  uint64_t window;           /* samples */
  uint64_t cooldown;         /* first cooldown, samples */
  uint64_t cooldown_max;     /* backoff stops growing here */
  float jitter;              /* cooldown is stretched by up to this fraction (shortened at the cap) */
  uint64_t probe_length;     /* clean shadow samples needed to close */
  uint32_t quarantine_after; /* failed probes in a row */
  uint64_t calm;             /* samples CLOSED without failure that forget the backoff */
  uint32_t seed;
} fs_breaker_config;

typedef struct {
  fs_breaker_config config;
  fs_breaker_state state;
  uint64_t failure_at[FS_BREAKER_MAX_THRESHOLD]; /* recent failure times, a ring */
  uint32_t failure_count;                        /* entries used in failure_at */
  uint32_t failure_next;                         /* next slot to write */
  uint64_t since;          /* when the current state began */
  uint64_t reopen_at;      /* OPEN: when the probe may start */
  uint64_t last_failure;   /* for the calm period */
  uint32_t backoff_level;  /* doublings applied to the next cooldown */
  uint32_t failed_probes;  /* in a row */
  uint32_t rng;            /* jitter generator, seeded */
  uint32_t opened;         /* statistics since reset */
  uint32_t closed;
} fs_breaker;

void fs_breaker_init(fs_breaker *breaker, const fs_breaker_config *config);

/* Back to CLOSED with no history (activation, or a new experiment). */
void fs_breaker_reset(fs_breaker *breaker);

/* A failure of the tier at sample time `now`.  In CLOSED it counts towards
   the threshold; in HALF_OPEN it fails the probe; otherwise it is ignored. */
fs_breaker_state fs_breaker_failure(fs_breaker *breaker, uint64_t now);

/* A failure serious enough to open at once, whatever the threshold. */
fs_breaker_state fs_breaker_trip(fs_breaker *breaker, uint64_t now);

/* The cause of a quarantine is known to be gone (a fault injection was
   switched off): OPEN again with the first cooldown and no backoff, so the
   tier is probed, and heard once a probe passes. */
void fs_breaker_retry(fs_breaker *breaker, uint64_t now);

/* Time passes: ends a cooldown, completes a clean probe, forgets backoff
   after a calm spell.  Call once per hop after any failure of that hop. */
fs_breaker_state fs_breaker_tick(fs_breaker *breaker, uint64_t now);

/* Changes the first cooldown and the backoff cap from now on: causes that
   cost CPU to probe (an overrun) deserve longer pauses than faults of the
   signal.  A cap below the first cooldown is raised to it. */
static inline void fs_breaker_set_cooldown(fs_breaker *breaker, uint64_t first, uint64_t cap) {
  breaker->config.cooldown = first;
  breaker->config.cooldown_max = cap > first ? cap : first;
}

/* The tier may be heard. */
static inline bool fs_breaker_closed(const fs_breaker *breaker) { return breaker->state == FS_BREAKER_CLOSED; }

/* CLOSED with no backoff left to forget: a tick would change nothing. */
static inline bool fs_breaker_idle(const fs_breaker *breaker) {
  return breaker->state == FS_BREAKER_CLOSED && breaker->backoff_level == 0;
}

/* The tier runs in shadow to prove itself. */
static inline bool fs_breaker_probing(const fs_breaker *breaker) {
  return breaker->state == FS_BREAKER_HALF_OPEN;
}

const char *fs_breaker_state_name(fs_breaker_state state);

#endif

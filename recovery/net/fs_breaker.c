#include "fs_breaker.h"

#include "fs_random.h"

#include <string.h>

void fs_breaker_init(fs_breaker *b, const fs_breaker_config *config) {
  memset(b, 0, sizeof(*b));
  b->config = *config;
  if (b->config.threshold < 1) {
    b->config.threshold = 1;
  }
  if (b->config.threshold > FS_BREAKER_MAX_THRESHOLD) {
    b->config.threshold = FS_BREAKER_MAX_THRESHOLD;
  }
  if (b->config.quarantine_after < 1) {
    b->config.quarantine_after = 1;
  }
  fs_breaker_reset(b);
}

/* Spreads small seeds (1, 2, 3...) over the whole state, so their very
   first jitter values already differ; never returns 0. */
static uint32_t mix_seed(uint32_t seed) {
  uint32_t x = seed + 0x9e3779b9u;
  x = (x ^ (x >> 16)) * 0x85ebca6bu;
  x = (x ^ (x >> 13)) * 0xc2b2ae35u;
  x ^= x >> 16;
  return x ? x : 1u;
}

void fs_breaker_reset(fs_breaker *b) {
  const fs_breaker_config config = b->config;
  memset(b, 0, sizeof(*b));
  b->config = config;
  b->state = FS_BREAKER_CLOSED;
  b->rng = mix_seed(config.seed);
}

/* A uniform value in [0, 1) from the seeded generator. */
static float next_unit(fs_breaker *b) { return (float)(fs_random_next(&b->rng) >> 8) / 16777216.0f; }

static void open_now(fs_breaker *b, uint64_t now) {
  uint64_t cooldown = b->config.cooldown;
  for (uint32_t i = 0; i < b->backoff_level && cooldown < b->config.cooldown_max; ++i) {
    cooldown *= 2;
  }
  if (cooldown > b->config.cooldown_max) {
    cooldown = b->config.cooldown_max;
  }
  /* The jitter stretches a cooldown, except where that would pass the cap:
     there it shortens it, so the cap bounds every cooldown (what a tier's
     way back is budgeted on) and instances still never probe in lockstep. */
  const uint64_t spread = (uint64_t)((float)cooldown * b->config.jitter * next_unit(b));
  cooldown = cooldown + spread <= b->config.cooldown_max ? cooldown + spread : cooldown - spread;
  if (b->backoff_level < 63) {
    b->backoff_level++;
  }
  b->state = FS_BREAKER_OPEN;
  b->since = now;
  b->reopen_at = now + cooldown;
  b->failure_count = 0;
  b->failure_next = 0;
  b->opened++;
}

static void probe_failed(fs_breaker *b, uint64_t now) {
  b->failed_probes++;
  if (b->failed_probes >= b->config.quarantine_after) {
    b->state = FS_BREAKER_QUARANTINED;
    b->since = now;
    return;
  }
  open_now(b, now);
}

fs_breaker_state fs_breaker_failure(fs_breaker *b, uint64_t now) {
  b->last_failure = now;
  if (b->state == FS_BREAKER_HALF_OPEN) {
    probe_failed(b, now);
  } else if (b->state == FS_BREAKER_CLOSED) {
    b->failure_at[b->failure_next] = now;
    b->failure_next = (b->failure_next + 1) % b->config.threshold;
    if (b->failure_count < b->config.threshold) {
      b->failure_count++;
    }
    /* The ring holds the last `threshold` failures; the oldest is at
       failure_next once it is full. */
    if (b->failure_count == b->config.threshold &&
        now - b->failure_at[b->failure_next % b->config.threshold] <= b->config.window) {
      open_now(b, now);
    }
  }
  return b->state;
}

fs_breaker_state fs_breaker_trip(fs_breaker *b, uint64_t now) {
  b->last_failure = now;
  if (b->state == FS_BREAKER_HALF_OPEN) {
    probe_failed(b, now);
  } else if (b->state == FS_BREAKER_CLOSED) {
    open_now(b, now);
  }
  return b->state;
}

void fs_breaker_retry(fs_breaker *b, uint64_t now) {
  b->backoff_level = 0;
  b->failed_probes = 0;
  open_now(b, now);
}

fs_breaker_state fs_breaker_tick(fs_breaker *b, uint64_t now) {
  switch (b->state) {
  case FS_BREAKER_OPEN:
    if (now >= b->reopen_at) {
      b->state = FS_BREAKER_HALF_OPEN;
      b->since = now;
    }
    break;
  case FS_BREAKER_HALF_OPEN:
    if (now - b->since >= b->config.probe_length) {
      b->state = FS_BREAKER_CLOSED;
      b->since = now;
      b->failed_probes = 0;
      b->closed++;
    }
    break;
  case FS_BREAKER_CLOSED:
    if (b->backoff_level > 0 && now - b->last_failure >= b->config.calm && now - b->since >= b->config.calm) {
      b->backoff_level = 0;
    }
    break;
  case FS_BREAKER_QUARANTINED: break;
  }
  return b->state;
}

const char *fs_breaker_state_name(fs_breaker_state state) {
  switch (state) {
  case FS_BREAKER_CLOSED: return "closed";
  case FS_BREAKER_OPEN: return "open";
  case FS_BREAKER_HALF_OPEN: return "half_open";
  case FS_BREAKER_QUARANTINED: return "quarantined";
  }
  return "unknown";
}

#include "fs_policy.h"

#include "fs_compiler.h"
#include "fs_net_tuning.h"
#include "fs_supervisor.h"

static uint64_t ms_to_samples(double sample_rate, double ms) { return (uint64_t)(ms * sample_rate / 1000.0 + 0.5); }

void fs_policy_init(fs_policy *p, double sample_rate, fs_event_ring *ring) {
  const fs_breaker_config config = {
      .threshold = FS_NET_FAILURES_TO_OPEN,
      .window = ms_to_samples(sample_rate, FS_NET_FAILURE_WINDOW_MS),
      .cooldown = ms_to_samples(sample_rate, FS_NET_COOLDOWN_MS),
      .cooldown_max = ms_to_samples(sample_rate, FS_NET_COOLDOWN_CAP_MS),
      .jitter = FS_NET_JITTER,
      .probe_length = ms_to_samples(sample_rate, FS_NET_PROBE_MS),
      .quarantine_after = FS_NET_QUARANTINE_AFTER,
      .calm = ms_to_samples(sample_rate, FS_NET_CALM_MS),
      .seed = 1,
  };
  for (uint32_t t = 0; t < 2; ++t) {
    fs_breaker_config c = config;
    c.seed = 1 + t;
    fs_breaker_init(&p->breaker[t], &c);
  }
  /* The learned breaker costs nothing to probe (the network runs anyway)
     and must hand the learned gains back quickly: its own cooldowns. */
  fs_breaker_config learned = config;
  learned.cooldown = ms_to_samples(sample_rate, FS_NET_LEARNED_COOLDOWN_MS);
  learned.cooldown_max = ms_to_samples(sample_rate, FS_NET_LEARNED_COOLDOWN_CAP_MS);
  learned.probe_length = ms_to_samples(sample_rate, FS_NET_LEARNED_PROBE_MS);
  learned.seed = 3;
  fs_breaker_init(&p->learned, &learned);
  p->cooldown[0] = ms_to_samples(sample_rate, FS_NET_COOLDOWN_MS);
  p->cooldown_cap[0] = ms_to_samples(sample_rate, FS_NET_COOLDOWN_CAP_MS);
  p->cooldown[1] = ms_to_samples(sample_rate, FS_NET_COOLDOWN_DEADLINE_MS);
  p->cooldown_cap[1] = ms_to_samples(sample_rate, FS_NET_COOLDOWN_CAP_DEADLINE_MS);
  p->adjust_calm = ms_to_samples(sample_rate, FS_NET_ADJUST_CALM_MS);
  fs_incidents_init(&p->incidents, ring, ms_to_samples(sample_rate, FS_NET_SETTLE_MS),
                    ms_to_samples(sample_rate, FS_NET_VERIFY_MS));
}

void fs_policy_reset(fs_policy *p, uint64_t start_light_until) {
  for (uint32_t t = 0; t < 2; ++t) {
    fs_breaker_reset(&p->breaker[t]);
    p->quarantined_by_chaos[t] = false;
  }
  fs_breaker_reset(&p->learned);
  p->learned_quarantined_by_chaos = false;
  p->repair_learned = false;
  fs_incidents_reset(&p->incidents);
  p->full_resting = false;
  p->protection = 0.0f;
  p->trim_db = 0.0f;
  p->last_adjust_need = 0;
  p->start_light_until = start_light_until;
  p->rebuild_full = false;
  p->full_suspect = false;
  p->adjusted = false;
}

FS_COLD static void trip(fs_policy *p, uint32_t tier, fs_cause cause, uint64_t now) {
  if (tier > FS_TIER_LIGHT) {
    return;
  }
  const bool for_time = cause == FS_CAUSE_DEADLINE;
  /* A probe of a path that overran costs what the overrun cost: wait
     longer before it, or every probe in a lasting CPU shortage is one more
     late block. */
  fs_breaker_set_cooldown(&p->breaker[tier], p->cooldown[for_time], p->cooldown_cap[for_time]);
  const fs_breaker_state before = p->breaker[tier].state;
  fs_breaker_trip(&p->breaker[tier], now);
  if (tier == FS_TIER_FULL && before != p->breaker[tier].state) {
    p->full_resting = for_time;
  }
}

FS_COLD static void apply_strategy(fs_policy *p, int strategy, fs_cause cause, uint32_t tier, uint64_t now) {
  switch (strategy) {
  case FS_STRATEGY_ADJUST:
    if (tier == FS_TIER_FULL && cause == FS_CAUSE_MUSICAL_NOISE) {
      p->protection = fs_minf(1.0f, p->protection + FS_NET_PROTECTION_STEP);
      p->last_adjust_need = now;
      p->adjusted = true;
    } else if (tier == FS_TIER_FULL && cause == FS_CAUSE_OUTPUT_CLIPPING) {
      p->trim_db = fs_maxf(FS_NET_TRIM_MIN_DB, p->trim_db + FS_NET_TRIM_STEP_DB);
      p->last_adjust_need = now;
      p->adjusted = true;
    } else {
      trip(p, tier, cause, now); /* nothing to tune for this cause: fall back */
    }
    break;
  case FS_STRATEGY_LIGHT: trip(p, tier, cause, now); break;
  case FS_STRATEGY_BYPASS:
    trip(p, FS_TIER_FULL, cause, now);
    trip(p, FS_TIER_LIGHT, cause, now);
    break;
  case FS_STRATEGY_REBUILD:
    if (tier == FS_TIER_FULL) {
      p->rebuild_full = true;
    }
    trip(p, tier, cause, now);
    break;
  default: break;
  }
}

FS_COLD void fs_policy_handle_findings(fs_policy *p, const fs_strategy_table *table, const fs_findings *findings,
                                       uint32_t tier, uint32_t heard, uint64_t now, bool chaos_on,
                                       const fs_event *context) {
  for (uint32_t k = 0; k < findings->count; ++k) {
    const fs_finding *f = &findings->items[k];
    if (tier == FS_TIER_FULL && f->cause == FS_CAUSE_STATE_CORRUPT) {
      p->rebuild_full = true; /* never run on broken state, heard or not */
    }
    if (tier == FS_TIER_FULL && (f->cause == FS_CAUSE_STATE_CORRUPT || f->cause == FS_CAUSE_RUNAWAY_GAIN)) {
      p->full_suspect = true; /* its next probe starts from a snapshot */
    }
    const uint32_t blamed = tier == FS_POLICY_NO_TIER ? heard : tier;
    const int strategy =
        fs_incidents_on_finding(&p->incidents, table, f, (uint8_t)blamed, (uint8_t)heard, now, context);
    if (tier == FS_POLICY_NO_TIER) {
      if (strategy > FS_STRATEGY_NONE) {
        apply_strategy(p, strategy, f->cause, heard, now);
      }
      continue;
    }
    if (tier == heard) {
      if (strategy >= 0) {
        apply_strategy(p, strategy, f->cause, tier, now);
      } else if (f->severe) {
        trip(p, tier, f->cause, now); /* never let a hard fault be heard again while its strategy settles */
      }
      continue;
    }
    const fs_breaker_state before = p->breaker[tier].state;
    if (f->severe) {
      fs_breaker_trip(&p->breaker[tier], now);
    } else {
      fs_breaker_failure(&p->breaker[tier], now);
    }
    const fs_breaker_state after = p->breaker[tier].state;
    if (after == FS_BREAKER_QUARANTINED && before != after && chaos_on) {
      p->quarantined_by_chaos[tier] = true;
    }
    if (before == FS_BREAKER_HALF_OPEN && after != before) {
      fs_incidents_note(&p->incidents, after == FS_BREAKER_QUARANTINED ? FS_EVENT_QUARANTINED : FS_EVENT_PROBE_FAILED,
                        (uint8_t)tier, now, context);
    }
  }
}

FS_COLD void fs_policy_handle_learned(fs_policy *p, const fs_strategy_table *table, const fs_findings *findings,
                                      uint32_t heard, uint64_t now, bool chaos_on, const fs_event *context) {
  for (uint32_t k = 0; k < findings->count; ++k) {
    const fs_finding *f = &findings->items[k];
    if (f->cause == FS_CAUSE_LEARNED_INVALID) {
      p->repair_learned = true;
    }
    /* The incident is the journal's and the learner's; whatever strategy
       the table names for it (the taxonomy allows ADJUST only), the answer
       is the same: the classical gains of the same tier.  A lower tier
       would throw away what the classical gains still do well. */
    (void)fs_incidents_on_finding(&p->incidents, table, f, FS_TIER_FULL, (uint8_t)heard, now, context);
    const fs_breaker_state before = p->learned.state;
    fs_breaker_trip(&p->learned, now);
    if (p->learned.state == FS_BREAKER_QUARANTINED && before != FS_BREAKER_QUARANTINED && chaos_on) {
      p->learned_quarantined_by_chaos = true;
    }
  }
}

FS_COLD bool fs_policy_tick_learned(fs_policy *p, uint64_t now) {
  const fs_breaker_state before = p->learned.state;
  fs_breaker_tick(&p->learned, now);
  return before == FS_BREAKER_OPEN && p->learned.state == FS_BREAKER_HALF_OPEN;
}

FS_COLD void fs_policy_keep_severe(fs_findings *findings) {
  uint32_t kept = 0;
  for (uint32_t k = 0; k < findings->count; ++k) {
    if (findings->items[k].severe) {
      findings->items[kept++] = findings->items[k];
    }
  }
  findings->count = kept;
}

FS_COLD bool fs_policy_tick_breakers(fs_policy *p, uint64_t now) {
  bool full_probe = false;
  for (uint32_t t = 0; t < 2; ++t) {
    const fs_breaker_state before = p->breaker[t].state;
    fs_breaker_tick(&p->breaker[t], now);
    if (t == FS_TIER_FULL && before == FS_BREAKER_OPEN && p->breaker[t].state == FS_BREAKER_HALF_OPEN) {
      full_probe = true; /* a probe on broken state could only fail: the caller checks */
    }
    if (p->breaker[t].state == FS_BREAKER_CLOSED && t == FS_TIER_FULL) {
      p->full_resting = false;
    }
  }
  return full_probe;
}

FS_COLD void fs_policy_end_adjustments(fs_policy *p) {
  p->protection = 0.0f;
  p->trim_db = 0.0f;
  p->adjusted = true;
}

uint32_t fs_policy_choose_tier(const fs_policy *p, bool enabled, uint64_t now) {
  if (!enabled) {
    return FS_TIER_BYPASS;
  }
  const bool full_ok = fs_breaker_closed(&p->breaker[FS_TIER_FULL]) && now >= p->start_light_until;
  if (full_ok) {
    return FS_TIER_FULL;
  }
  return fs_breaker_closed(&p->breaker[FS_TIER_LIGHT]) ? FS_TIER_LIGHT : FS_TIER_BYPASS;
}

FS_COLD void fs_policy_release_chaos_quarantine(fs_policy *p) {
  for (uint32_t t = 0; t < 2; ++t) {
    if (p->quarantined_by_chaos[t] && p->breaker[t].state == FS_BREAKER_QUARANTINED) {
      fs_breaker_reset(&p->breaker[t]);
    }
    p->quarantined_by_chaos[t] = false;
  }
  if (p->learned_quarantined_by_chaos && p->learned.state == FS_BREAKER_QUARANTINED) {
    fs_breaker_reset(&p->learned);
  }
  p->learned_quarantined_by_chaos = false;
}

FS_COLD void fs_policy_retry_chaos_quarantine(fs_policy *p, uint64_t now) {
  for (uint32_t t = 0; t < 2; ++t) {
    if (p->quarantined_by_chaos[t] && p->breaker[t].state == FS_BREAKER_QUARANTINED) {
      fs_breaker_retry(&p->breaker[t], now);
    }
    p->quarantined_by_chaos[t] = false;
  }
  if (p->learned_quarantined_by_chaos && p->learned.state == FS_BREAKER_QUARANTINED) {
    fs_breaker_retry(&p->learned, now);
  }
  p->learned_quarantined_by_chaos = false;
}

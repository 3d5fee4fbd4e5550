#include "fs_incidents.h"

#include <string.h>

void fs_incidents_init(fs_incidents *s, fs_event_ring *ring, uint64_t settle, uint64_t verify) {
  memset(s, 0, sizeof(*s));
  s->ring = ring;
  s->settle = settle;
  s->verify = verify;
}

void fs_incidents_reset(fs_incidents *s) {
  memset(s->by_cause, 0, sizeof(s->by_cause));
  s->count = 0;
  s->open = 0;
  s->last_cause = FS_CAUSE_NONE;
}

/* One record about an incident into the ring (counted as dropped there
   when the ring is full).  `success` only means something for OUTCOME. */
static void emit(fs_incidents *s, const fs_event *context, fs_event_kind kind, const fs_incident *inc, int cause,
                 uint64_t now, bool success) {
  fs_event e = *context;
  e.kind = kind;
  e.id = inc->id;
  e.position = inc->onset;
  e.cause = (uint16_t)cause;
  e.action = inc->strategy;
  e.tier_before = inc->tier_before;
  e.tier = inc->tier;
  e.success = success ? 1 : 0;
  e.to_safe = inc->to_safe;
  e.to_full = (kind == FS_EVENT_RECOVERED || kind == FS_EVENT_OUTCOME) ? (uint32_t)(now - inc->onset) : 0;
  fs_event_ring_push(s->ring, &e);
}

int fs_incidents_on_finding(fs_incidents *s, const fs_strategy_table *table, const fs_finding *finding, uint8_t tier,
                            uint8_t heard, uint64_t now, const fs_event *context) {
  const int cause = finding->cause;
  if (cause <= FS_CAUSE_NONE || cause >= FS_CAUSE_COUNT) {
    return -1;
  }
  fs_incident *inc = &s->by_cause[cause];
  fs_event e = *context;
  e.detector = (uint16_t)finding->detector;
  e.value = finding->value;
  e.threshold = finding->threshold;
  s->last_cause = cause;

  if (!inc->open) {
    s->open++;
    *inc = (fs_incident){.open = true,
                         .id = ++s->count,
                         .step = 0,
                         .strategy = table->order[cause][0],
                         .tier_before = heard,
                         .tier = tier,
                         .onset = now,
                         .applied_at = now,
                         .last_seen = now};
    memcpy(inc->order, table->order[cause], sizeof(inc->order));
    emit(s, &e, FS_EVENT_ONSET, inc, cause, now, false);
    return inc->strategy;
  }
  inc->last_seen = now;
  /* A finding on a tier nobody hears (a shadow run) says nothing about the
     strategy that protects the listener. */
  if (tier != heard || now - inc->applied_at < s->settle || inc->strategy == FS_STRATEGY_NONE) {
    return -1;
  }
  emit(s, &e, FS_EVENT_OUTCOME, inc, cause, now, false);
  if (inc->step + 1u < FS_STRATEGY_STEPS) {
    inc->step++;
  }
  inc->strategy = inc->order[inc->step];
  inc->applied_at = now;
  inc->tier = tier;
  emit(s, &e, FS_EVENT_ONSET, inc, cause, now, false);
  return inc->strategy;
}

void fs_incidents_tick(fs_incidents *s, uint8_t heard, bool settled, uint64_t now, const fs_event *context) {
  if (s->open == 0) {
    return; /* the usual hop */
  }
  for (int cause = 1; cause < FS_CAUSE_COUNT; ++cause) {
    fs_incident *inc = &s->by_cause[cause];
    if (!inc->open) {
      continue;
    }
    /* Safe: the tier that failed is out of the mix, or never left it
       (strategies that act in place are safe at once). */
    if (!inc->safe && (settled || inc->strategy == FS_STRATEGY_NONE || inc->strategy == FS_STRATEGY_ADJUST)) {
      inc->safe = true;
      inc->to_safe = (uint32_t)(now - inc->onset);
    }
    /* Fixed: quiet for the verification time, and the listener is back on
       the tier heard before (a lower number is a better tier). */
    if (now - inc->last_seen >= s->verify && settled && heard <= inc->tier_before) {
      fs_event e = *context;
      emit(s, &e, FS_EVENT_OUTCOME, inc, cause, now, true);
      emit(s, &e, FS_EVENT_RECOVERED, inc, cause, now, false);
      inc->open = false;
      s->open--;
    }
  }
}

bool fs_incidents_any_open(const fs_incidents *s) { return s->open > 0; }

void fs_incidents_note(fs_incidents *s, fs_event_kind kind, uint8_t tier, uint64_t now, const fs_event *context) {
  /* Attribute it to the open incident on that tier, if any. */
  for (int cause = 1; cause < FS_CAUSE_COUNT; ++cause) {
    fs_incident *inc = &s->by_cause[cause];
    if (inc->open && inc->tier == tier) {
      emit(s, context, kind, inc, cause, now, false);
      return;
    }
  }
  fs_incident orphan = {.id = 0, .tier = tier, .onset = now};
  emit(s, context, kind, &orphan, FS_CAUSE_NONE, now, false);
}

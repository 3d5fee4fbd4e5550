/*
  fs_incidents: one incident per cause at a time, and what was done about it.

  A finding of a cause with no open incident opens one and picks the
  table's first strategy.  The same cause coming back while a strategy is
  in force, once that strategy had time to act, means it failed: an OUTCOME
  0 is recorded and the next strategy is tried.  When the cause has stayed
  away for the verification time and the listener hears the tier it heard
  before the incident (or better), the strategy worked: OUTCOME 1 and a
  RECOVERED record with the time back to full.

  Records go to the event ring; when it is full they are counted as
  dropped there, never waited for.

  Plain struct, no allocation, audio class.
*/
#ifndef FS_INCIDENTS_H
#define FS_INCIDENTS_H

#include "fs_cause.h"
#include "fs_detectors.h"
#include "fs_event.h"
#include "fs_event_ring.h"
#include "fs_strategy.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  bool open;
  uint32_t id;
  uint8_t step;        /* index into `order` */
  uint8_t order[FS_STRATEGY_STEPS]; /* the table's order when it began: a table
                                       swapped in mid-incident must not retry
                                       a strategy that just failed */
  uint8_t strategy;    /* in force */
  uint8_t tier_before; /* heard when it began */
  uint8_t tier;        /* tier the findings are made on */
  bool safe;           /* to_safe already measured */
  uint64_t onset;
  uint64_t applied_at;
  uint64_t last_seen;
  uint32_t to_safe;
} fs_incident;

typedef struct {
  fs_incident by_cause[FS_CAUSE_COUNT];
  uint32_t count; /* incidents opened since reset */
  uint32_t open;  /* incidents open now */
  int last_cause;
  fs_event_ring *ring; /* not owned */
  uint64_t settle;     /* samples a strategy gets before a recurrence counts against it */
  uint64_t verify;     /* samples without the cause before it counts as fixed */
} fs_incidents;

void fs_incidents_init(fs_incidents *incidents, fs_event_ring *ring, uint64_t settle, uint64_t verify);
void fs_incidents_reset(fs_incidents *incidents);

/* A finding made on `tier` while the listener hears `heard`.  `context` is
   a record prefilled with the hop's context (controls, levels, block...).
   Returns the strategy to apply now, or -1 when nothing new is to be done
   (the strategy in force is still getting its chance). */
int fs_incidents_on_finding(fs_incidents *incidents, const fs_strategy_table *table, const fs_finding *finding,
                            uint8_t tier, uint8_t heard, uint64_t now, const fs_event *context);

/* Once per hop: measures time to safe output, closes fixed incidents.
   `heard` is the tier the mixer is settled on (or heading to when
   `settled` is false). */
void fs_incidents_tick(fs_incidents *incidents, uint8_t heard, bool settled, uint64_t now, const fs_event *context);

/* Records a probe failure or quarantine of a tier for the cause that sent it away. */
void fs_incidents_note(fs_incidents *incidents, fs_event_kind kind, uint8_t tier, uint64_t now, const fs_event *context);

/* True while some incident is open: only then can tick() write a record. */
bool fs_incidents_any_open(const fs_incidents *incidents);

#endif

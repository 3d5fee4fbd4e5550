/*
  fs_event: one incident record, fixed size, as it travels from the audio
  thread to the worker through fs_event_ring.

  An incident produces an ONSET record when a detector fires and a
  RECOVERED record once the tier it pushed away from is heard again, both
  with the same id, so the worker can measure time to safe output and time
  back to full without the audio thread keeping any history.  When the
  strategy in force fails (the cause comes back while it is in force) the
  net escalates: another ONSET with the same id and the next action.
  Every strategy tried ends in exactly one OUTCOME record saying whether it
  worked, which is what the learner counts.

  Threading: plain data; made on the audio thread, read on the worker's.
*/
#ifndef FS_EVENT_H
#define FS_EVENT_H

#include <stdint.h>

typedef enum {
  FS_EVENT_ONSET = 1,       /* a detector fired and the net acted */
  FS_EVENT_RECOVERED = 2,   /* the tier is heard again after a clean probe */
  FS_EVENT_QUARANTINED = 3, /* a tier failed too many probes, off for the session */
  FS_EVENT_PROBE_FAILED = 4, /* a shadow probe failed; backoff grows */
  FS_EVENT_OUTCOME = 5       /* verdict on one (cause, action): success 1 or 0 */
} fs_event_kind;

typedef struct {
  uint32_t kind;     /* fs_event_kind */
  uint32_t id;       /* incident number since activation, from 1 */
  uint64_t position; /* sample position of the hop where it began */
  uint16_t cause;    /* fs_cause */
  uint16_t detector; /* fs_detector that fired first */
  uint8_t tier_before;
  uint8_t tier_after;
  uint8_t action; /* fs_strategy chosen */
  uint8_t chaos;  /* fault injection mode in force */
  uint8_t success; /* OUTCOME: 1 when the action fixed the cause */
  uint8_t tier;    /* tier the finding was made on (0 full, 1 light) */
  uint16_t reserved;
  float value;     /* the detector's reading */
  float threshold; /* what it was compared with */
  float input_db;  /* hop input peak, dBFS */
  float output_db; /* hop output peak before the guard, dBFS */
  float reduction_db;
  float ceiling_db;
  float xfade_ms;
  float budget_pct;
  float dsp_load;       /* % of real time when it happened */
  float sample_rate;    /* Hz */
  uint32_t block;       /* host block length of the call */
  uint32_t to_safe;     /* samples from onset to safe output (RECOVERED, ONSET) */
  uint32_t to_full;     /* samples from onset until the tier was heard again (RECOVERED) */
  uint32_t breaker_opens; /* of the affected tier, for backoff analysis */
} fs_event;

#endif

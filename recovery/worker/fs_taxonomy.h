/*
  fs_taxonomy: what kind of fault each cause is and how bad it is, plus the
  name <-> number mappings the journal and the report need.

  Five classes: input faults arrive with the signal (nothing inside the
  plugin is to blame), DSP faults are the enhancer misbehaving, artifacts
  are audible side effects of processing, resource faults are the machine
  running out of time, configuration faults are control values outside
  sane use.  Severity says how urgently a listener is affected if nothing
  is done.

  Also which strategies make sense for a cause at all: the learner only
  ranks those (never "report only" for broken DSP state, never "tune the
  full path" for a CPU overrun).

  Threading: every function is pure and reads constant tables only, so
  any class (audio included) may call it.
*/
#ifndef FS_TAXONOMY_H
#define FS_TAXONOMY_H

#include <stdint.h>

typedef enum {
  FS_CLASS_NONE = 0,
  FS_CLASS_INPUT = 1,
  FS_CLASS_DSP = 2,
  FS_CLASS_ARTIFACT = 3,
  FS_CLASS_RESOURCE = 4,
  FS_CLASS_CONFIGURATION = 5,
  FS_CLASS_COUNT
} fs_fault_class;

typedef enum {
  FS_SEVERITY_LOW = 0,
  FS_SEVERITY_MEDIUM = 1,
  FS_SEVERITY_HIGH = 2,
  FS_SEVERITY_CRITICAL = 3,
  FS_SEVERITY_COUNT
} fs_severity;

/* Class and base severity of a cause; FS_CLASS_NONE / LOW out of range. */
fs_fault_class fs_taxonomy_class(int cause);
fs_severity fs_taxonomy_severity(int cause);

/* Bit s set when fs_strategy s is a sensible answer to cause. */
uint32_t fs_taxonomy_allowed_strategies(int cause);

/* Stable short names ("input", "critical", "onset"); "unknown" out of range. */
const char *fs_fault_class_name(int fault_class);
const char *fs_severity_name(int severity);
const char *fs_event_kind_name(int kind);

/* Reverse look-ups of fs_cause_name, fs_strategy_name and
   fs_event_kind_name: the number, or -1 for an unknown or NULL name. */
int fs_cause_from_name(const char *name);
int fs_strategy_from_name(const char *name);
int fs_event_kind_from_name(const char *name);

#endif

#include "fs_taxonomy.h"

#include "fs_cause.h"
#include "fs_event.h"
#include "fs_strategy.h"

#include <string.h>

#define BIT(s) (1u << (s))
#define ALL_STRATEGIES (BIT(FS_STRATEGY_COUNT) - 1u)
/* Everything that changes what the listener hears, not "report only". */
#define ACTING (ALL_STRATEGIES & ~BIT(FS_STRATEGY_NONE))

typedef struct {
  fs_fault_class fault_class;
  fs_severity severity;
  uint32_t allowed;
} cause_traits;

/* Severities: a corrupt state or runaway gain can blow up the output within
   one hop if the guard were not there (critical); non-finite input, output
   clipping and overruns are audible at once (high); DC, flux and odd
   controls degrade the sound (medium); a clipped input or a little musical
   noise is unpleasant but not an emergency (low).  The learned tier's:
   unusable gains would be heard at once but for the enhancer's own
   fallback (high); speech thrown away degrades (medium); flicker is
   musical noise (low). */
static const cause_traits traits[FS_CAUSE_COUNT] = {
    [FS_CAUSE_NONE] = {FS_CLASS_NONE, FS_SEVERITY_LOW, ALL_STRATEGIES},
    [FS_CAUSE_INPUT_NONFINITE] = {FS_CLASS_INPUT, FS_SEVERITY_HIGH, ALL_STRATEGIES},
    [FS_CAUSE_INPUT_CLIPPED] = {FS_CLASS_INPUT, FS_SEVERITY_LOW, ALL_STRATEGIES},
    [FS_CAUSE_INPUT_EXTREME] = {FS_CLASS_INPUT, FS_SEVERITY_MEDIUM, ALL_STRATEGIES},
    /* Broken state is never played on ("none") nor merely re-tuned. */
    [FS_CAUSE_STATE_CORRUPT] = {FS_CLASS_DSP, FS_SEVERITY_CRITICAL,
                                BIT(FS_STRATEGY_REBUILD) | BIT(FS_STRATEGY_LIGHT) |
                                    BIT(FS_STRATEGY_BYPASS)},
    [FS_CAUSE_RUNAWAY_GAIN] = {FS_CLASS_DSP, FS_SEVERITY_CRITICAL, ACTING},
    [FS_CAUSE_OUTPUT_CLIPPING] = {FS_CLASS_DSP, FS_SEVERITY_HIGH, ACTING},
    [FS_CAUSE_MUSICAL_NOISE] = {FS_CLASS_ARTIFACT, FS_SEVERITY_LOW, ACTING},
    [FS_CAUSE_SPECTRAL_FLUX] = {FS_CLASS_ARTIFACT, FS_SEVERITY_MEDIUM, ACTING},
    /* Only a cheaper path gives time back. */
    [FS_CAUSE_DEADLINE] = {FS_CLASS_RESOURCE, FS_SEVERITY_HIGH,
                           BIT(FS_STRATEGY_LIGHT) | BIT(FS_STRATEGY_BYPASS)},
    /* Out-of-range controls were clamped before any DSP saw them and no
       tier is at fault: report only.  Anything else (exploration
       included) would move the listener to a lower tier for a knob. */
    [FS_CAUSE_CONFIGURATION] = {FS_CLASS_CONFIGURATION, FS_SEVERITY_MEDIUM, BIT(FS_STRATEGY_NONE)},
    /* The learned tier's faults are mended on the same tier, by its
       classical gains (ADJUST): a lower tier would lose what the classical
       tier still does well. */
    [FS_CAUSE_LEARNED_INVALID] = {FS_CLASS_DSP, FS_SEVERITY_HIGH, BIT(FS_STRATEGY_ADJUST)},
    [FS_CAUSE_LEARNED_FLICKER] = {FS_CLASS_ARTIFACT, FS_SEVERITY_LOW, BIT(FS_STRATEGY_ADJUST)},
    [FS_CAUSE_SPEECH_LOSS] = {FS_CLASS_ARTIFACT, FS_SEVERITY_MEDIUM, BIT(FS_STRATEGY_ADJUST)},
};

fs_fault_class fs_taxonomy_class(int cause) {
  return cause >= 0 && cause < FS_CAUSE_COUNT ? traits[cause].fault_class : FS_CLASS_NONE;
}

fs_severity fs_taxonomy_severity(int cause) {
  return cause >= 0 && cause < FS_CAUSE_COUNT ? traits[cause].severity : FS_SEVERITY_LOW;
}

uint32_t fs_taxonomy_allowed_strategies(int cause) {
  return cause >= 0 && cause < FS_CAUSE_COUNT ? traits[cause].allowed : ALL_STRATEGIES;
}

static const char *const class_names[FS_CLASS_COUNT] = {
    "none", "input", "dsp", "artifact", "resource", "configuration"};
static const char *const severity_names[FS_SEVERITY_COUNT] = {"low", "medium", "high",
                                                              "critical"};
/* Indexed by fs_event_kind; 0 is not a kind. */
static const char *const kind_names[] = {"unknown", "onset", "recovered", "quarantined",
                                         "probe_failed", "outcome"};
enum { KIND_NAMES = sizeof(kind_names) / sizeof(kind_names[0]) };

const char *fs_fault_class_name(int fault_class) {
  return fault_class >= 0 && fault_class < FS_CLASS_COUNT ? class_names[fault_class]
                                                          : "unknown";
}

const char *fs_severity_name(int severity) {
  return severity >= 0 && severity < FS_SEVERITY_COUNT ? severity_names[severity] : "unknown";
}

const char *fs_event_kind_name(int kind) {
  return kind > 0 && kind < KIND_NAMES ? kind_names[kind] : "unknown";
}

int fs_cause_from_name(const char *name) {
  for (int cause = 0; name && cause < FS_CAUSE_COUNT; ++cause) {
    if (strcmp(name, fs_cause_name(cause)) == 0) return cause;
  }
  return -1;
}

int fs_strategy_from_name(const char *name) {
  for (int strategy = 0; name && strategy < FS_STRATEGY_COUNT; ++strategy) {
    if (strcmp(name, fs_strategy_name(strategy)) == 0) return strategy;
  }
  return -1;
}

int fs_event_kind_from_name(const char *name) {
  for (int kind = 1; name && kind < KIND_NAMES; ++kind) {
    if (strcmp(name, kind_names[kind]) == 0) return kind;
  }
  return -1;
}

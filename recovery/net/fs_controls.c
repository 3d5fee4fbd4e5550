#include "fs_controls.h"

#include "fs_tuning.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* Mirrors ttl/controls.ttl.in; tests/lv2/test_lv2_plugin.c checks the two
   agree through lilv. */
static const fs_control_range control_ranges[FS_CONTROL_COUNT] = {
    [FS_CONTROL_ENABLED] = {0.0f, 1.0f, 1.0f},
    [FS_CONTROL_REDUCTION] = {0.0f, 40.0f, 15.0f},
    [FS_CONTROL_CEILING] = {-12.0f, 0.0f, -1.0f},
    [FS_CONTROL_XFADE] = {1.0f, 100.0f, 10.0f},
    [FS_CONTROL_BUDGET] = {5.0f, 100.0f, 50.0f},
    [FS_CONTROL_CHAOS] = {0.0f, 9.0f, 0.0f},
    [FS_CONTROL_FREEWHEEL] = {0.0f, 1.0f, 0.0f},
    [FS_CONTROL_LEARNED] = {0.0f, 1.0f, FS_LEARNED_ON_BY_DEFAULT ? 1.0f : 0.0f},
};

/* The chaos modes by name.  The Turtle's scale points are the hosts'
   spelling of the same list; tests/lv2/test_lv2_plugin.c checks they are
   as many, with the same values. */
static const struct {
  const char *name;
  const char *label;
} chaos_names[FS_CHAOS_COUNT] = {
    [FS_CHAOS_OFF] = {"off", "off"},
    [FS_CHAOS_STATE_NAN] = {"nan", "NaN in state"},
    [FS_CHAOS_RUNAWAY_GAIN] = {"runaway", "runaway gain"},
    [FS_CHAOS_MUSICAL_NOISE] = {"musical", "musical noise"},
    [FS_CHAOS_CPU_STALL] = {"stall", "CPU stall"},
    [FS_CHAOS_CLIPPING_BOOST] = {"clip", "clipping boost"},
    [FS_CHAOS_DENORMAL_FLOOD] = {"denormal", "denormal flood"},
    [FS_CHAOS_LEARNED_NAN] = {"learned_nan", "NaN in the learned network"},
    [FS_CHAOS_LEARNED_FLICKER] = {"learned_flicker", "learned gains flicker"},
    [FS_CHAOS_LEARNED_MUTE] = {"learned_mute", "learned gains mute"},
};

const char *fs_chaos_name(int mode) {
  return mode >= 0 && mode < FS_CHAOS_COUNT ? chaos_names[mode].name : NULL;
}

const char *fs_chaos_label(int mode) {
  return mode >= 0 && mode < FS_CHAOS_COUNT ? chaos_names[mode].label : "unknown";
}

int fs_chaos_from_name(const char *name) {
  for (int mode = 0; name && mode < FS_CHAOS_COUNT; ++mode) {
    if (strcmp(name, chaos_names[mode].name) == 0) {
      return mode;
    }
  }
  return -1;
}

const fs_control_range *fs_control_range_of(fs_control_id id) {
  if ((unsigned)id >= FS_CONTROL_COUNT) {
    return NULL;
  }
  return &control_ranges[id];
}

/* One value into its range.  NaN and a missing port take the default;
   +-Inf clamp like any other large value.  *replaced tells which were
   bad (a missing port is the host's right, not a fault). */
static float clamp_value(const float *raw, const fs_control_range *range, bool *replaced) {
  *replaced = false;
  if (!raw) {
    return range->fallback;
  }
  const float value = *raw;
  if (isnan(value)) {
    *replaced = true;
    return range->fallback;
  }
  if (value < range->minimum) {
    *replaced = true;
    return range->minimum;
  }
  if (value > range->maximum) {
    *replaced = true;
    return range->maximum;
  }
  return value;
}

fs_controls fs_controls_default(void) {
  const float *const none[FS_CONTROL_COUNT] = {0};
  fs_controls controls;
  fs_controls_clamp(none, &controls);
  return controls;
}

uint32_t fs_controls_clamp(const float *const raw[FS_CONTROL_COUNT], fs_controls *out) {
  uint32_t violations = 0, out_of_range = 0;
  float v[FS_CONTROL_COUNT];
  for (int id = 0; id < FS_CONTROL_COUNT; ++id) {
    bool replaced;
    v[id] = clamp_value(raw[id], &control_ranges[id], &replaced);
    violations += replaced;
    out_of_range |= (uint32_t)replaced << id;
  }
  out->enabled = v[FS_CONTROL_ENABLED] >= 0.5f;
  out->reduction_db = v[FS_CONTROL_REDUCTION];
  out->ceiling_db = v[FS_CONTROL_CEILING];
  out->xfade_ms = v[FS_CONTROL_XFADE];
  out->budget_pct = v[FS_CONTROL_BUDGET];
  out->chaos = (fs_chaos_mode)lrintf(v[FS_CONTROL_CHAOS]);
  out->freewheel = v[FS_CONTROL_FREEWHEEL] >= 0.5f;
  out->learned = v[FS_CONTROL_LEARNED] >= 0.5f;
  out->out_of_range = out_of_range;
  return violations;
}

/* Only the controls newly out of range make a finding: a host that keeps
   sending 60 dB of reduction block after block is one configuration
   incident, not one per block, and the event ring is not flooded. */
bool fs_controls_check(const fs_controls *before, const fs_controls *now, fs_findings *findings) {
  const uint32_t news = now->out_of_range & ~before->out_of_range;
  if (news == 0 || findings->count >= FS_MAX_FINDINGS) {
    return false;
  }
  findings->items[findings->count++] = (fs_finding){.detector = FS_DETECTOR_CONTROLS,
                                                    .cause = FS_CAUSE_CONFIGURATION,
                                                    .value = (float)news,
                                                    .threshold = (float)now->out_of_range,
                                                    .severe = false};
  return true;
}

/*
  fs_controls: the plugin's control inputs, clamped.

  Hosts send anything: NaN, Inf, values far outside the Turtle's range, or
  no value at all when a port is left unconnected.  Every raw value passes
  through fs_controls_clamp() before it can reach the DSP, so the audio
  path only ever sees values inside the documented ranges.

  A value that had to be replaced is not silent, though: the clamped
  controls say which ones were (`out_of_range`), and fs_controls_check()
  turns a control newly out of range into a `configuration` finding, once
  per change (not per block): the supervisor makes it an incident, so it
  reaches the journal through the event ring like any other, and the
  learner's "review controls" advice can follow.

  The order of FS_CONTROL_* is the order of the control input ports
  (lv2:index 0..6 in ttl/controls.ttl.in), then `use_learned`, appended
  after the audio ports (plugin/fs_ports.h) so no earlier index moved.

  Threading: clamp and check are audio class; the ranges, defaults and
  chaos names are constant data, any thread.
*/
#ifndef FS_CONTROLS_H
#define FS_CONTROLS_H

#include "fs_detectors.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
  FS_CONTROL_ENABLED = 0,
  FS_CONTROL_REDUCTION,
  FS_CONTROL_CEILING,
  FS_CONTROL_XFADE,
  FS_CONTROL_BUDGET,
  FS_CONTROL_CHAOS,
  FS_CONTROL_FREEWHEEL,
  FS_CONTROL_LEARNED, /* the `use_learned` port, after the audio ports */
  FS_CONTROL_COUNT
} fs_control_id;

typedef struct {
  float minimum;
  float maximum;
  float fallback; /* used for NaN and for an unconnected port */
} fs_control_range;

/* Fault injection modes of the `chaos` port. */
typedef enum {
  FS_CHAOS_OFF = 0,
  FS_CHAOS_STATE_NAN = 1,
  FS_CHAOS_RUNAWAY_GAIN = 2,
  FS_CHAOS_MUSICAL_NOISE = 3,
  FS_CHAOS_CPU_STALL = 4,
  FS_CHAOS_CLIPPING_BOOST = 5,
  FS_CHAOS_DENORMAL_FLOOD = 6,
  FS_CHAOS_LEARNED_NAN = 7,     /* NaN into the learned tier's network state */
  FS_CHAOS_LEARNED_FLICKER = 8, /* the network's band gains alternate hop to hop */
  FS_CHAOS_LEARNED_MUTE = 9,    /* the network's band gains all 0 while speech goes on */
  FS_CHAOS_COUNT
} fs_chaos_mode;

typedef struct {
  bool enabled;       /* host bypass when false */
  float reduction_db; /* [0, 40] */
  float ceiling_db;   /* [-12, 0] dBFS */
  float xfade_ms;     /* [1, 100] */
  float budget_pct;   /* [5, 100] */
  fs_chaos_mode chaos;
  bool freewheel; /* host renders faster than real time */
  bool learned;   /* the learned tier may be heard (the net still decides) */
  /* Bit (1u << fs_control_id) for each raw value that was NaN or outside
     its range and was replaced; an unconnected port is not counted. */
  uint32_t out_of_range;
} fs_controls;

/* Any thread.  The chaos modes' names, the one list of them: the short
   name a schedule spells ("off", "nan", "runaway", "musical", "stall",
   "clip", "denormal"; NULL out of range), a label for people ("NaN in
   state", ...; "unknown" out of range), and the mode of a short name (-1
   for none). */
const char *fs_chaos_name(int mode);
const char *fs_chaos_label(int mode);
int fs_chaos_from_name(const char *name);

/* The documented range of one control. */
const fs_control_range *fs_control_range_of(fs_control_id id);

/* Every control at its default. */
fs_controls fs_controls_default(void);

/* Audio.  Clamps raw port values (raw[id] may be NULL: unconnected) into a
   safe fs_controls, out->out_of_range naming the values replaced.
   Returns how many values were out of range or NaN. */
uint32_t fs_controls_clamp(const float *const raw[FS_CONTROL_COUNT], fs_controls *out);

/* Audio.  The finding for controls that went out of range between two
   sets of controls in force (`before`: the last ones checked): one
   FS_DETECTOR_CONTROLS finding of cause FS_CAUSE_CONFIGURATION, its value
   the bits of the controls newly out of range, its threshold the bits of
   all those out of range now.  A control that stays out of range, or
   comes back in, adds nothing; one that leaves its range again later is
   new again.  Appended to findings when there is room; returns whether it
   was made. */
bool fs_controls_check(const fs_controls *before, const fs_controls *now, fs_findings *findings);

#endif

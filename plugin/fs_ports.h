/*
  fs_ports: the plugin's ports, by index and symbol, as the Turtle
  (ttl/controls.ttl.in, ttl/failsafe.ttl.in) declares them.  The one copy
  in C: the plugin and the tests that drive it without lilv's help take
  their indices from here, and tests/lv2/test_lv2_plugin.c checks every
  index and symbol against the installed Turtle through lilv.

  The control inputs come first, in the order of fs_control_id
  (recovery/net/fs_controls.h); the ports added later come after the
  audio ports, so no index a host saved ever moved.  Header-only; any
  thread.
*/
#ifndef FS_PORTS_H
#define FS_PORTS_H

#include <stdint.h>

typedef enum {
  FS_PORT_ENABLED = 0,
  FS_PORT_REDUCTION = 1,
  FS_PORT_CEILING = 2,
  FS_PORT_XFADE = 3,
  FS_PORT_BUDGET = 4,
  FS_PORT_CHAOS = 5,
  FS_PORT_FREEWHEEL = 6,
  FS_PORT_LATENCY = 7,
  FS_PORT_TIER = 8,
  FS_PORT_HEALTH = 9,
  FS_PORT_INCIDENTS = 10,
  FS_PORT_CAUSE = 11,
  FS_PORT_DSP_LOAD = 12,
  FS_PORT_IN_0 = 13, /* audio from here on: in, out, then the right channel's */
  FS_PORT_OUT_0 = 14,
  FS_PORT_IN_1 = 15,
  FS_PORT_OUT_1 = 16,
  /* Appended after the audio ports, so their indices depend on how many: */
  FS_PORT_LEARNED_MONO = 15,   /* out: the share of learned gains heard, 0..1 */
  FS_PORT_LEARNED_STEREO = 17,
  FS_PORT_USE_LEARNED_MONO = 16, /* in: the learned tier may be heard, 0 or 1 */
  FS_PORT_USE_LEARNED_STEREO = 18,
} fs_port_index;

/* The control inputs in one run from port 0 (ports 0 ..
   FS_PORT_CONTROL_INPUTS - 1); `use_learned` is the one after them. */
#define FS_PORT_CONTROL_INPUTS 7u
/* Ports of the mono and of the stereo plugin. */
#define FS_PORT_COUNT_MONO 17u
#define FS_PORT_COUNT_STEREO 19u

/* The `learned` output port's index for a plugin of `channels` (1 or 2). */
static inline uint32_t fs_port_learned(uint32_t channels) {
  return channels > 1 ? FS_PORT_LEARNED_STEREO : FS_PORT_LEARNED_MONO;
}

/* The `use_learned` input port's index for a plugin of `channels`. */
static inline uint32_t fs_port_use_learned(uint32_t channels) {
  return channels > 1 ? FS_PORT_USE_LEARNED_STEREO : FS_PORT_USE_LEARNED_MONO;
}

/* The symbol of a control port (index below FS_PORT_IN_0), else NULL. */
static inline const char *fs_port_symbol(uint32_t index) {
  static const char *const symbols[FS_PORT_IN_0] = {"enabled", "reduction", "ceiling",   "xfade", "budget",
                                                    "chaos",   "freewheel", "latency",   "tier",  "health",
                                                    "incidents", "cause",   "dsp_load"};
  return index < FS_PORT_IN_0 ? symbols[index] : NULL;
}

#endif

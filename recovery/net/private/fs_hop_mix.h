/*
  fs_hop_mix: the hop's output from the tiers the mixer weighs.

  Audio class; operates on the supervisor's instance
  (fs_supervisor_state.h), private to recovery/net/.
*/
#ifndef FS_HOP_MIX_H
#define FS_HOP_MIX_H

#include "fs_supervisor_state.h"

#include <stdbool.h>

/* Puts the heard tier, or the blend of tiers while a fade runs, into `out`,
   which holds the full tier's hop when it ran; `dry` is the dry line's
   hop.  A lower tier's sample stands in for any non-finite one.  Returns
   true when `out` is the full tier's hop untouched, as fs_full_observe()
   measured it. */
bool fs_hop_mix(fs_supervisor *sup, float *const *out, bool full_ran, const float *const *dry);

#endif

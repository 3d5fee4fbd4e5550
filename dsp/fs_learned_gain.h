/*
  fs_learned_gain: the learned tier's gain stage (docs/LEARNED.md, "Gains
  in the enhancer").  Each hop the network reads the features and gives
  26 band corrections of the classical gains; the bands spread them to
  bins, where each scales what the classical gain keeps above the user's
  floor (never below the floor, never above unity).  The corrected gains
  replace the classical ones by the share the safety net allows (1:
  learned heard, 0: classical heard), gliding between the two in the gain
  domain so a switch never clicks.

  The classical gains are always there to fall back to.  While the stage
  runs (the enhancer runs it while the learned gains are heard or
  watched: fs_enhancer_watch_learned) the network runs every hop whatever
  the share, so the learned gains can be judged in shadow.  What the net judges them by is in
  fs_learned_gain_report:
  - invalid: network outputs that are not finite or not in [0, 1], or
    network state that is not finite (all bands count then).  Such a hop is heard
    with the classical gains alone, in the same hop.
  - flicker: how much the network's outputs jumped since the last hop
    (mean |ln o - ln o_prev| over the speech bands, held to the floor):
    corrections that flicker on their own are musical noise.
  - loss_db: the speech band's output energy with the learned gains over
    that with the classical ones, in dB: far below 0 while the input is
    voiced is speech the network throws away.

  Threading: create/destroy instantiation class; the rest audio class.
*/
#ifndef FS_LEARNED_GAIN_H
#define FS_LEARNED_GAIN_H

#include "fs_bands.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_learned_gain fs_learned_gain;

typedef struct {
  uint32_t invalid; /* network outputs not finite or out of [0, 1] this hop */
  float flicker;    /* mean |ln g - ln g_prev| over the speech bands */
  float loss_db;    /* speech-band energy, learned gains over classical */
  float share;      /* the learned gains' share in what was heard */
} fs_learned_gain_report;

/* bins: spectrum bins; hop_seconds: time between hops; speech band bins
   band_low..band_high (inclusive) for the loss measure. */
fs_learned_gain *fs_learned_gain_create(uint32_t bins, double hop_seconds, uint32_t band_low, uint32_t band_high);
void fs_learned_gain_destroy(fs_learned_gain *stage);

/* Network state to zero; the share jumps to its target. */
void fs_learned_gain_reset(fs_learned_gain *stage);

/* The share of the learned gains to glide to: clamped to [0, 1], NaN is 0. */
void fs_learned_gain_set_share(fs_learned_gain *stage, float share);

/* The share it glides to. */
float fs_learned_gain_target(const fs_learned_gain *stage);

/* The stage stops (fs_enhancer runs neither it nor the features while
   nobody hears or watches the learned gains): share 0 and an empty
   report.  The network's state is kept; start() zeroes it, so a stage
   that comes back starts as a sequence does, its share gliding up from 0. */
void fs_learned_gain_stop(fs_learned_gain *stage);
void fs_learned_gain_start(fs_learned_gain *stage);

/* One hop.  `gains` holds the classical bin gains (floored) and receives
   what is heard; `power` is the hop's bin power. */
void fs_learned_gain_apply(fs_learned_gain *stage, const fs_bands *bands, const float *features,
                           const float *power, float floor_gain, float *gains);

/* One hop of digital silence, instead of apply(): the network neither
   runs nor changes its state, and the classical gains stand.  Silence
   says nothing about speech or noise, and its length must not change
   what follows: a stream that starts after 2048 samples of silence or
   after 7168 then sounds the same.  The share keeps gliding; the flicker
   measure starts afresh after it; the report gives that share and no
   fault. */
void fs_learned_gain_hold(fs_learned_gain *stage);

const fs_learned_gain_report *fs_learned_gain_last(const fs_learned_gain *stage);

/* The network's state, for the enhancer's snapshots. */
size_t fs_learned_gain_state_size(const fs_learned_gain *stage);
void fs_learned_gain_save(const fs_learned_gain *stage, void *dst);
void fs_learned_gain_load(fs_learned_gain *stage, const void *src);
bool fs_learned_gain_state_is_finite(const fs_learned_gain *stage);

/* Fault injection: writes `value` into the network's state. */
void fs_learned_gain_corrupt(fs_learned_gain *stage, float value);

/* Network state back to zero (as after reset), leaving the share and its
   glide alone: for a caller that has no snapshot to roll it back to. */
void fs_learned_gain_clear_state(fs_learned_gain *stage);

/* Test hook: called every hop with the network's FS_BANDS outputs,
   before they are checked, so a caller may rewrite them (fault
   injection); NULL for none.  With no hook a hop pays one test. */
typedef void (*fs_learned_gain_hook_fn)(void *context, float *band_gains);
void fs_learned_gain_set_hook(fs_learned_gain *stage, fs_learned_gain_hook_fn hook, void *context);

#endif

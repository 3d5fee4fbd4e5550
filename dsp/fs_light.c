/*
  The light path: a downward expander that looks ahead.

  No filter touches the signal: even a 30 Hz high-pass turns the phase of
  a low voice's fundamental enough to cost it more than 10 dB of SI-SDR
  against the input, and this tier must never make speech worse.  Only a
  gain moves, and it moves slowly.

  - The level of each new hop is compared with a tracked noise floor.
    Where the level is within FS_LIGHT_OPEN_ABOVE_DB of the floor, the
    expander attenuates by (ratio - 1) dB per dB, never more than the
    reduction setting.
  - The floor falls fast to any quieter level and creeps up slowly while
    the level is one the expander works on (below its open point: a voice
    well above the noise does not pull the floor up).  A minimum search
    over the last half second or so (minimum statistics, in a few
    sub-minima) finds a louder noise quickly: when even the quietest hop of
    the window stands clearly above the floor, the floor jumps to it.
    Speech pauses within the window, so it does not do that.
  - Digital silence and hiss below FS_SILENCE_DBFS say nothing about
    the noise (a stream's first zeros, a mute, a gate upstream): they
    neither seed nor move the floor, and the minimum search counts only
    hops with signal in them.  The hop after silence may be partly silent,
    so the level restarts from the next one, which seeds the floor if
    nothing has yet.
  - The output is delayed by hop_latency to line up with the full path;
    that delay is also look-ahead: the gain for a hop leaving the delay is
    the most open of the gains wanted by it and the hops behind it, so the
    expander is already open when a word starts and closes slowly after.
  - The gain moves linearly across each hop, so it never steps.

  The gain is decided once per hop from the hop's energy alone, and only
  applied to the delayed samples, so the safety net can run the decision
  every hop (kept warm) while it reads the delayed samples from its own dry
  line and renders the output only for hops someone hears.
*/
#include "fs_light.h"

#include "fs_delay.h"
#include "fs_reduction.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LOOKAHEAD_HOPS FS_HOPS_PER_FRAME /* hop_latency / hop + the hop itself */
#define LEVEL_FLOOR 1e-12f               /* -120 dBFS mean square: "silence" */
#define PAST_MINIMA (FS_LIGHT_MIN_SUBWINDOWS - 1u) /* finished sub-minima kept */

struct fs_light {
  fs_geometry geometry;
  float level_smoothing; /* per-hop weights */
  float floor_fall;
  float floor_rise;      /* per-hop factor > 1 */
  float release;
  float open_ratio;      /* power ratio over the floor at which the gain is 1 */
  float slope;           /* log-gain per log-level below that point: ratio - 1 */
  float silence;         /* mean square below which a hop carries no information */
  float jump_ratio;      /* window minimum over the floor that moves the floor */
  uint32_t sub_hops;     /* hops per sub-window of the minimum search */

  fs_delay *delay;
  float *scratch; /* one hop */

  /* Mutable state besides the filter and delay memories. */
  float reduction_gain; /* 10^(-reduction/20): the deepest gain allowed */
  float level;          /* mean-square envelope */
  float noise_floor;    /* mean-square noise floor */
  float gain;           /* gain at the end of the last output hop */
  float ramp_start;     /* this hop's ramp: start + step * (i + 1) */
  float ramp_step;
  float wanted[LOOKAHEAD_HOPS]; /* target gains of the newest hops, ring */
  uint32_t wanted_next;
  bool seeded; /* the floor has been set from a first level */
  uint32_t signal_hops; /* hops with signal since the last silent one, up to 2 */
  /* Minimum search over informative hops: the running sub-window's minimum
     and the last PAST_MINIMA finished ones (0 until they have been seen, so
     the search is silent until its window is full). */
  float sub_min;
  uint32_t sub_count;
  float past_min[PAST_MINIMA];
  uint32_t past_next;
};

fs_light *fs_light_create(double sample_rate) {
  fs_light *l = calloc(1, sizeof(*l));
  if (!l) {
    return NULL;
  }
  l->geometry = fs_geometry_for_rate(sample_rate);
  const fs_geometry *g = &l->geometry;
  l->delay = fs_delay_create(g->hop_latency);
  l->scratch = calloc(g->hop, sizeof(float));
  if (!l->delay || !l->scratch) {
    fs_light_destroy(l);
    return NULL;
  }
  const double hop_ms = 1000.0 * g->hop / g->sample_rate;
  l->level_smoothing = (float)exp(-hop_ms / FS_LIGHT_LEVEL_MS);
  l->floor_fall = (float)exp(-hop_ms / FS_LIGHT_FLOOR_FALL_MS);
  l->floor_rise = (float)pow(10.0, FS_LIGHT_FLOOR_RISE_DB_PER_S * hop_ms / 1000.0 / 10.0);
  l->release = (float)exp(-hop_ms / FS_LIGHT_RELEASE_MS);
  l->open_ratio = (float)pow(10.0, FS_LIGHT_OPEN_ABOVE_DB / 10.0);
  l->slope = FS_LIGHT_RATIO - 1.0f;
  l->silence = (float)pow(10.0, FS_SILENCE_DBFS / 10.0);
  l->jump_ratio = (float)pow(10.0, FS_LIGHT_FLOOR_JUMP_DB / 10.0);
  const double sub_hops = floor(FS_LIGHT_MIN_WINDOW_MS / FS_LIGHT_MIN_SUBWINDOWS / hop_ms + 0.5);
  l->sub_hops = sub_hops >= 1.0 ? (uint32_t)sub_hops : 1u;
  l->reduction_gain = fs_reduction_floor_gain(FS_REDUCTION_DEFAULT_DB);
  fs_light_reset(l);
  return l;
}

void fs_light_destroy(fs_light *l) {
  if (!l) {
    return;
  }
  fs_delay_destroy(l->delay);
  free(l->scratch);
  free(l);
}

const fs_geometry *fs_light_geometry(const fs_light *l) { return &l->geometry; }

void fs_light_reset(fs_light *l) {
  fs_delay_reset(l->delay);
  l->level = LEVEL_FLOOR;
  l->noise_floor = LEVEL_FLOOR;
  l->gain = 1.0f;
  l->ramp_start = 1.0f;
  l->ramp_step = 0.0f;
  for (uint32_t i = 0; i < LOOKAHEAD_HOPS; ++i) {
    l->wanted[i] = 1.0f;
  }
  l->wanted_next = 0;
  l->seeded = false;
  l->signal_hops = 0; /* as after silence: the first hop may start mid-way */
  l->sub_min = FLT_MAX;
  l->sub_count = 0;
  for (uint32_t i = 0; i < PAST_MINIMA; ++i) {
    l->past_min[i] = 0.0f;
  }
  l->past_next = 0;
}

void fs_light_set_reduction(fs_light *l, float reduction_db) {
  l->reduction_gain = fs_reduction_floor_gain(reduction_db);
}

/* Move the floor with a level that carries information. */
static void track_floor(fs_light *l) {
  const float level = l->level;
  /* Glide down to quieter levels within FS_LIGHT_FLOOR_FALL_MS, creep up
     by FS_LIGHT_FLOOR_RISE_DB_PER_S, never above the level.  Only a level
     the expander works on (below its open point) may pull the floor up:
     one far above it is a voice, and a noise that loud is the minimum
     search's to find.  Until the search has seen a whole window, the
     floor comes from a single hop that may well have been a voice (the
     stream started mid-word, the mute was lifted to talk): a level below
     it by more than the expander's range shows that, and the floor drops
     to it at once. */
  const bool window_full = l->past_min[l->past_next] > 0.0f; /* the oldest is filled last */
  if (level < l->noise_floor) {
    const bool seeded_on_voice = !window_full && level * l->open_ratio < l->noise_floor;
    l->noise_floor =
        seeded_on_voice ? level : l->floor_fall * l->noise_floor + (1.0f - l->floor_fall) * level;
  } else if (level < l->noise_floor * l->open_ratio) {
    l->noise_floor *= l->floor_rise;
    if (l->noise_floor > level) {
      l->noise_floor = level;
    }
  }

  /* Minimum search: the running sub-window, then the finished ones. */
  if (level < l->sub_min) {
    l->sub_min = level;
  }
  if (++l->sub_count >= l->sub_hops) {
    l->past_min[l->past_next] = l->sub_min;
    l->past_next = l->past_next + 1 < PAST_MINIMA ? l->past_next + 1 : 0;
    l->sub_min = FLT_MAX;
    l->sub_count = 0;
  }
  float window_min = l->sub_min;
  for (uint32_t i = 0; i < PAST_MINIMA; ++i) {
    window_min = l->past_min[i] < window_min ? l->past_min[i] : window_min;
  }
  /* Even the quietest hop of the window stands clearly above the floor:
     the noise has risen (the window includes this hop, so the floor stays
     at or below the level). */
  if (window_min > l->noise_floor * l->jump_ratio) {
    l->noise_floor = window_min;
  }
  if (l->noise_floor < LEVEL_FLOOR) {
    l->noise_floor = LEVEL_FLOOR;
  }
}

/* Follow the newest hop's level and decide the gain it would like. */
static float wanted_gain(fs_light *l, float energy) {
  float mean_square = energy / (float)l->geometry.hop;
  /* The hop's samples may be anything finite: hold the level inside what
     sanitised samples could give, so it never turns Inf and stays there. */
  if (!(mean_square <= FS_INPUT_LIMIT * FS_INPUT_LIMIT)) {
    mean_square = FS_INPUT_LIMIT * FS_INPUT_LIMIT;
  }
  if (!(mean_square > LEVEL_FLOOR)) {
    mean_square = LEVEL_FLOOR;
  }
  if (!(mean_square >= l->silence)) {
    /* Silence: the floor and the search hold; the gain still follows. */
    l->level = mean_square;
    l->signal_hops = 0;
  } else if (l->signal_hops == 0) {
    /* Signal again, but this hop may be partly silent: it only sets the
       level for its own gain. */
    l->level = mean_square;
    l->signal_hops = 1;
  } else {
    if (l->signal_hops == 1) {
      /* The first whole hop: start the level here, and the floor too if
         it has never been set, rather than climb from silence. */
      l->level = mean_square;
      l->signal_hops = 2;
      if (!l->seeded) {
        l->noise_floor = mean_square;
        l->seeded = true;
      }
    } else {
      l->level = l->level_smoothing * l->level + (1.0f - l->level_smoothing) * mean_square;
    }
    track_floor(l);
  }

  /* Below the open point the amplitude gain is (level/open)^(slope/2). */
  const float above = l->level / (l->noise_floor * l->open_ratio);
  if (above >= 1.0f) {
    return 1.0f;
  }
  /* At the usual ratio of 2 the power is a square root, a tenth the cost. */
  const float gain = FS_LIGHT_RATIO == 2.0f ? sqrtf(above) : powf(above, 0.5f * l->slope);
  return gain > l->reduction_gain ? gain : l->reduction_gain;
}

void fs_light_update(fs_light *l, float energy) {
  l->wanted[l->wanted_next] = wanted_gain(l, energy);
  l->wanted_next = (l->wanted_next + 1) % LOOKAHEAD_HOPS;
  /* The hop leaving the delay and all hops behind it, up to the newest. */
  float open = 0.0f;
  for (uint32_t i = 0; i < LOOKAHEAD_HOPS; ++i) {
    open = l->wanted[i] > open ? l->wanted[i] : open;
  }
  /* Open at once (look-ahead has made that early), close slowly; the
     floor may also have moved with the reduction control. */
  float next = open >= l->gain ? open : l->release * l->gain + (1.0f - l->release) * open;
  if (next < l->reduction_gain) {
    next = l->reduction_gain;
  }
  l->ramp_start = l->gain;
  l->ramp_step = (next - l->gain) / (float)l->geometry.hop;
  l->gain = next;
}

void fs_light_render(const fs_light *l, const float *delayed, float *out) {
  const uint32_t hop = l->geometry.hop;
  const float start = l->ramp_start, step = l->ramp_step;
  for (uint32_t i = 0; i < hop; ++i) {
    out[i] = delayed[i] * (start + step * (float)(i + 1));
  }
}

float fs_light_gain_peak(const fs_light *l) { return l->ramp_start > l->gain ? l->ramp_start : l->gain; }

float fs_light_noise_floor(const fs_light *l) { return l->noise_floor; }

void fs_light_process_hop(fs_light *l, const float *in, float *out) {
  const uint32_t hop = l->geometry.hop;
  fs_sanitize_block(in, l->scratch, hop);
  fs_light_update(l, fs_sum_squares(l->scratch, hop));
  /* `in` has been read into scratch, so out may be written now even when
     the two are one buffer. */
  fs_delay_process(l->delay, l->scratch, out, hop);
  fs_light_render(l, out, out);
}

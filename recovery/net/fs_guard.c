#include "fs_guard.h"

#include "fs_compiler.h"
#include "fs_sanitize.h"

#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GUARD_MAX_CHANNELS 2u

/*
  The limiter's gain for a sample is the mean, over the last L samples, of
  the smallest required gain in the L samples ahead of each.  Every sample's
  own required gain is inside each of those minimums, so the mean never
  exceeds it: the ceiling holds, and the gain moves in straight ramps of
  length L.  A one-pole release then only slows the way back up.

  The gain stream runs L - 1 samples behind the key stream; a small ring
  delays it further to line up with the output, which is hop_latency
  behind the input.
*/
struct fs_guard {
  uint32_t channels;
  uint32_t hop;
  uint32_t hop_latency;
  uint32_t lookahead; /* L */
  float release;      /* per-sample approach factor of the release */

  /* Sliding minimum of the required gain over the last L keys:
     a monotonic deque of (position, value). */
  float *deque_value;
  uint64_t *deque_position;
  uint32_t deque_head, deque_size;

  /* Box average of the minimums over the last L. */
  float *box;
  uint32_t box_next;
  double box_sum;
  uint32_t box_below; /* entries below unity: 0 means the sum is exactly L */

  float released; /* gain after release smoothing */

  /* Gains waiting for their output sample. */
  float *gain_ring;
  uint32_t gain_ring_size;
  uint32_t ring_below; /* gains below unity still waiting: 0 lets apply() skip them */
  float *hop_gains;    /* scratch: the gains of the hop being applied */
  uint64_t keys_in;   /* keys consumed so far */
  uint64_t gains_out; /* gains used so far */
};

fs_guard *fs_guard_create(uint32_t channels, uint32_t hop, uint32_t hop_latency, uint32_t lookahead,
                          uint32_t release_samples) {
  if (channels == 0 || channels > GUARD_MAX_CHANNELS || hop == 0) {
    return NULL;
  }
  if (lookahead < 1) {
    lookahead = 1;
  }
  if (lookahead > hop_latency + 1) {
    lookahead = hop_latency + 1;
  }
  fs_guard *g = calloc(1, sizeof(*g));
  if (!g) {
    return NULL;
  }
  g->channels = channels;
  g->hop = hop;
  g->hop_latency = hop_latency;
  g->lookahead = lookahead;
  g->release = release_samples > 0 ? 1.0f - expf(-1.0f / (float)release_samples) : 1.0f;
  g->gain_ring_size = hop_latency + hop + 1;
  g->deque_value = calloc(lookahead, sizeof(float));
  g->deque_position = calloc(lookahead, sizeof(uint64_t));
  g->box = calloc(lookahead, sizeof(float));
  g->gain_ring = calloc(g->gain_ring_size, sizeof(float));
  g->hop_gains = calloc(hop, sizeof(float));
  if (!g->deque_value || !g->deque_position || !g->box || !g->gain_ring || !g->hop_gains) {
    fs_guard_destroy(g);
    return NULL;
  }
  fs_guard_reset(g);
  return g;
}

void fs_guard_destroy(fs_guard *g) {
  if (!g) {
    return;
  }
  free(g->deque_value);
  free(g->deque_position);
  free(g->box);
  free(g->gain_ring);
  free(g->hop_gains);
  free(g);
}

void fs_guard_reset(fs_guard *g) {
  g->deque_head = 0;
  g->deque_size = 0;
  for (uint32_t i = 0; i < g->lookahead; ++i) {
    g->box[i] = 1.0f;
  }
  g->box_next = 0;
  g->box_sum = g->lookahead;
  g->box_below = 0;
  g->ring_below = 0;
  g->released = 1.0f;
  for (uint32_t i = 0; i < g->gain_ring_size; ++i) {
    g->gain_ring[i] = 1.0f;
  }
  /* The gain stream starts L - 1 samples behind the keys and the output
     hop_latency behind them: prime the ring with unity for the gap. */
  g->keys_in = 0;
  g->gains_out = 0;
}

float fs_guard_ceiling(float ceiling_db) {
  const double exact = pow(10.0, (double)ceiling_db / 20.0);
  float ceiling = (float)exact;
  if ((double)ceiling > exact) {
    ceiling = nextafterf(ceiling, 0.0f);
  }
  return ceiling;
}

/* Gain a sample needs so that it stays under the ceiling. */
static inline float required_gain(float key, float ceiling) { return key > ceiling ? ceiling / key : 1.0f; }

static void push_key(fs_guard *g, float key, float ceiling) {
  const float need = required_gain(key, ceiling);
  const uint32_t L = g->lookahead;
  const uint64_t pos = g->keys_in++;

  /* Sliding minimum over positions (pos - L, pos]. */
  while (g->deque_size > 0) {
    const uint32_t back = (g->deque_head + g->deque_size - 1) % L;
    if (g->deque_value[back] < need) {
      break;
    }
    g->deque_size--;
  }
  if (g->deque_size > 0 && g->deque_position[g->deque_head] + L <= pos) {
    g->deque_head = (g->deque_head + 1) % L;
    g->deque_size--;
  }
  const uint32_t slot = (g->deque_head + g->deque_size) % L;
  g->deque_value[slot] = need;
  g->deque_position[slot] = pos;
  g->deque_size++;
  const float window_min = g->deque_value[g->deque_head];

  /* Box average of the minimums. */
  const float leaving = g->box[g->box_next];
  g->box_below += (window_min < 1.0f) - (leaving < 1.0f);
  g->box_sum += (double)window_min - (double)leaving;
  if (g->box_below == 0) {
    g->box_sum = L; /* all unity again: drop the rounding the sum gathered */
  }
  g->box[g->box_next] = window_min;
  g->box_next = (g->box_next + 1) % L;
  float gain = (float)(g->box_sum / L);
  if (gain > 1.0f) {
    gain = 1.0f;
  }
  if (gain < 0.0f) {
    gain = 0.0f;
  }

  /* Down at once, up slowly. */
  if (gain < g->released) {
    g->released = gain;
  } else {
    g->released += (gain - g->released) * g->release;
  }
  /* This gain belongs to key position pos - (L - 1); the output reaches it
     hop_latency samples after its key came in. */
  if (g->released < 1.0f) {
    g->gain_ring[(pos + g->hop_latency + 1 - (L - 1)) % g->gain_ring_size] = g->released;
    g->ring_below++;
  }
}

void fs_guard_analyse(fs_guard *g, const float *const *hop_in, float ceiling) {
  uint32_t peak_bits = 0;
  for (uint32_t c = 0; c < g->channels; ++c) {
    const uint32_t bits = fs_peak_bits(hop_in[c], g->hop);
    peak_bits = bits > peak_bits ? bits : peak_bits;
  }
  fs_guard_analyse_peak(g, hop_in, ceiling, peak_bits > FS_FINITE_BITS_MAX ? INFINITY : fs_bits_value(peak_bits));
}

/* A hop near the ceiling, or the limiter still at work: key by key. */
FS_COLD static void analyse_keys(fs_guard *g, const float *const *hop_in, float ceiling) {
  for (uint32_t i = 0; i < g->hop; ++i) {
    float key = 0.0f;
    for (uint32_t c = 0; c < g->channels; ++c) {
      const float x = hop_in[c][i];
      const float magnitude = isfinite(x) ? fabsf(x) : INFINITY;
      key = magnitude > key ? magnitude : key;
    }
    push_key(g, key, ceiling);
  }
}

void fs_guard_analyse_peak(fs_guard *g, const float *const *hop_in, float ceiling, float peak) {
  /* The usual hop: nothing near the ceiling, the limiter fully released.
     Every gain this hop would store is unity, which is what the ring
     already holds, so only the bookkeeping moves on. */
  const bool window_unity = g->deque_size == 0 || g->deque_value[g->deque_head] >= 1.0f;
  if (peak <= ceiling && g->box_below == 0 && g->released >= 1.0f && window_unity) {
    g->keys_in += g->hop;
    /* What pushing unity keys leaves behind: one entry, the newest. */
    g->deque_head = 0;
    g->deque_size = 1;
    g->deque_value[0] = 1.0f;
    g->deque_position[0] = g->keys_in - 1;
    return;
  }
  analyse_keys(g, hop_in, ceiling);
}

void fs_guard_apply(fs_guard *g, float *const *hop_out, float ceiling, fs_guard_stats *stats) {
  fs_guard_apply_known(g, hop_out, ceiling, NULL, stats);
}

/* Everything but the usual known hop: limiting, clamping, flushing. */
FS_COLD static void apply_general(fs_guard *g, float *const *hop_out, float ceiling, const fs_guard_level *known,
                                  fs_guard_stats *stats) {
  fs_guard_stats s = {.min_gain = 1.0f};
  const uint32_t hop = g->hop;
  /* Output sample number gains_out lines up with key gains_out -
     hop_latency, whose gain was stored at (gains_out + 1) in ring terms.
     Gather this hop's gains; with none below unity in flight, skip it. */
  float *restrict gains = g->hop_gains;
  const bool limiting = g->ring_below > 0;
  if (limiting) {
    for (uint32_t i = 0; i < hop; ++i) {
      const uint32_t slot = (uint32_t)((g->gains_out + 1 + i) % g->gain_ring_size);
      gains[i] = g->gain_ring[slot];
      if (gains[i] < 1.0f) {
        g->gain_ring[slot] = 1.0f; /* consumed; unity until a key writes it */
        g->ring_below--;
        s.limited++;
        s.min_gain = fs_minf(s.min_gain, gains[i]);
      }
    }
  }
  g->gains_out += hop;

  for (uint32_t c = 0; c < g->channels; ++c) {
    float *restrict y = hop_out[c];
    /* Non-finite samples become 0 (rare: a careful pass only when the
       cheap test says there are some). */
    uint32_t tiny = 0;
    uint32_t peak_bits = known ? known[c].peak_bits : fs_peak_bits_tiny(y, hop, &tiny);
    tiny = known ? known[c].tiny : tiny;
    if (peak_bits > FS_FINITE_BITS_MAX) {
      for (uint32_t i = 0; i < hop; ++i) {
        if (!isfinite(y[i])) {
          y[i] = 0.0f;
          s.nonfinite++;
        }
      }
      peak_bits = fs_peak_bits_tiny(y, hop, &tiny);
    }
    const float peak = fs_bits_value(peak_bits);
    s.peak_in = peak > s.peak_in ? peak : s.peak_in;
    if (!limiting && peak <= ceiling && tiny == 0) {
      continue; /* the usual hop: nothing to turn down, clamp or flush */
    }
    if (limiting) {
      for (uint32_t i = 0; i < hop; ++i) {
        y[i] *= gains[i];
      }
    }
    /* The hard clamp, last resort, and the denormal flush; branch-free. */
    uint32_t clamped = 0;
    for (uint32_t i = 0; i < hop; ++i) {
      const float v = y[i];
      clamped += fabsf(v) > ceiling;
      const float low = v < -ceiling ? -ceiling : v;
      const float held = low > ceiling ? ceiling : low;
      y[i] = fabsf(held) < FLT_MIN ? 0.0f : held;
    }
    s.clamped += clamped;
  }
  if (stats) {
    *stats = s;
  }
}

void fs_guard_apply_known(fs_guard *g, float *const *hop_out, float ceiling, const fs_guard_level *known,
                          fs_guard_stats *stats) {
  /* The usual hop, already measured by the caller: finite, under the
     ceiling, no denormal, no limiting in flight.  Left as it is. */
  if (known && g->ring_below == 0) {
    uint32_t peak_bits = 0, tiny = 0;
    for (uint32_t c = 0; c < g->channels; ++c) {
      peak_bits = known[c].peak_bits > peak_bits ? known[c].peak_bits : peak_bits;
      tiny |= known[c].tiny;
    }
    const float peak = fs_bits_value(peak_bits);
    if (peak_bits <= FS_FINITE_BITS_MAX && peak <= ceiling && tiny == 0) {
      g->gains_out += g->hop;
      if (stats) {
        *stats = (fs_guard_stats){.min_gain = 1.0f, .peak_in = peak};
      }
      return;
    }
  }
  apply_general(g, hop_out, ceiling, known, stats);
}

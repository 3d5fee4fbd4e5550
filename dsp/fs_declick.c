/*
  fs_declick: see the header for what it does.  Detection, the event
  bookkeeping across hops and the hand back of a repair that proved wrong
  share one state and stay here; the autoregressive gap filling itself
  (fit, forward and backward prediction) is fs_ar_fill's, which needs
  nothing of that state but the samples around a gap.  That shared state
  is why this file runs some 40 lines past the usual 500: cut further, the
  detection's per-sample loop would reach into another module's state.
*/
#include "fs_declick.h"

#include "fs_ar_fill.h"
#include "fs_compiler.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* What carries from hop to hop, kept together so a snapshot is one memcpy
   of it; every field is 4 bytes, so the snapshot stays float-aligned.
   Positions count from the start of the next hop. */
typedef struct {
  float x1, x2;        /* the last two input samples, for the second difference */
  float pending;       /* the open event's peak, kept out of the level until it proves long */
  float base;          /* the level it rose from: it is over when the signal is back there */
  int32_t open;        /* an event is running */
  int32_t first, last; /* its first sample and its last one over the extent threshold */
  int32_t tail;        /* its last sample over the base, next to it */
  int32_t is_long;     /* it outlasted FS_DECLICK_MAX_MS: sound, not a click */
  int32_t continues;   /* its repair ran to the end of the hop: go on from the start */
  uint32_t level_at;   /* next slot of the level ring */
  uint32_t history_at; /* next slot of the history ring */
  float amplitude;      /* the open event's bar for a sample itself (not its difference) */
  int32_t held_from;   /* the last hop's samples from here on were predicted over */
  int32_t held_count;  /* ...this many (0: none): an event still open at its end */
  float peak_x;        /* the open event's loudest sample that counted as bad */
  int32_t settled;     /* samples in a row back at the level the open event rose from */
  int32_t split;       /* a burst came after it had settled: the event may be two clicks */
  int32_t split_first; /* ...the later burst's first sample, */
  int32_t split_tail;  /* ...and the earlier one's tail */
  int32_t was_over;    /* the sample before was over the open event's bar */
  int32_t reach;       /* its last bad sample that counts towards its length */
  float split_peak;    /* the later burst's peak difference and sample */
  float split_peak_x;
} declick_carry;

typedef struct {
  int32_t from, to; /* samples to repair, inclusive */
} span;

struct fs_declick {
  uint32_t hop;
  uint32_t levels; /* hops in the level ring */
  uint32_t ring;   /* history ring length, a power of two >= fit and >= hop */
  uint32_t fit;    /* samples a model is fitted to, and history kept for it */
  int32_t guard, bridge, longest, apart; /* FS_DECLICK_*_MS in samples */
  uint32_t span_capacity;
  float detect, extent;           /* thresholds over the level, as amplitude ratios */
  float detect_steady, steady;    /* FS_DECLICK_DETECT_STEADY_DB, FS_DECLICK_STEADY_DB as ratios */
  float detect_now;               /* this hop's: detect, or detect_steady */
  float trail, hold;              /* FS_DECLICK_TRAIL_DB, FS_DECLICK_HOLD_DB as amplitude ratios */
  float *level;      /* per hop: the peak second difference outside clicks */
  float *amplitude;  /* per hop: the peak sample, after repair */
  float *history;    /* the last `ring` output samples */
  float *work;       /* slow path: fit samples of history, then the hop */
  fs_ar_fill *fill;  /* the repair: a model fitted before a hop's first click */
  span *spans;       /* this hop's clicks */
  float *held;       /* what was predicted over at the end of the last hop: input minus output */
  float *revoked;    /* this hop's verdict on them: the same, when that event proved to be sound */
  int32_t revoked_from;
  uint32_t revoked_count;
  declick_carry carry;
};

static int32_t ms_to_samples(double ms, double rate, int32_t least) {
  const long n = lround(ms * rate / 1000.0);
  return n < least ? least : (int32_t)n;
}

fs_declick *fs_declick_create(double sample_rate, uint32_t hop) {
  if (!(sample_rate >= 8000.0 && sample_rate <= 768000.0) || hop < 16 || hop > 8192) {
    return NULL;
  }
  fs_declick *d = calloc(1, sizeof(*d));
  if (!d) {
    return NULL;
  }
  d->hop = hop;
  d->guard = ms_to_samples(FS_DECLICK_GUARD_MS, sample_rate, 1);
  /* Two clicks' guards never meet, and each repair has a sample after it. */
  d->bridge = ms_to_samples(FS_DECLICK_BRIDGE_MS, sample_rate, 2 * d->guard + 4);
  d->longest = ms_to_samples(FS_DECLICK_MAX_MS, sample_rate, d->bridge + 1);
  d->apart = ms_to_samples(FS_DECLICK_APART_MS, sample_rate, 2);
  const int32_t order_wanted = ms_to_samples(FS_DECLICK_ORDER_MS, sample_rate, 2);
  const uint32_t order = order_wanted < (int32_t)FS_DECLICK_ORDER_MAX ? (uint32_t)order_wanted : FS_DECLICK_ORDER_MAX;
  const int32_t fit = ms_to_samples(FS_DECLICK_FIT_MS, sample_rate, 4 * (int32_t)order);
  d->fit = fit < (int32_t)FS_DECLICK_FIT_MAX ? (uint32_t)fit : FS_DECLICK_FIT_MAX;
  d->levels = (uint32_t)ceil(FS_DECLICK_LEVEL_MS / 1000.0 * sample_rate / hop);
  for (d->ring = 1; d->ring < d->fit || d->ring < hop; d->ring *= 2) {
  }
  d->detect = powf(10.0f, FS_DECLICK_DETECT_DB / 20.0f);
  d->detect_steady = powf(10.0f, FS_DECLICK_DETECT_STEADY_DB / 20.0f);
  d->steady = powf(10.0f, FS_DECLICK_STEADY_DB / 20.0f);
  d->extent = powf(10.0f, FS_DECLICK_EXTENT_DB / 20.0f);
  d->trail = powf(10.0f, FS_DECLICK_TRAIL_DB / 20.0f);
  d->hold = powf(10.0f, FS_DECLICK_HOLD_DB / 20.0f);
  /* The float buffers in one block, each a whole number of floats. */
  const size_t floats = 2u * d->levels + d->ring + d->fit + 3u * hop;
  d->level = calloc(floats, sizeof(float));
  /* A gap is never longer than a hop: one that runs on is filled hop by hop. */
  d->fill = fs_ar_fill_create(order, d->fit, hop, pow(10.0, FS_DECLICK_WHITE_DB / 10.0));
  /* Every click but a hop's first and last takes a bad sample and `apart`
     settled ones. */
  d->span_capacity = hop / (uint32_t)(d->apart + 1) + 3u;
  d->spans = calloc(d->span_capacity, sizeof(span));
  if (!d->level || !d->fill || !d->spans) {
    fs_declick_destroy(d);
    return NULL;
  }
  d->history = d->level + d->levels;
  d->work = d->history + d->ring;
  d->held = d->work + d->fit + hop;
  d->revoked = d->held + hop;
  d->amplitude = d->revoked + hop;
  fs_declick_reset(d);
  return d;
}

void fs_declick_destroy(fs_declick *d) {
  if (d) {
    free(d->level);
    fs_ar_fill_destroy(d->fill);
    free(d->spans);
    free(d);
  }
}

void fs_declick_reset(fs_declick *d) {
  memset(&d->carry, 0, sizeof(d->carry));
  d->revoked_count = 0;
  memset(d->level, 0, d->levels * sizeof(float));
  memset(d->amplitude, 0, d->levels * sizeof(float));
  memset(d->history, 0, d->ring * sizeof(float));
}

/* How far x0 departs from the line through the two samples before it. */
static inline float second_difference(float x0, float x1, float x2) { return (x0 + x2) - 2.0f * x1; }

/* The hop's peak |second difference|, by the bits: for finite floats
   their order is the values' order, and an integer maximum vectorises
   where a float one does not. */
static float difference_peak(const float *x, uint32_t n, float x1, float x2) {
  const float first = fs_maxf(fabsf(second_difference(x[0], x1, x2)), fabsf(second_difference(x[1], x[0], x1)));
  const float *now = x + 2, *before = x + 1, *earlier = x; /* plain streams, so the loads are contiguous */
  int32_t peak = 0;
  for (size_t i = 0; i < (size_t)n - 2u; ++i) {
    const float e = second_difference(now[i], before[i], earlier[i]);
    int32_t bits;
    memcpy(&bits, &e, sizeof(bits));
    bits &= 0x7fffffff;
    peak = bits > peak ? bits : peak;
  }
  return fs_maxf(first, fs_bits_value((uint32_t)peak));
}

/* The samples to repair of a short event: from `guard` before its first
   sample in this hop (from the hop's start if its repair runs on from the
   last hop, then over `guard` samples at least, so the join is smooth) to
   `guard` after its last bad sample.  That is its tail less the two
   samples the second difference spreads it by, once the two after the
   tail are known: otherwise the hop's end. */
static void add_span(fs_declick *d, uint32_t *spans, int32_t hop_first) {
  const declick_carry *c = &d->carry;
  if (c->is_long || (hop_first < 0 && !c->continues)) {
    return;
  }
  const int32_t bad = c->tail + 2 < (int32_t)d->hop ? c->tail - 2 : (int32_t)d->hop;
  int32_t from = c->continues ? 0 : hop_first - d->guard, to = c->tail >= 0 ? bad + d->guard : 0;
  from = from > 0 ? from : 0;
  to = c->continues && to < d->guard - 1 ? d->guard - 1 : to;
  if (*spans < d->span_capacity) {
    d->spans[(*spans)++] = (span){from, to > from ? to : from};
  }
}

/* The bar for a sample of an event to count as bad by its own size: just
   over the loudest sample of the last FS_DECLICK_LEVEL_MS before it (the
   hops' peaks, then this hop's up to the event, clicks left out: `here`).
   A click that holds a value (a digital glitch, a dropout to a rail) has
   a second difference only at its edges; the samples between them stand
   this far out instead.
   A word's onset stands out too, but for longer than any click, so it is
   let through as sound. */
static float amplitude_bar(const fs_declick *d, float here) {
  float peak = fs_maxf(FS_DECLICK_FLOOR, here);
  for (uint32_t i = 0; i < d->levels; ++i) {
    peak = fs_maxf(peak, d->amplitude[i]);
  }
  return d->extent * peak;
}

/* The event the last hop predicted over to its end proved to be sound (a
   plosive or a word starting there): hand back what the prediction took,
   and put it back in the history the models are fitted to. */
static void revoke_held(fs_declick *d) {
  declick_carry *c = &d->carry;
  const uint32_t count = (uint32_t)c->held_count;
  memcpy(d->revoked, d->held, count * sizeof(float));
  d->revoked_from = c->held_from;
  d->revoked_count = count;
  /* The last hop sits just before history_at in the ring. */
  for (uint32_t i = 0; i < count; ++i) {
    const uint32_t at = (c->history_at - d->hop + (uint32_t)c->held_from + i) & (d->ring - 1u);
    d->history[at] += d->held[i];
  }
  c->held_count = 0;
}

/* The hop sample by sample: where events start and end, and which are
   clicks.  Returns how many spans to repair it put in d->spans; *carried
   tells whether the last of them is an event still open at the hop's
   end, *peak becomes the hop's peak outside clicks, for the level ring. */
static uint32_t find_events(fs_declick *d, const float *x, float level, float *peak, bool *carried) {
  declick_carry *c = &d->carry;
  const int32_t n = (int32_t)d->hop;
  float accepted = 0.0f, accepted_before_run = 0.0f; /* peaks outside clicks */
  float loudest = 0.0f, loudest_before_run = 0.0f;   /* ...and of the samples themselves */
  int32_t hop_first = -1;               /* the open event's first sample in this hop */
  int32_t run_first = 0, run_last = -n; /* the latest run of samples over the level */
  uint32_t spans = 0;
  bool carried_in = c->open != 0; /* the event running is the one the last hop predicted over */
  float x1 = c->x1, x2 = c->x2;
  for (int32_t i = 0; i < n; ++i) {
    const float e = fabsf(second_difference(x[i], x1, x2));
    x2 = x1;
    x1 = x[i];
    if (c->open && c->is_long && e > d->detect_now * level) {
      /* A click on a sound already running (a word just begun): as far
         over the level the sound has raised as a click over any other.
         The sound is over as an event; the click starts a new one. */
      c->open = 0;
      carried_in = false;
      hop_first = -1;
      run_first = run_last = i;
      accepted_before_run = accepted;
      loudest_before_run = loudest;
    }
    if (!c->open) {
      if (e > level) {
        if (i - run_last > d->guard + 1) {
          run_first = i;
          accepted_before_run = accepted;
          loudest_before_run = loudest;
        }
        run_last = i;
      }
      if (e > d->detect_now * level) {
        /* An event starts where the run that reached the threshold did:
           a burst's first samples may stay under it. */
        c->open = 1;
        hop_first = run_first;
        /* ...but its length counts from no earlier than FS_DECLICK_APART_MS
           before the threshold: in a quiet passage a voice's own rise can
           lead up to a click for a millisecond, over a level that low. */
        c->first = run_first > i - d->apart ? run_first : i - d->apart;
        c->last = c->tail = i;
        c->pending = e;
        c->base = level;
        c->amplitude = amplitude_bar(d, loudest_before_run);
        c->peak_x = 0.0f;
        for (int32_t j = run_first; j <= i; ++j) {
          c->peak_x = fs_maxf(c->peak_x, fabsf(x[j]));
        }
        c->is_long = c->continues = 0;
        c->settled = c->split = 0;
        c->was_over = 1;
        c->reach = i;
        accepted = accepted_before_run;
        loudest = loudest_before_run;
      } else {
        accepted = fs_maxf(accepted, e);
        loudest = fs_maxf(loudest, fabsf(x[i]));
      }
      continue;
    }
    /* Bad: over the level it rose from (not one the hop boundary may have
       lifted since with what came before it), and over what trails from
       its own peak, so a click ends where it does, whatever sound it sits
       on; or, between the edges of a held value, over the samples before
       it and near the loudest of its burst. */
    const float a = fabsf(x[i]);
    if (!c->is_long && e > d->detect * c->pending && i > c->first + d->apart) {
      /* A burst far over all the event held so far: a click on what had
         just begun (a word's first millisecond), which is an event of its
         own.  What came before it, half a click's length or more, is not
         the click's: it is left alone (handed back, if the last hop
         predicted over it).  Anything shorter may be the click's own
         first samples, and is repaired with it, but its length counts
         from the burst. */
      if (2 * (i - c->first) > d->longest) {
        if (carried_in && c->held_count > 0) {
          revoke_held(d);
        }
        carried_in = false;
        c->continues = 0;
        hop_first = i - d->apart > 0 ? i - d->apart : 0;
      }
      c->first = i - d->apart;
      c->last = c->reach = c->tail = i;
      c->pending = e;
      c->peak_x = a;
      c->split = c->settled = 0;
    }
    const bool steep = e > (c->is_long ? d->extent * level : fs_maxf(d->extent * c->base, d->trail * c->pending));
    /* A lone sample barely over the level it rose from (by no more than
       FS_DECLICK_EXTENT_DB twice) may be one of the noise's own peaks,
       after the click: it keeps the event open, but does not make it
       longer.  A burst's samples come in a row, or stand further out. */
    const bool lone = steep && !c->was_over && e <= d->extent * d->extent * c->base && c->pending > 10.0f * c->base;
    c->was_over = steep;
    const float burst_x = c->split ? c->split_peak_x : c->peak_x;
    const bool bad = steep || (!c->is_long && a > fs_maxf(c->amplitude, d->hold * burst_x));
    if (bad && !c->is_long && c->settled >= d->apart) {
      /* A new burst after the signal had settled back: a second click,
         unless the event as a whole proves to be sound. */
      c->split = 1;
      c->split_first = i;
      c->split_tail = c->tail;
      c->split_peak = c->split_peak_x = 0.0f;
    }
    /* Settled: back within the level it rose from, and far under the
       event's peak.  A noise burst's lulls, or the lulls between the
       bursts of a voice whose difference lies under the floor (at the
       highest rates), are not that deep. */
    if (bad) {
      c->settled = 0;
    } else if (c->settled < d->apart) { /* once settled, until the next burst */
      c->settled = e <= fs_minf(d->extent * c->base, d->trail * c->pending) && a <= c->amplitude ? c->settled + 1 : 0;
    }
    if (bad) {
      c->last = c->tail = i;
      c->reach = lone ? c->reach : i;
      if (steep) {
        c->pending = fs_maxf(c->pending, e);
        c->split_peak = fs_maxf(c->split_peak, e);
      }
      c->peak_x = fs_maxf(c->peak_x, a);
      c->split_peak_x = fs_maxf(c->split_peak_x, a);
      hop_first = hop_first < 0 ? i : hop_first;
    } else if (e > c->base && i - c->tail <= d->guard + 1) {
      c->tail = i; /* a weaker last sample of the burst */
    }
    if (!c->is_long && c->reach - c->first > d->longest && c->split) {
      /* Too long for one click, but it had settled in between: the part
         before is a click of its own (the pair of clicks, or a click just
         before a word), and the rest is judged by itself. */
      if (c->split_first >= 0) {
        const int32_t tail = c->tail;
        c->tail = c->split_tail;
        add_span(d, &spans, hop_first);
        c->tail = tail;
        c->continues = 0;
        c->held_count = 0; /* what the last hop predicted over was that click */
        carried_in = false;
        hop_first = c->split_first;
      } else {
        /* Both began in the last hop, predicted over to its end: only the
           later one's part of that can still prove to be sound. */
        const int32_t from = n + c->split_first - d->guard, drop = from - c->held_from;
        if (c->held_count > 0 && drop > 0) {
          const int32_t keep = c->held_count > drop ? c->held_count - drop : 0;
          memmove(d->held, d->held + (c->held_count - keep), (size_t)keep * sizeof(float));
          c->held_from += c->held_count - keep;
          c->held_count = keep;
        }
      }
      c->first = c->split_first;
      c->pending = fs_maxf(c->split_peak, c->base);
      c->peak_x = c->split_peak_x;
      c->split = 0;
    }
    if (!c->is_long && c->reach - c->first > d->longest) {
      c->is_long = 1; /* sound: it joins the level at once */
      if (carried_in && c->held_count > 0) {
        revoke_held(d);
      }
      level = fs_maxf(level, c->pending);
      accepted = fs_maxf(accepted, c->pending);
    }
    if (c->is_long) {
      level = fs_maxf(level, e);
      accepted = fs_maxf(accepted, e);
      loudest = fs_maxf(loudest, a);
    }
    if (i - c->last > d->bridge) {
      c->open = 0;
      carried_in = false;
      add_span(d, &spans, hop_first);
      hop_first = -1;
    }
  }
  const uint32_t closed = spans;
  if (c->open) {
    add_span(d, &spans, hop_first); /* still running: its part in this hop, for now */
    c->first -= c->is_long ? 0 : n; /* a long one's start no longer matters */
    c->last -= n;
    c->tail -= n;
    c->reach -= n;
    c->split_first -= n;
    c->split_tail -= n;
  }
  *carried = spans > closed;
  c->continues = 0;
  *peak = accepted;
  return spans;
}

/* The spans find_events() put in d->spans (at least one) filled by the
   model, fitted once before the first; what was predicted over of an
   event still open is kept for the next hop's verdict on it.  Returns
   the samples repaired. */
static uint32_t repair_spans(fs_declick *d, float *x, uint32_t spans, bool carried) {
  declick_carry *c = &d->carry;
  const int32_t n = (int32_t)d->hop;
  /* The output history before the hop, then the hop, in one line. */
  const uint32_t h = d->fit, start = (c->history_at - h) & (d->ring - 1u);
  const uint32_t head = d->ring - start < h ? d->ring - start : h;
  memcpy(d->work, d->history + start, head * sizeof(float));
  memcpy(d->work + head, d->history, (h - head) * sizeof(float));
  memcpy(d->work + h, x, (size_t)n * sizeof(float));
  fs_ar_fill_fit(d->fill, d->work + h + d->spans[0].from); /* speech holds still over a hop */
  uint32_t repaired = 0;
  for (uint32_t s = 0; s < spans; ++s) {
    const int32_t from = d->spans[s].from, next = s + 1 < spans ? d->spans[s + 1].from : n;
    int32_t to = d->spans[s].to < n - 1 ? d->spans[s].to : n - 1;
    to = to + 1 >= next ? n - 1 : to; /* nothing good after it in this hop: predict to the end */
    fs_ar_fill_gap(d->fill, d->work + h, from, to, (uint32_t)(next - to - 1));
    repaired += (uint32_t)(to - from + 1);
    c->continues = carried && s + 1 == spans && to == n - 1;
  }
  if (carried) {
    /* An event still open, repaired on no more than a guess (up to the
       hop's end, or to its last bad sample so far): keep what that
       changed, so the next hop can take it back should the event prove
       to be sound (see fs_declick_revoked). */
    const int32_t from = d->spans[spans - 1].from;
    c->held_from = from;
    c->held_count = n - from;
    for (int32_t i = from; i < n; ++i) {
      d->held[i - from] = x[i] - d->work[h + i];
    }
  } else {
    c->held_count = 0;
  }
  memcpy(x, d->work + h, (size_t)n * sizeof(float));
  return repaired;
}

/* For hops with something over the detection threshold or an event
   running on: the events, then the repair of the clicks among them.
   Returns the samples repaired; *peak becomes the hop's peak outside
   clicks, for the level ring. */
static FS_NOINLINE uint32_t repair_hop(fs_declick *d, float *x, float level, float *peak) {
  bool carried = false;
  const uint32_t spans = find_events(d, x, level, peak, &carried);
  if (spans == 0) {
    d->carry.held_count = 0;
    return 0;
  }
  return repair_spans(d, x, spans, carried);
}

uint32_t fs_declick_process(fs_declick *d, float *x) {
  const uint32_t n = d->hop;
  declick_carry *c = &d->carry;
  float level = FS_DECLICK_FLOOR, least = d->level[0];
  for (uint32_t i = 0; i < d->levels; ++i) {
    level = fs_maxf(level, d->level[i]);
    least = fs_minf(least, d->level[i]);
  }
  /* A level that held steady from hop to hop is noise's, whose peaks
     never stray far: a click stands out of it sooner than out of a
     voice, whose pulses may rise from one syllable to the next. */
  d->detect_now = level <= d->steady * least ? d->detect_steady : d->detect;
  const float x1 = x[n - 1], x2 = x[n - 2]; /* the input's, before any repair */
  float peak = difference_peak(x, n, c->x1, c->x2);
  uint32_t repaired = 0;
  d->revoked_count = 0;
  if (FS_UNLIKELY(c->open || peak > d->detect_now * level)) {
    repaired = repair_hop(d, x, level, &peak);
  } else {
    c->held_count = 0; /* held for one hop boundary only: by now the event has shown what it is */
  }
  d->level[c->level_at] = peak;
  d->amplitude[c->level_at] = fs_bits_value(fs_peak_bits(x, n));
  c->level_at = c->level_at + 1u < d->levels ? c->level_at + 1u : 0u;
  c->x1 = x1;
  c->x2 = x2;
  /* The output joins the history that models are fitted to. */
  const uint32_t at = c->history_at, head = d->ring - at < n ? d->ring - at : n;
  memcpy(d->history + at, x, head * sizeof(float));
  memcpy(d->history, x + head, (n - head) * sizeof(float));
  c->history_at = (at + n) & (d->ring - 1u);
  return repaired;
}

uint32_t fs_declick_revoked(const fs_declick *d, uint32_t *from, const float **difference) {
  *from = (uint32_t)d->revoked_from;
  *difference = d->revoked;
  return d->revoked_count;
}

size_t fs_declick_state_size(const fs_declick *d) {
  return sizeof(declick_carry) + (2u * d->levels + d->ring + d->hop) * sizeof(float);
}

/* Snapshot layout: carry | level ring | history ring | held | amplitude ring. */
void fs_declick_save(const fs_declick *d, void *dst) {
  unsigned char *p = dst;
  memcpy(p, &d->carry, sizeof(declick_carry));
  memcpy(p + sizeof(declick_carry), d->level, (d->levels + d->ring) * sizeof(float));
  p += sizeof(declick_carry) + (d->levels + d->ring) * sizeof(float);
  memcpy(p, d->held, d->hop * sizeof(float));
  memcpy(p + d->hop * sizeof(float), d->amplitude, d->levels * sizeof(float));
}

void fs_declick_load(fs_declick *d, const void *src) {
  const unsigned char *p = src;
  memcpy(&d->carry, p, sizeof(declick_carry));
  memcpy(d->level, p + sizeof(declick_carry), (d->levels + d->ring) * sizeof(float));
  p += sizeof(declick_carry) + (d->levels + d->ring) * sizeof(float);
  memcpy(d->held, p, d->hop * sizeof(float));
  memcpy(d->amplitude, p + d->hop * sizeof(float), d->levels * sizeof(float));
  d->revoked_count = 0;
}

bool fs_declick_state_is_finite(const fs_declick *d) {
  const declick_carry *c = &d->carry;
  return isfinite(c->x1) && isfinite(c->x2) && isfinite(c->pending) && isfinite(c->base) &&
         isfinite(c->amplitude) && isfinite(c->peak_x) && isfinite(c->split_peak) && isfinite(c->split_peak_x) &&
         fs_all_finite(d->level, d->levels + d->ring) && fs_all_finite(d->held, d->hop) &&
         fs_all_finite(d->amplitude, d->levels);
}

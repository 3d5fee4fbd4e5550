/* fs_noise_tracker: see the header.  The start-up trials, the minimum
   search and the SPP update share the counters and the minima, so they
   stay in one file, a little past the usual 500 lines; the level follower,
   which needs only the estimate, is a module of its own. */
#include "fs_noise_tracker.h"

#include "fs_fastmath.h"
#include "fs_level_follower.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The mutable part, laid out for one-copy snapshots. */
typedef struct {
  uint32_t updates;      /* real frames since reset, saturating at init_updates */
  uint32_t subwindow;    /* which minimum is being gathered */
  uint32_t in_subwindow; /* updates gathered into it so far */
  uint32_t hold;         /* frames still to skip: partly reset zeros or silence */
  uint32_t restart_pending; /* the input's make-up changed: search the minimum afresh */
  uint32_t silent_run;   /* silent frames in a row, saturating at silence_updates */
  uint32_t heard;        /* a frame that was not silent has come since reset */
  uint32_t silence_left; /* frames until the last silent frame leaves the minimum window */
  uint32_t release_left; /* steady frames still needed before that silence is let go */
  uint32_t leading;      /* the next start is the first: nothing heard before it */
  uint32_t lenient_left; /* frames of the lenient trial still to go (first starts only) */
  float energy_low;      /* lowest and highest log2 level since the (re)start */
  float energy_high;
  float lenient_level;   /* that level smoothed, for the lenient trial */
  float lenient_low;     /* ...and its lowest and highest since the (re)start */
  float lenient_high;
} tracker_counters;

struct fs_noise_tracker {
  uint32_t bins;
  uint32_t settle_updates; /* frames still partly made of reset zeros */
  uint32_t init_updates;   /* end of the start-up average */
  float psd_smoothing;     /* per-update weight of the old noise estimate */
  float spp_smoothing;     /* per-update weight of the old smoothed SPP */
  float likelihood_slope;  /* xi_H1 / (1 + xi_H1) */
  float odds_h0;           /* (1 - P(H1)) / P(H1) * (1 + xi_H1) */
  float minimum_smoothing; /* per-update weight of the old smoothed power */
  float cap;               /* FS_NOISE_CAP_DB as a power ratio */
  uint32_t subwindow_updates;
  float silent_bin;        /* bin power of a frame at FS_SILENCE_DBFS */
  uint32_t window_updates; /* the minimum window in updates: how long a silence holds the cap */
  uint32_t silence_updates; /* FS_SILENCE_MIN_MS in updates */
  uint32_t release_updates; /* FS_NOISE_STEADY_MS in updates */
  float steady_span;        /* FS_NOISE_STEADY_DB in log2 of a power */
  uint32_t lenient_updates; /* FS_NOISE_LENIENT_MS in updates */
  float lenient_span;       /* FS_NOISE_LENIENT_DB in log2 of a power */
  float lenient_smoothing;  /* per-update weight of the old smoothed level */
  float lift;               /* FS_NOISE_LIFT_DB as a power ratio */

  tracker_counters counters;
  float *psd;          /* noise power estimate */
  float *spp_average;  /* slowly smoothed presence probability */
  float *presence;     /* last presence probability (output only) */
  float *smoothed;     /* smoothed power, for the minimum search */
  float *minima;       /* FS_MINIMUM_SUBWINDOWS rows of per-bin minima */
  float *window_min;   /* scratch: their minimum */
  float *average;      /* the start-up average, before any cap */
  fs_level_follower *level; /* moves the whole estimate when the floor moves */
};

fs_noise_tracker *fs_noise_tracker_create(uint32_t bins, double hop_seconds, uint32_t settle_hops,
                                          float window_power) {
  if (bins < 4 || !(hop_seconds > 0.0) || !(window_power > 0.0f)) {
    return NULL;
  }
  fs_noise_tracker *t = calloc(1, sizeof(*t));
  if (!t) {
    return NULL;
  }
  t->bins = bins;
  t->psd = calloc(bins, sizeof(float));
  t->spp_average = calloc(bins, sizeof(float));
  t->presence = calloc(bins, sizeof(float));
  t->smoothed = calloc(bins, sizeof(float));
  t->minima = calloc((size_t)bins * FS_MINIMUM_SUBWINDOWS, sizeof(float));
  t->window_min = calloc(bins, sizeof(float));
  t->average = calloc(bins, sizeof(float));
  /* White noise of mean square m gives each bin m * sum(w^2). */
  t->silent_bin = (float)(pow(10.0, FS_SILENCE_DBFS / 10.0) * window_power);
  t->level = fs_level_follower_create(bins, hop_seconds, t->silent_bin);
  if (!t->psd || !t->spp_average || !t->presence || !t->smoothed || !t->minima || !t->window_min || !t->average || !t->level) {
    fs_noise_tracker_destroy(t);
    return NULL;
  }
  const double hop_ms = hop_seconds * 1000.0;
  t->settle_updates = settle_hops;
  t->init_updates = (uint32_t)ceil(FS_NOISE_INIT_MS / hop_ms);
  t->psd_smoothing = (float)exp(-hop_ms / FS_NOISE_SMOOTH_MS);
  t->spp_smoothing = (float)exp(-hop_ms / FS_SPP_SMOOTH_MS);
  const double xi_h1 = pow(10.0, FS_SPP_XI_H1_DB / 10.0);
  t->likelihood_slope = (float)(xi_h1 / (1.0 + xi_h1));
  t->odds_h0 = (float)((1.0 - FS_SPP_PRIOR_H1) / FS_SPP_PRIOR_H1 * (1.0 + xi_h1));
  t->minimum_smoothing = (float)exp(-hop_ms / FS_MINIMUM_SMOOTH_MS);
  t->cap = (float)pow(10.0, FS_NOISE_CAP_DB / 10.0);
  t->subwindow_updates = (uint32_t)ceil(FS_MINIMUM_WINDOW_MS / FS_MINIMUM_SUBWINDOWS / hop_ms);
  t->window_updates = t->subwindow_updates * FS_MINIMUM_SUBWINDOWS;
  t->silence_updates = (uint32_t)ceil(FS_SILENCE_MIN_MS / hop_ms);
  t->release_updates = (uint32_t)ceil(FS_NOISE_STEADY_MS / hop_ms);
  t->steady_span = FS_NOISE_STEADY_DB * FS_LOG2_10_OVER_10;
  t->lenient_updates = (uint32_t)ceil(FS_NOISE_LENIENT_MS / hop_ms);
  t->lenient_span = FS_NOISE_LENIENT_DB * FS_LOG2_10_OVER_10;
  t->lenient_smoothing = (float)exp(-hop_ms / FS_NOISE_LENIENT_SMOOTH_MS);
  t->lift = (float)pow(10.0, FS_NOISE_LIFT_DB / 10.0);
  fs_noise_tracker_reset(t);
  return t;
}

void fs_noise_tracker_destroy(fs_noise_tracker *t) {
  if (!t) {
    return;
  }
  free(t->psd);
  free(t->spp_average);
  free(t->presence);
  free(t->smoothed);
  free(t->minima);
  free(t->window_min);
  free(t->average);
  fs_level_follower_destroy(t->level);
  free(t);
}

void fs_noise_tracker_reset(fs_noise_tracker *t) {
  memset(&t->counters, 0, sizeof(t->counters));
  fs_level_follower_reset(t->level);
  /* The first frames after a reset still hold the cleared history. */
  t->counters.hold = t->settle_updates;
  /* The first start gets the lenient trial, with leading silence or
     without: both then start the same way. */
  t->counters.leading = 1;
  for (uint32_t k = 0; k < t->bins; ++k) {
    t->psd[k] = FS_POWER_FLOOR;
    t->spp_average[k] = 0.0f;
    t->presence[k] = 0.0f;
    t->smoothed[k] = 0.0f;
    t->average[k] = FS_POWER_FLOOR;
  }
  /* "No minimum yet": the cap cannot bind until a window has been seen. */
  for (size_t i = 0; i < (size_t)t->bins * FS_MINIMUM_SUBWINDOWS; ++i) {
    t->minima[i] = FLT_MAX;
  }
}

/* Smooth the power with weight `keep` on the past and keep per-subwindow
   minima; the oldest subwindow is overwritten as the newest starts, so the
   minima span the whole window. */
static void gather_minimum(fs_noise_tracker *t, const float *power, float keep) {
  tracker_counters *c = &t->counters;
  float *current = t->minima + (size_t)c->subwindow * t->bins;
  const int starting = c->in_subwindow == 0;
  for (uint32_t k = 0; k < t->bins; ++k) {
    const float s = keep * t->smoothed[k] + (1.0f - keep) * power[k];
    t->smoothed[k] = s;
    current[k] = (starting || s < current[k]) ? s : current[k];
  }
  if (++c->in_subwindow == t->subwindow_updates) {
    c->in_subwindow = 0;
    c->subwindow = (c->subwindow + 1) % FS_MINIMUM_SUBWINDOWS;
  }
}

static void follow_minimum(fs_noise_tracker *t, const float *power) {
  gather_minimum(t, power, t->minimum_smoothing);
}

/* The frame's mean log2 bin power: its level whatever its colour, and
   for noise steady to a fraction of a dB (the log of each bin scatters
   by 5.6 dB, the mean over a few hundred bins by about 0.3). */
static float log_level(const fs_noise_tracker *t, const float *power) {
  float sum = 0.0f;
  for (uint32_t k = 0; k < t->bins; ++k) {
    sum += fs_log2(power[k]);
  }
  return sum / (float)t->bins;
}

/* Start the minimum search afresh from this spectrum. */
static void start_minimum(fs_noise_tracker *t, const float *power) {
  tracker_counters *c = &t->counters;
  for (size_t i = 0; i < (size_t)t->bins * FS_MINIMUM_SUBWINDOWS; ++i) {
    t->minima[i] = FLT_MAX;
  }
  c->subwindow = 0;
  c->in_subwindow = 0;
  memcpy(t->smoothed, power, t->bins * sizeof(float));
  c->silence_left = 0;
  follow_minimum(t, power);
}

/* Minimum over all subwindows, bin by bin, into window_min. */
static void window_minimum(fs_noise_tracker *t) {
  memcpy(t->window_min, t->minima, t->bins * sizeof(float));
  for (uint32_t w = 1; w < FS_MINIMUM_SUBWINDOWS; ++w) {
    const float *row = t->minima + (size_t)w * t->bins;
    for (uint32_t k = 0; k < t->bins; ++k) {
      t->window_min[k] = fs_min(t->window_min[k], row[k]);
    }
  }
}

/* One more frame into the plain average of the frames since the
   (re)start. */
static void update_average(fs_noise_tracker *t, const float *power) {
  const uint32_t n = ++t->counters.updates;
  if (n == 1) {
    /* A copy, not an update of whatever a last start left behind: the
       same input must give the same estimate after any reset. */
    memcpy(t->average, power, t->bins * sizeof(float));
  }
  const float weight = 1.0f / (float)n;
  for (uint32_t k = 0; n > 1 && k < t->bins; ++k) {
    t->average[k] = fs_max(t->average[k] + weight * (power[k] - t->average[k]), FS_POWER_FLOOR);
  }
}

/* The start-up: that average is the estimate.  While silence still holds
   the minimum search (`capped`), the estimate is the average held under
   the cap, so a first word is not taken for noise before the signal has
   proved steady. */
static void start_up_average(fs_noise_tracker *t, const float *power, bool capped) {
  update_average(t, power);
  if (!capped) {
    memcpy(t->psd, t->average, t->bins * sizeof(float));
    return;
  }
  window_minimum(t);
  for (uint32_t k = 0; k < t->bins; ++k) {
    t->psd[k] = fs_max(fs_min(t->average[k], t->cap * t->window_min[k]), FS_POWER_FLOOR);
  }
}

/* The sum of a frame's bin powers. */
static float frame_energy(const fs_noise_tracker *t, const float *power) {
  float sum[4] = {0};
  const uint32_t whole = t->bins & ~3u;
  for (uint32_t k = 0; k < whole; k += 4) {
    sum[0] += power[k];
    sum[1] += power[k + 1];
    sum[2] += power[k + 2];
    sum[3] += power[k + 3];
  }
  for (uint32_t k = whole; k < t->bins; ++k) {
    sum[0] += power[k];
  }
  return (sum[0] + sum[1]) + (sum[2] + sum[3]);
}

/* Multiply the estimate, and the minima that cap it, by `factor`: the
   whole floor moved. */
static void scale_estimate(fs_noise_tracker *t, float factor, bool with_minima) {
  const uint32_t bins = t->bins;
  float *restrict psd = t->psd;
  for (uint32_t k = 0; k < bins; ++k) {
    psd[k] = fs_max(psd[k] * factor, FS_POWER_FLOOR);
  }
  if (!with_minima) {
    return;
  }
  float *restrict minima = t->minima;
  for (size_t i = 0; i < (size_t)bins * FS_MINIMUM_SUBWINDOWS; ++i) {
    /* FLT_MAX ("no minimum yet") stays as it is. */
    minima[i] = minima[i] < FLT_MAX ? fs_max(minima[i] * factor, FS_POWER_FLOOR) : minima[i];
  }
}

/* The broadband level follower (fs_level_follower.h): moves the whole
   estimate when the noise floor has clearly moved as a whole. */
static void follow_level(fs_noise_tracker *t, const float *power) {
  bool with_minima = false;
  const float step_db = fs_level_follower_update(t->level, power, t->psd, t->presence, &with_minima);
  if (step_db != 0.0f) {
    scale_estimate(t, fs_exp2(step_db * FS_LOG2_10_OVER_10), with_minima);
  }
}

/* A silent frame counts itself into silent_run, which any other frame
   sets back to 0. */
bool fs_noise_tracker_silent(const fs_noise_tracker *t) { return t->counters.silent_run > 0; }

void fs_noise_tracker_update(fs_noise_tracker *t, const float *power) {
  tracker_counters *c = &t->counters;
  const float energy = frame_energy(t, power);
  if (energy < t->silent_bin * (float)t->bins) {
    /* Digital silence or near-silence says nothing about the noise's
       level or colour, so the estimate is not updated, and the next
       frames, which still hold some of the silence, are skipped too.
       Once it has lasted FS_SILENCE_MIN_MS (not a dropout of a few
       milliseconds) it does say the noise is no louder than that: a gate
       closing between words, the pauses of a clean recording, a mute.  So
       it enters the minimum search as it is, whose cap then keeps the
       estimate off the speech that follows; and what follows is a new
       start, learned afresh once it proves to be steady noise (a stream
       starting, a microphone unmuted). */
    /* One more frame than the analysis overlap: the frame that ends the
       silence may pass for silent with the onset at its edge, and the
       step from zeros would then lift the next frame's quiet bins. */
    c->hold = t->settle_updates + 1u;
    /* Before anything was heard, silence of any length counts, and what
       follows is still a first start (see the lenient trial below).
       Silence that comes back before a first start has been judged, even
       a few milliseconds of it, says it was no noise floor (a clean
       recording's first word): no lenient trial then. */
    c->leading = !c->heard;
    c->lenient_left = 0;
    if (++c->silent_run >= t->silence_updates || !c->heard) {
      c->silent_run = t->silence_updates;
      c->silence_left = t->window_updates;
      /* Unsmoothed: it says at once that the noise is no louder. */
      gather_minimum(t, power, 0.0f);
      c->updates = 0;
    }
    return;
  }
  c->silent_run = 0;
  c->heard = 1;
  if (c->hold > 0) {
    c->hold--;
    return;
  }
  if (c->updates == 0) {
    /* A (re)start.  The signal is on trial for FS_NOISE_STEADY_MS: steady
       within FS_NOISE_STEADY_DB, it is noise, and the minimum search starts
       again from its average (started from single frames, whose bins
       scatter by 5.6 dB, the search would keep the unlucky low ones for a
       whole window, and the cap would hold the estimate under the noise
       there for seconds).  Speech is never that steady: then the search
       keeps what it has, and its cap pulls the estimate off the speech.
       After silence, which the search holds, the estimate is the start-up
       average held under that cap until the trial is over. */
    c->release_left = t->release_updates;
    c->lenient_left = c->leading ? t->lenient_updates : 0u;
    c->leading = 0;
    c->energy_low = INFINITY; /* the trial below takes this frame's level */
    c->energy_high = -INFINITY;
    c->lenient_low = INFINITY;
    c->lenient_high = -INFINITY;
  }
  if ((c->updates == 0 && c->silence_left == 0) || c->restart_pending) {
    c->restart_pending = 0;
    start_minimum(t, power);
  } else {
    follow_minimum(t, power);
  }
  const bool silence_leaving = c->silence_left == 1;
  c->silence_left -= c->silence_left > 0;
  const bool after_silence = c->silence_left > 0;
  if (c->release_left > 0 || c->lenient_left > 0) {
    const float level = log_level(t, power);
    c->energy_low = fs_min(c->energy_low, level);
    c->energy_high = fs_max(c->energy_high, level);
    bool noise = false;
    if (c->release_left > 0) {
      if (c->energy_high - c->energy_low > t->steady_span) {
        c->release_left = 0; /* not steady: speech, most likely */
      } else {
        noise = --c->release_left == 0;
      }
    }
    if (c->lenient_left > 0) {
      /* The lenient trial (first starts only): a signal that has held
         within FS_NOISE_LENIENT_DB and not gone back to silence for
         FS_NOISE_LENIENT_MS is noise that wavers (a crowd, a hum that
         beats).  After leading silence it would otherwise stay held
         under the silence's cap for a whole minimum window, where with
         no silence before it the start-up average takes it at once.  A
         voice's syllables span more than that, and a clean recording
         goes back to silence between its words.  The level is smoothed
         over FS_NOISE_LENIENT_SMOOTH_MS first: noise's single frames
         scatter, a syllable lasts ten times that. */
      const float keep = c->lenient_low > c->lenient_high ? 0.0f : t->lenient_smoothing;
      c->lenient_level = keep * c->lenient_level + (1.0f - keep) * level;
      c->lenient_low = fs_min(c->lenient_low, c->lenient_level);
      c->lenient_high = fs_max(c->lenient_high, c->lenient_level);
      if (noise || c->lenient_high - c->lenient_low > t->lenient_span) {
        c->lenient_left = 0;
      } else if (--c->lenient_left == 0) {
        noise = true;
      }
    }
    if (noise) {
      /* Noise: the minimum search starts from its average, silence
         forgotten, and after silence that average is the estimate.  What
         the level follower and the SPP's stagnation guard learned during
         the trial is moot: against an estimate held under a silence's cap
         every bin looked like speech, and without silence the start-up
         average took any first syllable in. */
      start_minimum(t, t->average);
      if (after_silence) {
        memcpy(t->psd, t->average, t->bins * sizeof(float));
      }
      fs_level_follower_reset(t->level);
      memset(t->spp_average, 0, t->bins * sizeof(float));
      c->release_left = 0;
      c->lenient_left = 0;
    }
  }
  if (c->updates < t->init_updates || (after_silence && c->release_left > 0)) {
    start_up_average(t, power, after_silence);
    return;
  }
  if (c->release_left > 0 || c->lenient_left > 0) {
    /* A trial goes on with the estimate: keep its average too. */
    update_average(t, power);
  }
  follow_level(t, power);
  window_minimum(t);
  /* Locals and restrict pointers: the arrays never alias each other or
     the struct, and saying so lets the loop vectorise. */
  const float a = t->psd_smoothing, b = t->spp_smoothing;
  const float slope = t->likelihood_slope, odds = t->odds_h0, cap = t->cap;
  const uint32_t bins = t->bins;
  float *restrict psd = t->psd;
  float *restrict spp_average = t->spp_average;
  float *restrict presence = t->presence;
  const float *restrict window_min = t->window_min;
  for (uint32_t k = 0; k < bins; ++k) {
    const float noise = psd[k];
    /* Posterior SPP: 1 / (1 + odds_h0 * exp(-slope * |Y|^2 / noise));
       fs_exp clamps its argument, so any ratio is safe. */
    float p = 1.0f / (1.0f + odds * fs_exp(-slope * power[k] / noise));
    const float average = b * spp_average[k] + (1.0f - b) * p;
    spp_average[k] = average;
    p = average > FS_SPP_STUCK_LEVEL ? fs_min(p, FS_SPP_STUCK_CAP) : p;
    presence[k] = p;
    const float expected_noise = (1.0f - p) * power[k] + p * noise;
    const float next = a * noise + (1.0f - a) * expected_noise;
    psd[k] = fs_max(fs_min(next, cap * window_min[k]), FS_POWER_FLOOR);
  }
  if (silence_leaving) {
    /* The silence has just left the minimum window.  A start that was not
       steady noise (a pump's rhythm, traffic) was held under the silence's
       cap all this while, and the SPP update, which takes most of such a
       floor for speech, would need tens of seconds to climb: the window's
       minimum, which no noise stays under for a whole window, is where
       the estimate starts from now, FS_NOISE_LIFT_DB under it.  Speech
       after silence leaves its pauses in that minimum; the margin keeps a
       clean recording's words that never pause for a whole window (a
       fast talker, a voice-over) from being taken down with it. */
    const float lift = t->lift;
    for (uint32_t k = 0; k < bins; ++k) {
      psd[k] = fs_max(psd[k], lift * window_min[k]);
    }
  }
}

const float *fs_noise_tracker_psd(const fs_noise_tracker *t) { return t->psd; }

const float *fs_noise_tracker_presence(const fs_noise_tracker *t) { return t->presence; }

size_t fs_noise_tracker_state_size(const fs_noise_tracker *t) {
  return sizeof(tracker_counters) + fs_level_follower_state_size() +
         (5u + FS_MINIMUM_SUBWINDOWS) * t->bins * sizeof(float);
}

void fs_noise_tracker_save(const fs_noise_tracker *t, void *dst) {
  unsigned char *d = dst;
  memcpy(d, &t->counters, sizeof(tracker_counters));
  d += sizeof(tracker_counters);
  fs_level_follower_save(t->level, d);
  d += fs_level_follower_state_size();
  memcpy(d, t->psd, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->spp_average, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->presence, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->smoothed, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->average, t->bins * sizeof(float));
  d += t->bins * sizeof(float);
  memcpy(d, t->minima, (size_t)FS_MINIMUM_SUBWINDOWS * t->bins * sizeof(float));
}

void fs_noise_tracker_load(fs_noise_tracker *t, const void *src) {
  const unsigned char *s = src;
  memcpy(&t->counters, s, sizeof(tracker_counters));
  s += sizeof(tracker_counters);
  fs_level_follower_load(t->level, s);
  s += fs_level_follower_state_size();
  memcpy(t->psd, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->spp_average, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->presence, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->smoothed, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->average, s, t->bins * sizeof(float));
  s += t->bins * sizeof(float);
  memcpy(t->minima, s, (size_t)FS_MINIMUM_SUBWINDOWS * t->bins * sizeof(float));
}

bool fs_noise_tracker_state_is_finite(const fs_noise_tracker *t) {
  return fs_level_follower_state_is_finite(t->level) && fs_all_finite(t->psd, t->bins) && fs_all_finite(t->spp_average, t->bins) &&
         fs_all_finite(t->presence, t->bins) && fs_all_finite(t->smoothed, t->bins) && fs_all_finite(t->average, t->bins) &&
         fs_all_finite(t->minima, (size_t)t->bins * FS_MINIMUM_SUBWINDOWS);
}

uint32_t fs_noise_tracker_denormals(const fs_noise_tracker *t) {
  /* By the bits: with denormals-are-zero on (as in the audio callback) a
     float comparison would see every denormal as 0. */
  uint32_t count = 0;
  for (uint32_t k = 0; k < t->bins; ++k) {
    uint32_t bits;
    memcpy(&bits, &t->psd[k], sizeof(bits));
    count += (bits & 0x7f800000u) == 0 && (bits & 0x007fffffu) != 0;
  }
  return count;
}

void fs_noise_tracker_hold(fs_noise_tracker *t, uint32_t updates) { t->counters.hold = updates; }

void fs_noise_tracker_restart_minimum(fs_noise_tracker *t) { t->counters.restart_pending = 1; }

void fs_noise_tracker_corrupt(fs_noise_tracker *t, float value) {
  for (uint32_t k = 0; k < t->bins; k += 4) {
    t->psd[k] = value;
  }
}

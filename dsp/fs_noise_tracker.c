#include "fs_noise_tracker.h"

#include "fs_fastmath.h"
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
  float level_mismatch;  /* dB the noise floor sits above the estimate, smoothed */
  uint32_t level_following; /* the floor moved past a dead zone; not landed yet */
  uint32_t level_moving;    /* updates until a still floor gets its dead zones back */
  uint32_t restart_pending; /* the input's make-up changed: search the minimum afresh */
  uint32_t silent_run;   /* silent frames in a row, saturating at silence_updates */
  uint32_t heard;        /* a frame that was not silent has come since reset */
  uint32_t silence_left; /* frames until the last silent frame leaves the minimum window */
  uint32_t release_left; /* steady frames still needed before that silence is let go */
  float energy_low;      /* lowest and highest log2 level since the (re)start */
  float energy_high;
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
  float level_smoothing;   /* per-update weight of the old level mismatch */
  float level_slew_db;     /* largest move of the level follower per update */
  uint32_t moving_updates; /* FS_LEVEL_MOVING_MS in updates */
  uint32_t window_updates; /* the minimum window in updates: how long a silence holds the cap */
  uint32_t silence_updates; /* FS_SILENCE_MIN_MS in updates */
  uint32_t release_updates; /* FS_NOISE_STEADY_MS in updates */
  float steady_span;        /* FS_NOISE_STEADY_DB in log2 of a power */
  float lift;               /* FS_NOISE_LIFT_DB as a power ratio */
  float probes[FS_LEVEL_PROBE_COUNT]; /* the level follower's, rising */

  tracker_counters counters;
  float *psd;          /* noise power estimate */
  float *spp_average;  /* slowly smoothed presence probability */
  float *presence;     /* last presence probability (output only) */
  float *smoothed;     /* smoothed power, for the minimum search */
  float *minima;       /* FS_MINIMUM_SUBWINDOWS rows of per-bin minima */
  float *window_min;   /* scratch: their minimum */
  float *average;      /* the start-up average, before any cap */
  float *ratio;        /* scratch for the level follower: power over estimate, */
  float *quiet_ratio;  /* ...and the same where speech was absent */
  uint32_t level_hint; /* where the last count found the first readable probe (speed only) */
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
  t->ratio = calloc(bins, sizeof(float));
  t->quiet_ratio = calloc(bins, sizeof(float));
  if (!t->psd || !t->spp_average || !t->presence || !t->smoothed || !t->minima || !t->window_min || !t->average || !t->ratio || !t->quiet_ratio) {
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
  /* White noise of mean square m gives each bin m * sum(w^2). */
  t->silent_bin = (float)(pow(10.0, FS_SILENCE_DBFS / 10.0) * window_power);
  t->level_smoothing = (float)exp(-hop_ms / FS_LEVEL_SMOOTH_MS);
  t->level_slew_db = (float)(FS_LEVEL_SLEW_DB_PER_S * hop_ms / 1000.0);
  t->moving_updates = (uint32_t)ceil(FS_LEVEL_MOVING_MS / hop_ms);
  t->window_updates = t->subwindow_updates * FS_MINIMUM_SUBWINDOWS;
  t->silence_updates = (uint32_t)ceil(FS_SILENCE_MIN_MS / hop_ms);
  t->release_updates = (uint32_t)ceil(FS_NOISE_STEADY_MS / hop_ms);
  t->steady_span = FS_NOISE_STEADY_DB * FS_LOG2_10_OVER_10;
  t->lift = (float)pow(10.0, FS_NOISE_LIFT_DB / 10.0);
  for (uint32_t i = 0; i < FS_LEVEL_PROBE_COUNT; ++i) {
    t->probes[i] = (float)(FS_LEVEL_LOWEST_PROBE * pow(10.0, FS_LEVEL_PROBE_SPACING_DB * i / 10.0));
  }
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
  free(t->ratio);
  free(t->quiet_ratio);
  free(t);
}

void fs_noise_tracker_reset(fs_noise_tracker *t) {
  memset(&t->counters, 0, sizeof(t->counters));
  /* The first frames after a reset still hold the cleared history. */
  t->counters.hold = t->settle_updates;
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

/* What the shares under each probe say, for `informative` bins: see
   level_reading. */
static float read_shares(const fs_noise_tracker *t, const uint32_t *below, uint32_t informative, bool *agreed) {
  const float *probes = t->probes;
  *agreed = false;
  if (informative < FS_LEVEL_MIN_BINS) {
    return NAN;
  }
  /* Every probe whose share is well inside (0, 1) gives a reading; they
     must agree, and there must be FS_LEVEL_MIN_READINGS of them. */
  const uint32_t low = (uint32_t)(FS_LEVEL_SHARE_EDGE * (float)informative);
  const uint32_t high = informative - low;
  float lowest = INFINITY, highest = -INFINITY, first = 0.0f;
  uint32_t found = 0;
  for (uint32_t i = 0; i < FS_LEVEL_PROBE_COUNT; ++i) {
    if (below[i] > low && below[i] < high) {
      const float share = (float)below[i] / (float)informative;
      /* 10 log10(probe / -ln(1 - share)), in the cheap log2. */
      const float reading = FS_DB_PER_OCTAVE * (fs_log2(probes[i]) - fs_log2(-fs_log2(1.0f - share) * FS_LN_2));
      first = found++ == 0 ? reading : first;
      lowest = fs_min(lowest, reading);
      highest = fs_max(highest, reading);
    }
  }
  if (found >= FS_LEVEL_MIN_READINGS) {
    *agreed = highest - lowest < FS_LEVEL_AGREEMENT_DB;
    /* The lowest probe's reading: the one speech disturbs least. */
    return *agreed ? first : NAN;
  }
  /* Too few readings to check their agreement.  A fall needs none: speech
     only ever lifts bins, so a floor that reads lower is lower.  With every
     bin under the lowest probe it fell further than the probes span: walk
     down, re-reading on every step.  (A rise that large is left to the SPP
     update: speech over a near-silent floor reads the same, and must not
     be taken for noise.) */
  if (found == 0 && below[0] >= high) {
    return -FS_LEVEL_SPAN_DB;
  }
  if (found > 0 && first < 0.0f) {
    return first;
  }
  return NAN;
}

/* How many of the n ratios sit under `limit`: one vectorised pass. */
static uint32_t count_under(const float *restrict ratio, uint32_t n, float limit) {
  uint32_t count = 0;
  for (uint32_t j = 0; j < n; ++j) {
    count += ratio[j] < limit;
  }
  return count;
}

/* For each probe, how many of the n ratios sit under it; the last count
   is of those that carry anything (under FLT_MAX).  Only the probes whose
   share can be read are counted: the counts rise with the probe, so from
   the last frame's first readable probe (`hint`) the pass goes down until
   a share is too small to read and up until one is too large; the probes
   beyond are set to 0 or to all, which read_shares takes exactly as their
   true counts.  That is about five passes instead of thirteen. */
static void count_below(fs_noise_tracker *t, const float *ratio, uint32_t n, uint32_t *below) {
  const uint32_t all = count_under(ratio, n, FLT_MAX);
  below[FS_LEVEL_PROBE_COUNT] = all;
  const uint32_t low = (uint32_t)(FS_LEVEL_SHARE_EDGE * (float)all), high = all - low;
  const uint32_t hint = t->level_hint < FS_LEVEL_PROBE_COUNT ? t->level_hint : 0u;
  uint32_t i = hint;
  below[i] = count_under(ratio, n, t->probes[i]);
  while (i > 0 && below[i] > low) {
    --i;
    below[i] = count_under(ratio, n, t->probes[i]);
  }
  for (uint32_t j = 0; j < i; ++j) {
    below[j] = 0;
  }
  t->level_hint = i;
  uint32_t j = hint + 1;
  for (; j < FS_LEVEL_PROBE_COUNT && below[j - 1] < high; ++j) {
    below[j] = count_under(ratio, n, t->probes[j]);
  }
  for (; j < FS_LEVEL_PROBE_COUNT; ++j) {
    below[j] = all;
  }
}

/* A reading taken with speech in some bins, put right.  Speech lifts a
   share s of the bins far above the floor, so under the low probes the
   shares are (1 - s) times the noise's: each low probe then reads the
   floor 1 / (1 - s) too loud, all alike, so they agree on it.  Noise at
   the reading's level leaves next to no bin over FS_LEVEL_NOISE_CEILING
   times it: the bins above are that share s. */
static float without_speech(const float *ratio, uint32_t n, uint32_t informative, float reading_db) {
  const float level = fs_exp2(reading_db * FS_LOG2_10_OVER_10);
  const float noise_share = (float)count_under(ratio, n, FS_LEVEL_NOISE_CEILING * level) / (float)informative;
  if (noise_share < FS_LEVEL_MIN_NOISE_SHARE) {
    return NAN; /* mostly speech: no reading of the floor */
  }
  return reading_db + FS_DB_PER_OCTAVE * fs_log2(noise_share);
}

/* How far the whole noise floor sits above the estimate, in dB, from one
   frame; or NAN when the frame does not look like the noise shifted as a
   whole (see the level follower in fs_tuning.h).  For Gaussian noise at c
   times the estimate, the share of bins under probe x estimate is
   1 - exp(-probe / c), so each probe gives its own reading of c: they agree
   when the noise moved as a whole, and spread apart when some bins stand
   far above the rest (speech) or the noise is not Gaussian-like.  *agreed
   says whether all bins' readings agreed (only then may the minima move). */
static float level_reading(fs_noise_tracker *t, const float *power, bool *agreed) {
  const uint32_t bins = t->bins;
  const float *restrict psd = t->psd;
  const float *restrict presence = t->presence; /* the last frame's */
  float *restrict ratio = t->ratio, *restrict quiet_ratio = t->quiet_ratio;
  const float silent = t->silent_bin, never = FLT_MAX;
  /* Every other bin's power against its estimate (neighbours of a
     Hann-windowed spectrum are correlated, so little is lost); FLT_MAX,
     under no probe, for a bin that carries nothing (silent) or, in the
     quiet set, speech.  DC and Nyquist stay out: one real value each, not
     two.  Then every count is a plain pass the compiler vectorises. */
  const uint32_t n = (bins - 1) / 2;
  for (uint32_t j = 0; j < n; ++j) {
    const uint32_t k = 2 * j + 1;
    const float r = power[k] > silent ? power[k] / psd[k] : never;
    ratio[j] = r;
    quiet_ratio[j] = presence[k] < FS_LEVEL_QUIET_PRESENCE ? r : never;
  }
  uint32_t below[FS_LEVEL_PROBE_COUNT + 1];
  count_below(t, ratio, n, below);
  const float whole = read_shares(t, below, below[FS_LEVEL_PROBE_COUNT], agreed);
  if (*agreed || !isnan(whole)) {
    return without_speech(ratio, n, below[FS_LEVEL_PROBE_COUNT], whole);
  }
  /* Speech in the frame spreads the readings of all bins apart.  The bins
     it left alone in the last frame (low speech presence) still read the
     noise: the level follows it through words, not only between them.
     Their verdict moves the estimate, not the minima (see follow_level). */
  count_below(t, quiet_ratio, n, below);
  bool quiet_agreed;
  const float reading = read_shares(t, below, below[FS_LEVEL_PROBE_COUNT], &quiet_agreed);
  return quiet_agreed ? without_speech(quiet_ratio, n, below[FS_LEVEL_PROBE_COUNT], reading) : NAN;
}

/* The broadband level follower: moves the whole estimate when the noise
   floor has clearly moved as a whole. */
static void follow_level(fs_noise_tracker *t, const float *power) {
  tracker_counters *c = &t->counters;
  bool agreed = false;
  const float reading = level_reading(t, power, &agreed);
  const float a = t->level_smoothing;
  /* A frame that does not look like shifted noise counts as no shift. */
  c->level_mismatch = a * c->level_mismatch + (1.0f - a) * (isnan(reading) ? 0.0f : reading);
  /* Past a dead zone the floor has clearly moved: follow it all the way,
     until it reads within FS_LEVEL_LANDED_DB (inside the dead zone the
     readings' own scatter would only make the estimate hunt).  While the
     floor keeps moving (it moved within FS_LEVEL_MOVING_MS), a narrower
     zone keeps the estimate with it rather than a whole dead zone behind. */
  const float m = c->level_mismatch;
  const float rise = c->level_moving > 0 ? FS_LEVEL_MOVING_DB : FS_LEVEL_RISE_DB;
  const float fall = c->level_moving > 0 ? FS_LEVEL_MOVING_DB : FS_LEVEL_FALL_DB;
  c->level_following = c->level_following ? fabsf(m) > FS_LEVEL_LANDED_DB : (m > rise || m < -fall);
  const float step_db = c->level_following ? fs_max(fs_min(m, t->level_slew_db), -t->level_slew_db) : 0.0f;
  c->level_moving = c->level_following ? t->moving_updates : c->level_moving - (c->level_moving > 0);
  if (step_db != 0.0f) {
    /* The minima that cap the estimate move along only when this frame's
       readings agreed (in the separable picture the floor's level moves,
       its shape does not): a reading past the probes' span cannot tell
       speech over silence from a much louder noise, so it may lift the
       estimate only as far as the cap lets it. */
    scale_estimate(t, fs_exp2(step_db * FS_LOG2_10_OVER_10), agreed);
    /* The evidence was against the old estimate. */
    c->level_mismatch -= step_db;
  }
}

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
    c->hold = t->settle_updates;
    /* Before anything was heard, silence of any length counts. */
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
    c->energy_low = INFINITY; /* the trial below takes this frame's level */
    c->energy_high = -INFINITY;
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
  if (c->release_left > 0) {
    const float level = log_level(t, power);
    c->energy_low = fs_min(c->energy_low, level);
    c->energy_high = fs_max(c->energy_high, level);
    if (c->energy_high - c->energy_low > t->steady_span) {
      c->release_left = 0; /* not steady: speech, most likely */
    } else if (--c->release_left == 0) {
      /* Steady noise: the minimum search starts from its average, silence
         forgotten; after silence, that average is the estimate. */
      start_minimum(t, t->average);
      if (after_silence) {
        memcpy(t->psd, t->average, t->bins * sizeof(float));
      }
    }
  }
  if (c->updates < t->init_updates || (after_silence && c->release_left > 0)) {
    start_up_average(t, power, after_silence);
    return;
  }
  if (c->release_left > 0) {
    /* The trial goes on with the estimate: keep its average too. */
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
  return sizeof(tracker_counters) + (5u + FS_MINIMUM_SUBWINDOWS) * t->bins * sizeof(float);
}

void fs_noise_tracker_save(const fs_noise_tracker *t, void *dst) {
  unsigned char *d = dst;
  memcpy(d, &t->counters, sizeof(tracker_counters));
  d += sizeof(tracker_counters);
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
  return isfinite(t->counters.level_mismatch) && fs_all_finite(t->psd, t->bins) && fs_all_finite(t->spp_average, t->bins) &&
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

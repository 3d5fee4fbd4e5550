#include "fs_level_follower.h"

#include "fs_fastmath.h"
#include "fs_tuning.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The mutable part, laid out for one-copy snapshots. */
typedef struct {
  float mismatch;     /* dB the noise floor sits above the estimate, smoothed */
  uint32_t following; /* the floor moved past a dead zone; not landed yet */
  uint32_t moving;    /* updates until a still floor gets its dead zones back */
} follower_state;

struct fs_level_follower {
  uint32_t bins;
  float silent_bin;        /* bin power of a frame at FS_SILENCE_DBFS */
  float smoothing;         /* per-update weight of the old mismatch */
  float slew_db;           /* largest move per update */
  uint32_t moving_updates; /* FS_LEVEL_MOVING_MS in updates */
  float probes[FS_LEVEL_PROBE_COUNT]; /* rising */
  follower_state state;
  float *ratio;       /* scratch: power over estimate, */
  float *quiet_ratio; /* ...and the same where speech was absent */
  uint32_t hint;      /* where the last count found the first readable probe (speed only) */
};

fs_level_follower *fs_level_follower_create(uint32_t bins, double hop_seconds, float silent_bin) {
  if (bins < 4 || !(hop_seconds > 0.0) || !(silent_bin > 0.0f)) {
    return NULL;
  }
  fs_level_follower *f = calloc(1, sizeof(*f));
  if (!f) {
    return NULL;
  }
  f->bins = bins;
  f->ratio = calloc(bins, sizeof(float));
  f->quiet_ratio = calloc(bins, sizeof(float));
  if (!f->ratio || !f->quiet_ratio) {
    fs_level_follower_destroy(f);
    return NULL;
  }
  const double hop_ms = hop_seconds * 1000.0;
  f->silent_bin = silent_bin;
  f->smoothing = (float)exp(-hop_ms / FS_LEVEL_SMOOTH_MS);
  f->slew_db = (float)(FS_LEVEL_SLEW_DB_PER_S * hop_ms / 1000.0);
  f->moving_updates = (uint32_t)ceil(FS_LEVEL_MOVING_MS / hop_ms);
  for (uint32_t i = 0; i < FS_LEVEL_PROBE_COUNT; ++i) {
    f->probes[i] = (float)(FS_LEVEL_LOWEST_PROBE * pow(10.0, FS_LEVEL_PROBE_SPACING_DB * i / 10.0));
  }
  return f;
}

void fs_level_follower_destroy(fs_level_follower *f) {
  if (!f) {
    return;
  }
  free(f->ratio);
  free(f->quiet_ratio);
  free(f);
}

void fs_level_follower_reset(fs_level_follower *f) { memset(&f->state, 0, sizeof(f->state)); }

/* What the shares under each probe say, for `informative` bins: see
   level_reading. */
static float read_shares(const fs_level_follower *f, const uint32_t *below, uint32_t informative, bool *agreed) {
  const float *probes = f->probes;
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
static void count_below(fs_level_follower *f, const float *ratio, uint32_t n, uint32_t *below) {
  const uint32_t all = count_under(ratio, n, FLT_MAX);
  below[FS_LEVEL_PROBE_COUNT] = all;
  const uint32_t low = (uint32_t)(FS_LEVEL_SHARE_EDGE * (float)all), high = all - low;
  const uint32_t hint = f->hint < FS_LEVEL_PROBE_COUNT ? f->hint : 0u;
  uint32_t i = hint;
  below[i] = count_under(ratio, n, f->probes[i]);
  while (i > 0 && below[i] > low) {
    --i;
    below[i] = count_under(ratio, n, f->probes[i]);
  }
  for (uint32_t j = 0; j < i; ++j) {
    below[j] = 0;
  }
  f->hint = i;
  uint32_t j = hint + 1;
  for (; j < FS_LEVEL_PROBE_COUNT && below[j - 1] < high; ++j) {
    below[j] = count_under(ratio, n, f->probes[j]);
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
static float level_reading(fs_level_follower *f, const float *restrict power, const float *restrict psd,
                           const float *restrict presence, bool *agreed) {
  const uint32_t bins = f->bins;
  float *restrict ratio = f->ratio, *restrict quiet_ratio = f->quiet_ratio;
  const float silent = f->silent_bin, never = FLT_MAX;
  /* Every bin's power against its estimate; FLT_MAX, under no probe, for
     a bin that carries nothing (silent) or, in the quiet set, speech.
     Neighbours of a Hann-windowed spectrum are correlated, but every other
     bin alone left the shares scattering so much that the probes on a
     swinging floor seldom agreed, and it was followed late.  DC and
     Nyquist stay out: one real value each, not two.  Then every count is
     a plain pass the compiler vectorises. */
  const uint32_t n = bins - 2;
  for (uint32_t j = 0; j < n; ++j) {
    const uint32_t k = j + 1;
    const float r = power[k] > silent ? power[k] / psd[k] : never;
    ratio[j] = r;
    quiet_ratio[j] = presence[k] < FS_LEVEL_QUIET_PRESENCE ? r : never;
  }
  uint32_t below[FS_LEVEL_PROBE_COUNT + 1];
  count_below(f, ratio, n, below);
  const float whole = read_shares(f, below, below[FS_LEVEL_PROBE_COUNT], agreed);
  if (*agreed || !isnan(whole)) {
    return without_speech(ratio, n, below[FS_LEVEL_PROBE_COUNT], whole);
  }
  /* Speech in the frame spreads the readings of all bins apart.  The bins
     it left alone in the last frame (low speech presence) still read the
     noise: the level follows it through words, not only between them.
     Their verdict moves the estimate, not the minima (see
     fs_level_follower_update). */
  count_below(f, quiet_ratio, n, below);
  bool quiet_agreed;
  const float reading = read_shares(f, below, below[FS_LEVEL_PROBE_COUNT], &quiet_agreed);
  return quiet_agreed ? without_speech(quiet_ratio, n, below[FS_LEVEL_PROBE_COUNT], reading) : NAN;
}

float fs_level_follower_update(fs_level_follower *f, const float *power, const float *psd, const float *presence,
                               bool *with_minima) {
  follower_state *c = &f->state;
  bool agreed = false;
  const float reading = level_reading(f, power, psd, presence, &agreed);
  const float a = f->smoothing;
  /* A frame that does not look like shifted noise counts as no shift. */
  c->mismatch = a * c->mismatch + (1.0f - a) * (isnan(reading) ? 0.0f : reading);
  /* Past a dead zone the floor has clearly moved: follow it all the way,
     until it reads within FS_LEVEL_LANDED_DB (inside the dead zone the
     readings' own scatter would only make the estimate hunt).  While the
     floor keeps moving (it moved within FS_LEVEL_MOVING_MS), a narrower
     zone keeps the estimate with it rather than a whole dead zone behind. */
  const float m = c->mismatch;
  const float rise = c->moving > 0 ? FS_LEVEL_MOVING_DB : FS_LEVEL_RISE_DB;
  const float fall = c->moving > 0 ? FS_LEVEL_MOVING_DB : FS_LEVEL_FALL_DB;
  c->following = c->following ? fabsf(m) > FS_LEVEL_LANDED_DB : (m > rise || m < -fall);
  const float step_db = c->following ? fs_max(fs_min(m, f->slew_db), -f->slew_db) : 0.0f;
  c->moving = c->following ? f->moving_updates : c->moving - (c->moving > 0);
  /* The minima that cap the estimate move along only when this frame's
     readings agreed (in the separable picture the floor's level moves, its
     shape does not): a reading past the probes' span cannot tell speech
     over silence from a much louder noise, so it may lift the estimate
     only as far as the cap lets it. */
  *with_minima = agreed;
  /* The evidence was against the old estimate. */
  c->mismatch -= step_db;
  return step_db;
}

size_t fs_level_follower_state_size(void) { return sizeof(follower_state); }

void fs_level_follower_save(const fs_level_follower *f, void *dst) { memcpy(dst, &f->state, sizeof(follower_state)); }

void fs_level_follower_load(fs_level_follower *f, const void *src) { memcpy(&f->state, src, sizeof(follower_state)); }

bool fs_level_follower_state_is_finite(const fs_level_follower *f) { return isfinite(f->state.mismatch); }

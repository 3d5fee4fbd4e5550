#include "fs_learner.h"
#include "fs_learner_model.h"

#include "fs_analysis.h"
#include "fs_cause.h"
#include "fs_taxonomy.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MARGINAL_MIN = 5, CLIP_TRIM_DEEPER_AFTER = 10 };

/* ---- life cycle ---------------------------------------------------------- */

void fs_learner_set_defaults(fs_learner *l, uint64_t seed) {
  memset(l, 0, sizeof(*l));
  l->seed = seed;
  l->max_clip_input_db = -INFINITY;
  fs_analysis_init(&l->session);
}

fs_learner *fs_learner_create(uint64_t seed) {
  fs_learner *l = malloc(sizeof(*l));
  if (l) fs_learner_set_defaults(l, seed);
  return l;
}

void fs_learner_destroy(fs_learner *l) { free(l); }

void fs_learner_reset(fs_learner *l) { fs_learner_set_defaults(l, l->seed); }

/* ---- evidence ---------------------------------------------------------- */

/* Every counter of the model stops at UINT32_MAX instead of wrapping: a
   model loaded near the top (years of incidents, or a blob written so)
   must not wrap to 0 on the next incident, which would break the
   invariants the loader checks (chaos_incidents <= incidents, ...) and
   make the next saved blob look corrupt, throwing the model away. */
static void saturating_increment(uint32_t *counter) {
  if (*counter < UINT32_MAX) ++*counter;
}

static void ring_push(reading_ring *r, float value, bool chaos) {
  r->value[r->next] = value;
  r->chaos[r->next] = chaos;
  r->next = (r->next + 1u) % RING;
  if (r->filled < RING) ++r->filled;
}

static void count_outcome(fs_learner *l, const fs_event *e) {
  if (e->action >= FS_STRATEGY_COUNT) return;
  uint32_t *tries = l->tries[e->cause], *wins = l->successes[e->cause];
  ++tries[e->action]; /* below FS_LEARNER_WINDOW: halved on reaching it */
  if (e->success) ++wins[e->action];
  saturating_increment(&l->outcomes[e->cause]);
  if (tries[e->action] >= FS_LEARNER_WINDOW) {
    /* Halve the whole cause: ratios stay, old evidence weighs less. */
    for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
      tries[s] /= 2u;
      wins[s] /= 2u;
    }
  }
}

static void count_incident(fs_learner *l, const fs_event *e) {
  int cause = e->cause;
  /* Saturated alike, the counters keep chaos_incidents, reduction_count
     and small_block_overruns <= incidents. */
  saturating_increment(&l->incidents[cause]);
  if (e->chaos) {
    /* Injected: it says nothing about this machine or this material, so it
       feeds no prevention, budget or advice (only "set chaos to 0"). */
    saturating_increment(&l->chaos_incidents[cause]);
    return;
  }
  /* The mean needs sum and count to move together: once the count is
     saturated the sum stops too. */
  if (isfinite(e->reduction_db) && l->reduction_count[cause] < UINT32_MAX) {
    ++l->reduction_count[cause];
    l->reduction_sum[cause] += e->reduction_db;
  }
  switch (cause) {
  case FS_CAUSE_DEADLINE:
    if (e->block > 0 && e->block <= FS_ANALYSIS_SMALL_BLOCK) {
      saturating_increment(&l->small_block_overruns);
    }
    if (e->block > 0 && (l->min_overrun_block == 0 || e->block < l->min_overrun_block)) {
      l->min_overrun_block = e->block;
    }
    if (isfinite(e->dsp_load) && isfinite(e->budget_pct)) {
      deadline_ring *d = &l->deadline;
      d->load[d->next] = e->dsp_load;
      d->budget[d->next] = e->budget_pct;
      d->next = (d->next + 1u) % RING;
      if (d->filled < RING) ++d->filled;
    }
    break;
  case FS_CAUSE_INPUT_CLIPPED:
    if (isfinite(e->input_db) && e->input_db > l->max_clip_input_db) {
      l->max_clip_input_db = e->input_db;
    }
    break;
  case FS_CAUSE_MUSICAL_NOISE:
    if (isfinite(e->value)) ring_push(&l->musical_noise, e->value, e->chaos != 0);
    break;
  case FS_CAUSE_SPECTRAL_FLUX:
    if (isfinite(e->value)) ring_push(&l->flux, e->value, e->chaos != 0);
    break;
  default: break;
  }
}

void fs_learner_observe(fs_learner *l, const fs_event *e) {
  if (e->cause >= FS_CAUSE_COUNT) return;
  if (e->kind == FS_EVENT_OUTCOME) count_outcome(l, e);
  if (fs_analysis_add(&l->session, e)) count_incident(l, e);
}

/* ---- ranking ------------------------------------------------------------- */

/* Tie-break among equally scored strategies not in the built-in order:
   the least disruptive first. */
static int disruption(int strategy) {
  static const int rank[FS_STRATEGY_COUNT] = {[FS_STRATEGY_NONE] = 0, [FS_STRATEGY_ADJUST] = 1,
                              [FS_STRATEGY_LIGHT] = 2, [FS_STRATEGY_REBUILD] = 3,
                              [FS_STRATEGY_BYPASS] = 4};
  return rank[strategy];
}

/* Does a rank before b?  Scores compared exactly, as cross products. */
static bool ranks_before(const fs_learner *l, int cause, const uint8_t *builtin, int a, int b) {
  uint64_t score_a = (uint64_t)(l->successes[cause][a] + 1u) * (l->tries[cause][b] + 2u);
  uint64_t score_b = (uint64_t)(l->successes[cause][b] + 1u) * (l->tries[cause][a] + 2u);
  if (score_a != score_b) return score_a > score_b;
  int pos_a = FS_STRATEGY_STEPS, pos_b = FS_STRATEGY_STEPS;
  for (int i = FS_STRATEGY_STEPS - 1; i >= 0; --i) {
    if (builtin[i] == a) pos_a = i;
    if (builtin[i] == b) pos_b = i;
  }
  if (pos_a != pos_b) return pos_a < pos_b;
  return disruption(a) < disruption(b);
}

static bool has_evidence(const fs_learner *l, int cause) {
  for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
    if (l->tries[cause][s]) return true;
  }
  return false;
}

/* Allowed strategies of cause, best first; returns how many. */
static int rank_strategies(const fs_learner *l, int cause, const uint8_t *builtin,
                           uint8_t ranked[FS_STRATEGY_COUNT]) {
  uint32_t allowed = fs_taxonomy_allowed_strategies(cause);
  int n = 0;
  for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
    if (!(allowed & (1u << s))) continue;
    int at = n++;
    while (at > 0 && ranks_before(l, cause, builtin, s, ranked[at - 1])) {
      ranked[at] = ranked[at - 1];
      --at;
    }
    ranked[at] = (uint8_t)s;
  }
  return n;
}

int fs_learner_best_strategy(const fs_learner *l, int cause) {
  if (cause < 0 || cause >= FS_CAUSE_COUNT || !has_evidence(l, cause)) return -1;
  fs_strategy_table builtin;
  fs_strategy_table_default(&builtin);
  uint8_t ranked[FS_STRATEGY_COUNT];
  return rank_strategies(l, cause, builtin.order[cause], ranked) > 0 ? ranked[0] : -1;
}

static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* One outcome count per window of FS_LEARNER_EXPLORE_PERIOD explores; the
   slot is a pure function of (seed, cause, window), so nothing to store. */
static bool explore_now(const fs_learner *l, int cause) {
  uint32_t window = l->outcomes[cause] / FS_LEARNER_EXPLORE_PERIOD;
  if (window == 0) return false;
  uint64_t draw = mix64(l->seed ^ mix64(((uint64_t)cause << 32) | window));
  return l->outcomes[cause] % FS_LEARNER_EXPLORE_PERIOD == draw % FS_LEARNER_EXPLORE_PERIOD;
}

/* ---- thresholds and budget ------------------------------------------------ */

static float adapt_threshold(const reading_ring *r, float builtin) {
  uint32_t clean = 0, marginal = 0;
  float max_marginal = 0.0f, min_strong = INFINITY;
  for (uint32_t i = 0; i < r->filled; ++i) {
    bool strong = r->chaos[i] || r->value[i] >= 1.5f * builtin;
    if (!r->chaos[i]) ++clean;
    if (strong) {
      min_strong = fminf(min_strong, r->value[i]);
    } else {
      ++marginal;
      max_marginal = fmaxf(max_marginal, r->value[i]);
    }
  }
  if (marginal < MARGINAL_MIN || 2u * marginal < clean) return builtin;
  float t = fminf(1.05f * max_marginal, 0.9f * min_strong);
  return fminf(fmaxf(t, builtin), 2.0f * builtin);
}

static int compare_floats(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

/* Scale for the budget control, and the budget in % it aims at (0: no
   advice). */
static float budget_scale(const fs_learner *l, float *recommended_pct) {
  const deadline_ring *d = &l->deadline;
  *recommended_pct = 0.0f;
  if (d->filled < FS_LEARNER_REPEAT) return 1.0f;
  float kept_up[RING], budgets[RING];
  uint32_t n_kept = 0, n_budget = 0;
  for (uint32_t i = 0; i < d->filled; ++i) {
    if (d->load[i] < 100.0f) kept_up[n_kept++] = d->load[i];
    if (d->budget[i] > 0.0f) budgets[n_budget++] = d->budget[i];
  }
  if (n_budget == 0) return 1.0f;
  qsort(budgets, n_budget, sizeof(float), compare_floats);
  float budget = budgets[n_budget / 2];
  if (2u * n_kept < d->filled) { /* mostly real overruns: leave earlier */
    *recommended_pct = 0.75f * budget;
    return 0.75f;
  }
  qsort(kept_up, n_kept, sizeof(float), compare_floats);
  uint32_t rank95 = (uint32_t)ceil(0.95 * n_kept); /* nearest rank, 1-based */
  float target = fminf(90.0f, 1.25f * kept_up[rank95 - 1]);
  float scale = fminf(fmaxf(target / budget, 1.0f), 2.0f);
  if (scale > 1.0f) *recommended_pct = scale * budget;
  return scale;
}

/* ---- the table -------------------------------------------------------------- */

/* Incidents of a cause that were not injected through the chaos port. */
static uint32_t without_chaos(const fs_learner *l, int cause) {
  return l->incidents[cause] - l->chaos_incidents[cause];
}

void fs_learner_build_table(fs_learner *l, fs_strategy_table *out) {
  fs_strategy_table_default(out);
  fs_strategy_table builtin = *out;
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    if (!has_evidence(l, cause)) continue;
    uint8_t ranked[FS_STRATEGY_COUNT];
    unsigned n = (unsigned)rank_strategies(l, cause, builtin.order[cause], ranked);
    if (n == 0 || n > FS_STRATEGY_COUNT) continue;
    if (n >= 2 && l->tries[cause][ranked[1]] < FS_LEARNER_EXPLORE_MAX_TRIES &&
        explore_now(l, cause)) {
      uint8_t best = ranked[0];
      ranked[0] = ranked[1];
      ranked[1] = best;
    }
    for (unsigned i = 0; i < FS_STRATEGY_STEPS; ++i) {
      out->order[cause][i] = ranked[i < n ? i : n - 1u]; /* short lists repeat the last */
    }
  }
  out->musical_noise_threshold =
      adapt_threshold(&l->musical_noise, FS_DEFAULT_MUSICAL_NOISE_THRESHOLD);
  out->flux_threshold = adapt_threshold(&l->flux, FS_DEFAULT_FLUX_THRESHOLD);
  float unused;
  out->budget_scale = budget_scale(l, &unused);
  out->start_on_light_hops =
      l->small_block_overruns >= FS_LEARNER_REPEAT ? FS_LEARNER_START_LIGHT_HOPS : 0u;
  uint32_t clips = without_chaos(l, FS_CAUSE_INPUT_CLIPPED);
  out->preemptive_trim_db = clips >= CLIP_TRIM_DEEPER_AFTER ? -6.0f
                            : clips >= FS_LEARNER_REPEAT    ? -3.0f
                                                            : 0.0f;
  out->version = ++l->version;
}

/* ---- advice ---------------------------------------------------------------- */

/* Totals of saturated counters saturate too. */
static uint32_t saturating_add(uint32_t a, uint32_t b) { return a > UINT32_MAX - b ? UINT32_MAX : a + b; }

static uint32_t round_up_pow2(uint32_t x) {
  uint32_t p = 1;
  while (p < x && p < (1u << 30)) p <<= 1;
  return p;
}

typedef struct {
  fs_recommendation *out;
  size_t max, n;
} advice;

static void advise(advice *a, const char *action, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void advise(advice *a, const char *action, const char *format, ...) {
  if (a->n >= a->max) return;
  fs_recommendation *r = &a->out[a->n++];
  snprintf(r->action, sizeof(r->action), "%s", action);
  va_list args;
  va_start(args, format);
  vsnprintf(r->description, sizeof(r->description), format, args);
  va_end(args);
}


size_t fs_learner_recommendations(const fs_learner *l, fs_recommendation *out, size_t max) {
  advice a = {out, max, 0};
  const uint32_t repeat = FS_LEARNER_REPEAT;
  uint32_t chaos = 0;
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    chaos = saturating_add(chaos, l->chaos_incidents[cause]);
  }
  if (chaos) {
    advise(&a, "disable_fault_injection",
           "fault injection caused %u incidents: set chaos to 0 on air", chaos);
  }
  if (without_chaos(l, FS_CAUSE_STATE_CORRUPT) >= repeat ||
      without_chaos(l, FS_CAUSE_RUNAWAY_GAIN) >= repeat) {
    advise(&a, "report_dsp_fault",
           "the enhancer broke down %u times without fault injection: the net rebuilt it; "
           "please report it with this journal",
           saturating_add(without_chaos(l, FS_CAUSE_STATE_CORRUPT),
                          without_chaos(l, FS_CAUSE_RUNAWAY_GAIN)));
  }
  if (l->small_block_overruns >= repeat) {
    uint32_t target = round_up_pow2(4u * l->min_overrun_block);
    if (target < 64u) target = 64u;
    advise(&a, "raise_block_size", "block size %u overruns: raise it to %u or more",
           l->min_overrun_block, target);
  }
  float budget_pct;
  float scale = budget_scale(l, &budget_pct);
  if (scale > 1.0f) {
    advise(&a, "raise_budget",
           "deadline alarms while the machine kept up: raise budget to about %.0f %%",
           budget_pct);
  } else if (scale < 1.0f) {
    advise(&a, "free_cpu",
           "the host missed deadlines: budget tightened to about %.0f %%; free CPU or raise "
           "the block size",
           budget_pct);
  }
  if (without_chaos(l, FS_CAUSE_INPUT_NONFINITE) >= 1) {
    advise(&a, "check_input_source",
           "input carried NaN or Inf %u times: check the plugin or device ahead of failsafe",
           without_chaos(l, FS_CAUSE_INPUT_NONFINITE));
  }
  if (without_chaos(l, FS_CAUSE_OUTPUT_CLIPPING) >= repeat) {
    advise(&a, "lower_output_level",
           "the output kept hitting the ceiling: lower the input gain by about 3 dB");
  }
  if (without_chaos(l, FS_CAUSE_INPUT_CLIPPED) >= repeat) {
    double db = isfinite(l->max_clip_input_db) ? ceil(l->max_clip_input_db + 6.0) : 6.0;
    advise(&a, "lower_input_gain", "input clips: lower the input gain by about %.0f dB",
           db < 6.0 ? 6.0 : db);
  }
  if (without_chaos(l, FS_CAUSE_INPUT_EXTREME) >= repeat) {
    advise(&a, "check_input_level",
           "input has DC or is far too hot: add a high-pass filter or lower the gain ahead "
           "of failsafe");
  }
  if (without_chaos(l, FS_CAUSE_MUSICAL_NOISE) >= repeat) {
    int cause = FS_CAUSE_MUSICAL_NOISE;
    double mean = l->reduction_count[cause]
                      ? l->reduction_sum[cause] / l->reduction_count[cause]
                      : 15.0;
    advise(&a, "lower_reduction", "musical noise: lower the reduction to about %.0f dB",
           mean > 3.0 ? mean - 3.0 : 0.0);
  }
  if (without_chaos(l, FS_CAUSE_SPECTRAL_FLUX) >= repeat) {
    advise(&a, "raise_xfade",
           "sudden spectral changes: lower the reduction or lengthen xfade");
  }
  if (without_chaos(l, FS_CAUSE_CONFIGURATION) >= repeat) {
    advise(&a, "review_controls",
           "extreme control values tripped the net %u times: bring reduction, ceiling, "
           "xfade and budget back to usual values",
           without_chaos(l, FS_CAUSE_CONFIGURATION));
  }
  return a.n;
}

/* ---- getters ------------------------------------------------------------ */

static bool in_range(int cause, int strategy) {
  return cause >= 0 && cause < FS_CAUSE_COUNT && strategy >= 0 && strategy < FS_STRATEGY_COUNT;
}

uint32_t fs_learner_tries(const fs_learner *l, int cause, int strategy) {
  return in_range(cause, strategy) ? l->tries[cause][strategy] : 0u;
}

uint32_t fs_learner_successes(const fs_learner *l, int cause, int strategy) {
  return in_range(cause, strategy) ? l->successes[cause][strategy] : 0u;
}

uint32_t fs_learner_incidents(const fs_learner *l, int cause) {
  return cause >= 0 && cause < FS_CAUSE_COUNT ? l->incidents[cause] : 0u;
}

#include "fs_learner.h"

#include "fs_analysis.h"
#include "fs_cause.h"
#include "fs_taxonomy.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { RING = 64, MARGINAL_MIN = 5, CLIP_TRIM_DEEPER_AFTER = 10 };

/* Recent first-ONSET readings of one artifact detector. */
typedef struct {
  float value[RING];
  uint8_t chaos[RING]; /* fault injection was on: a real fault, not the material */
  uint32_t next, filled;
} reading_ring;

/* Recent deadline incidents: DSP load then, and the budget control. */
typedef struct {
  float load[RING];
  float budget[RING];
  uint32_t next, filled;
} deadline_ring;

/* Everything below `session` is the model and goes into the blob. */
struct fs_learner {
  uint64_t seed;
  uint32_t version; /* of the last table built */
  uint32_t tries[FS_CAUSE_COUNT][FS_STRATEGY_COUNT];
  uint32_t successes[FS_CAUSE_COUNT][FS_STRATEGY_COUNT];
  uint32_t outcomes[FS_CAUSE_COUNT];        /* OUTCOME records ever: drives exploration */
  uint32_t incidents[FS_CAUSE_COUNT];       /* first ONSETs */
  uint32_t chaos_incidents[FS_CAUSE_COUNT]; /* ...with fault injection on */
  uint32_t reduction_count[FS_CAUSE_COUNT]; /* `reduction` control at first ONSETs */
  double reduction_sum[FS_CAUSE_COUNT];
  uint32_t small_block_overruns;
  uint32_t min_overrun_block; /* 0: none yet */
  float max_clip_input_db;    /* -inf: none yet */
  reading_ring musical_noise;
  reading_ring flux;
  deadline_ring deadline;
  /* Session bookkeeping only (tells first ONSETs from escalations). */
  fs_analysis session;
};

/* ---- life cycle ---------------------------------------------------------- */

static void set_defaults(fs_learner *l, uint64_t seed) {
  memset(l, 0, sizeof(*l));
  l->seed = seed;
  l->max_clip_input_db = -INFINITY;
  fs_analysis_init(&l->session);
}

fs_learner *fs_learner_create(uint64_t seed) {
  fs_learner *l = malloc(sizeof(*l));
  if (l) set_defaults(l, seed);
  return l;
}

void fs_learner_destroy(fs_learner *l) { free(l); }

void fs_learner_reset(fs_learner *l) { set_defaults(l, l->seed); }

/* ---- evidence ---------------------------------------------------------- */

static void ring_push(reading_ring *r, float value, bool chaos) {
  r->value[r->next] = value;
  r->chaos[r->next] = chaos;
  r->next = (r->next + 1u) % RING;
  if (r->filled < RING) ++r->filled;
}

static void count_outcome(fs_learner *l, const fs_event *e) {
  if (e->action >= FS_STRATEGY_COUNT) return;
  uint32_t *tries = l->tries[e->cause], *wins = l->successes[e->cause];
  ++tries[e->action];
  if (e->success) ++wins[e->action];
  ++l->outcomes[e->cause];
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
  ++l->incidents[cause];
  if (e->chaos) {
    /* Injected: it says nothing about this machine or this material, so it
       feeds no prevention, budget or advice (only "set chaos to 0"). */
    ++l->chaos_incidents[cause];
    return;
  }
  if (isfinite(e->reduction_db)) {
    ++l->reduction_count[cause];
    l->reduction_sum[cause] += e->reduction_db;
  }
  switch (cause) {
  case FS_CAUSE_DEADLINE:
    if (e->block > 0 && e->block <= FS_ANALYSIS_SMALL_BLOCK) ++l->small_block_overruns;
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
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) chaos += l->chaos_incidents[cause];
  if (chaos) {
    advise(&a, "disable_fault_injection",
           "fault injection caused %u incidents: set chaos to 0 on air", chaos);
  }
  if (without_chaos(l, FS_CAUSE_STATE_CORRUPT) >= repeat ||
      without_chaos(l, FS_CAUSE_RUNAWAY_GAIN) >= repeat) {
    advise(&a, "report_dsp_fault",
           "the enhancer broke down %u times without fault injection: the net rebuilt it; "
           "please report it with this journal",
           without_chaos(l, FS_CAUSE_STATE_CORRUPT) + without_chaos(l, FS_CAUSE_RUNAWAY_GAIN));
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

/* ---- the blob -----------------------------------------------------------------

   bytes [0, 4)        "FSLM"
         [4, 8)        format version, u32 (FORMAT_VERSION)
         [8, 12)       payload length P, u32
         [12, 12 + P)  payload (layout below, visit_model)
         [12 + P, +4)  CRC-32 (IEEE, reflected) of bytes [0, 12 + P)
   Every number little-endian, floats as their IEEE-754 bits.  The payload
   states its cause and strategy counts, so a build with more causes (the
   numbers only ever grow) reads an older blob and ignores extra ones of a
   newer one.  One function describes the layout for both directions. */

enum { FORMAT_VERSION = 1, HEADER = 12, TRAILER = 4, MAX_DIMENSION = 256 };
static const uint8_t magic[4] = {'F', 'S', 'L', 'M'};

uint32_t fs_learner_crc32(const uint8_t *data, size_t len) {
  /* Half-byte table of the reflected polynomial 0xEDB88320. */
  static const uint32_t nibble[16] = {
      0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
      0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
      0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ nibble[crc & 15u];
    crc = (crc >> 4) ^ nibble[crc & 15u];
  }
  return ~crc;
}

typedef struct {
  bool reading;
  uint8_t *out; /* writing: bytes go here while they fit in cap */
  size_t cap;
  const uint8_t *in; /* reading */
  size_t len;
  size_t pos; /* advances even past the end, so writing measures */
} codec;

static void field_uint(codec *c, uint64_t *value, unsigned bytes) {
  if (c->reading) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) {
      if (c->pos + i < c->len) v |= (uint64_t)c->in[c->pos + i] << (8u * i);
    }
    *value = v;
  } else if (c->pos + bytes <= c->cap) {
    for (unsigned i = 0; i < bytes; ++i) c->out[c->pos + i] = (uint8_t)(*value >> (8u * i));
  }
  c->pos += bytes;
}

static void field_u8(codec *c, uint8_t *v) {
  uint64_t x = *v;
  field_uint(c, &x, 1);
  *v = (uint8_t)x;
}

static void field_u32(codec *c, uint32_t *v) {
  uint64_t x = *v;
  field_uint(c, &x, 4);
  *v = (uint32_t)x;
}

static void field_u64(codec *c, uint64_t *v) { field_uint(c, v, 8); }

static void field_f32(codec *c, float *v) {
  uint32_t bits;
  memcpy(&bits, v, sizeof(bits));
  field_u32(c, &bits);
  memcpy(v, &bits, sizeof(bits));
}

static void field_f64(codec *c, double *v) {
  uint64_t bits;
  memcpy(&bits, v, sizeof(bits));
  field_u64(c, &bits);
  memcpy(v, &bits, sizeof(bits));
}

static void visit_readings(codec *c, reading_ring *r) {
  field_u32(c, &r->next);
  field_u32(c, &r->filled);
  for (int i = 0; i < RING; ++i) {
    field_f32(c, &r->value[i]);
    field_u8(c, &r->chaos[i]);
  }
}

/* The payload, for `causes` x `strategies` as stored; entries beyond this
   build's counts go to a scratch sink. */
static void visit_model(codec *c, fs_learner *l, uint32_t causes, uint32_t strategies) {
  uint32_t sink32 = 0;
  double sink64 = 0.0;
  field_u64(c, &l->seed);
  field_u32(c, &l->version);
  field_u32(c, &causes);
  field_u32(c, &strategies);
  for (uint32_t cause = 0; cause < causes; ++cause) {
    for (uint32_t s = 0; s < strategies; ++s) {
      bool ours = cause < FS_CAUSE_COUNT && s < FS_STRATEGY_COUNT;
      field_u32(c, ours ? &l->tries[cause][s] : &sink32);
      field_u32(c, ours ? &l->successes[cause][s] : &sink32);
    }
  }
  for (uint32_t cause = 0; cause < causes; ++cause) {
    bool ours = cause < FS_CAUSE_COUNT;
    field_u32(c, ours ? &l->outcomes[cause] : &sink32);
    field_u32(c, ours ? &l->incidents[cause] : &sink32);
    field_u32(c, ours ? &l->chaos_incidents[cause] : &sink32);
    field_u32(c, ours ? &l->reduction_count[cause] : &sink32);
    field_f64(c, ours ? &l->reduction_sum[cause] : &sink64);
  }
  field_u32(c, &l->small_block_overruns);
  field_u32(c, &l->min_overrun_block);
  field_f32(c, &l->max_clip_input_db);
  visit_readings(c, &l->musical_noise);
  visit_readings(c, &l->flux);
  field_u32(c, &l->deadline.next);
  field_u32(c, &l->deadline.filled);
  for (int i = 0; i < RING; ++i) {
    field_f32(c, &l->deadline.load[i]);
    field_f32(c, &l->deadline.budget[i]);
  }
}

static size_t payload_size(uint32_t causes, uint32_t strategies) {
  fs_learner scratch;
  set_defaults(&scratch, 0);
  codec sizing = {.reading = false};
  visit_model(&sizing, &scratch, causes, strategies);
  return sizing.pos;
}

size_t fs_learner_serialize(const fs_learner *l, uint8_t *buf, size_t cap) {
  size_t payload = payload_size(FS_CAUSE_COUNT, FS_STRATEGY_COUNT);
  size_t total = HEADER + payload + TRAILER;
  if (!l || !buf || cap < total) return total;
  codec c = {.reading = false, .out = buf, .cap = cap};
  uint32_t format = FORMAT_VERSION, length = (uint32_t)payload;
  memcpy(buf, magic, sizeof(magic));
  c.pos = sizeof(magic);
  field_u32(&c, &format);
  field_u32(&c, &length);
  fs_learner copy = *l; /* visit_model takes non-const for reading's sake */
  visit_model(&c, &copy, FS_CAUSE_COUNT, FS_STRATEGY_COUNT);
  uint32_t crc = fs_learner_crc32(buf, HEADER + payload);
  field_u32(&c, &crc);
  return total;
}

static bool ring_sane(const reading_ring *r) {
  if (r->next >= RING || r->filled > RING) return false;
  for (int i = 0; i < RING; ++i) {
    if (!isfinite(r->value[i]) || r->chaos[i] > 1u) return false;
  }
  return true;
}

/* What a valid checksum cannot promise: values this code could produce. */
static bool model_sane(const fs_learner *l) {
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
      if (l->successes[cause][s] > l->tries[cause][s]) return false;
      if (l->tries[cause][s] >= FS_LEARNER_WINDOW) return false;
    }
    if (l->chaos_incidents[cause] > l->incidents[cause]) return false;
    if (l->reduction_count[cause] > l->incidents[cause]) return false;
    if (!isfinite(l->reduction_sum[cause])) return false;
  }
  if (isnan(l->max_clip_input_db) || l->max_clip_input_db == INFINITY) return false;
  if (!ring_sane(&l->musical_noise) || !ring_sane(&l->flux)) return false;
  if (l->deadline.next >= RING || l->deadline.filled > RING) return false;
  for (int i = 0; i < RING; ++i) {
    if (!isfinite(l->deadline.load[i]) || !isfinite(l->deadline.budget[i])) return false;
  }
  return true;
}

static int decode(fs_learner *l, const uint8_t *buf, size_t len) {
  if (len >= sizeof(magic) && memcmp(buf, magic, sizeof(magic)) != 0) {
    return FS_LEARNER_ERR_MAGIC;
  }
  if (len < HEADER + TRAILER) return FS_LEARNER_ERR_TRUNCATED;
  codec c = {.reading = true, .in = buf, .len = len, .pos = sizeof(magic)};
  uint32_t format, payload;
  field_u32(&c, &format);
  field_u32(&c, &payload);
  if (payload > len - HEADER - TRAILER) return FS_LEARNER_ERR_TRUNCATED;
  if (payload < len - HEADER - TRAILER) return FS_LEARNER_ERR_CORRUPT; /* trailing bytes */
  c.pos = HEADER + payload;
  uint32_t stored_crc;
  field_u32(&c, &stored_crc);
  if (stored_crc != fs_learner_crc32(buf, HEADER + payload)) return FS_LEARNER_ERR_CHECKSUM;
  if (format > FORMAT_VERSION) return FS_LEARNER_ERR_VERSION;
  if (format == 0) return FS_LEARNER_ERR_CORRUPT;

  /* The dimensions sit after seed (8) and version (4). */
  if (payload < 20) return FS_LEARNER_ERR_CORRUPT;
  c.pos = HEADER + 12;
  uint32_t causes, strategies;
  field_u32(&c, &causes);
  field_u32(&c, &strategies);
  if (causes == 0 || causes > MAX_DIMENSION || strategies == 0 ||
      strategies > MAX_DIMENSION || payload_size(causes, strategies) != payload) {
    return FS_LEARNER_ERR_CORRUPT;
  }
  c.len = HEADER + payload; /* the CRC is not payload */
  c.pos = HEADER;
  visit_model(&c, l, causes, strategies);
  return model_sane(l) ? FS_LEARNER_OK : FS_LEARNER_ERR_CORRUPT;
}

int fs_learner_deserialize(fs_learner *l, const uint8_t *buf, size_t len) {
  if (!l) return FS_LEARNER_ERR_ARGUMENT;
  if (!buf) {
    fs_learner_reset(l);
    return FS_LEARNER_ERR_ARGUMENT;
  }
  fs_learner *scratch = malloc(sizeof(*scratch));
  if (!scratch) {
    fs_learner_reset(l);
    return FS_LEARNER_ERR_ARGUMENT;
  }
  set_defaults(scratch, l->seed);
  int result = decode(scratch, buf, len);
  if (result == FS_LEARNER_OK) {
    *l = *scratch; /* fresh session bookkeeping comes with it */
  } else {
    fs_learner_reset(l);
  }
  free(scratch);
  return result;
}

const char *fs_learner_error_name(int error) {
  switch (error) {
  case FS_LEARNER_OK: return "ok";
  case FS_LEARNER_ERR_ARGUMENT: return "bad argument";
  case FS_LEARNER_ERR_TRUNCATED: return "truncated";
  case FS_LEARNER_ERR_MAGIC: return "not a learner blob";
  case FS_LEARNER_ERR_CHECKSUM: return "checksum mismatch";
  case FS_LEARNER_ERR_VERSION: return "newer format version";
  case FS_LEARNER_ERR_CORRUPT: return "corrupt contents";
  default: return "unknown error";
  }
}

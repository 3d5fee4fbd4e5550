#include "fs_supervisor.h"

#include "fs_clock.h"
#include "fs_compiler.h"
#include "fs_detectors.h"
#include "fs_enhancer.h"
#include "fs_fpu.h"
#include "fs_geometry.h"
#include "fs_guard.h"
#include "fs_hopper.h"
#include "fs_incidents.h"
#include "fs_light.h"
#include "fs_measure.h"
#include "fs_mixer.h"
#include "fs_net_tuning.h"
#include "fs_sanitize.h"

#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NO_TIER 255u

static_assert(FS_MAX_CHANNELS <= FS_INPUT_MAX_CHANNELS, "the input check measures every channel");

/* Where fs_fpu_flush_denormals() really sets flush-to-zero (see fs_fpu.h). */
#if defined(__SSE__) || defined(__x86_64__) || defined(__aarch64__)
#define FLUSHES_DENORMALS true
#else
#define FLUSHES_DENORMALS false
#endif

/* The load meter averages over this much audio before it updates. */
#define LOAD_WINDOW_SECONDS 0.1
#define LOAD_SMOOTHING 0.3f
/* Health: a new incident costs this much, recovered over a few seconds. */
#define HEALTH_INCIDENT_PENALTY 15.0f
#define HEALTH_RECOVERY_SECONDS 2.0f

struct fs_supervisor {
  fs_geometry geometry;
  uint32_t channels;
  fs_hopper *hopper;
  fs_measure_fn measure; /* the widest measuring pass this CPU runs */

  /* The tiers, one instance per channel, all late by geometry.hop_latency.
     The full tier writes its hop straight into the hop's output.  The dry
     line is the hopper's own history of input hops, with non-finite
     samples zeroed once they have been read as they came: it is both the
     bypass tier and what the light tier's gain is applied to. */
  uint32_t dry_delay; /* hops */
  fs_enhancer *full[FS_MAX_CHANNELS];
  fs_light *light[FS_MAX_CHANNELS];
  float *light_out[FS_MAX_CHANNELS]; /* the light tier's hop, rendered only when it is used */
  fs_guard_level full_level[FS_MAX_CHANNELS]; /* the full tier's hop as the guard would measure it */
  uint32_t full_nonfinite;                    /* this hop's non-finite full-tier samples */

  /* Peak and energy of each input hop still in the dry line, so the dry
     signal leaving it is never measured again (ring of delay hops + 1). */
  float *input_peak[FS_MAX_CHANNELS];
  float *input_energy[FS_MAX_CHANNELS];
  uint32_t input_slots;
  uint32_t input_next;

  /* Known-good copies of the enhancers' state, two slots taken in turn. */
  void *snapshot[2][FS_MAX_CHANNELS];
  bool snapshot_valid[2];
  uint64_t snapshot_at[2];
  uint32_t snapshot_next;
  uint32_t clean_hops;  /* clean hops since the last snapshot */
  bool scanned_whole;   /* this hop's state check read the whole state */

  fs_guard *guard;
  float ceiling_db; /* the ceiling control the linear one below was made from */
  float ceiling;
  float reduction_db; /* last reduction handed to the tiers (NaN: hand it again) */
  fs_mixer mixer;
  fs_breaker breaker[2]; /* full, light; the bypass cannot fail */
  bool full_resting;     /* full breaker opened for time: do not even run it */
  bool full_needs_resync;
  uint32_t full_warmup; /* hops in which the full tier's soft findings are ignored */
  fs_input_monitor input_monitor;
  fs_tier_monitor tier_monitor[2];
  fs_incidents incidents;
  fs_event_ring *ring;

  /* Strategy tables: the audio thread reads tables[active]; the worker
     writes the other one only while `pending` is false. */
  fs_strategy_table tables[2];
  atomic_int active_table;
  atomic_bool table_pending;

  /* Controls: `pending` is what the host set, `active` what this hop uses. */
  fs_controls pending;
  fs_controls active;
  bool first_hop; /* after reset: start on the chosen tier without a fade */
  /* Quarantines entered while faults were being injected are lifted once
     injection has been off for a while: the experiment is over. */
  bool quarantined_by_chaos[2];
  uint64_t chaos_off_since;
  fs_enhancer_fault fault; /* what the enhancers were last told to inject */

  /* Graded responses in force on the full path. */
  float protection;
  float trim_db;
  uint64_t last_adjust_need;
  uint64_t start_light_until;

  /* The current host call, timed by the deadline clock. */
  fs_clock clock;
  uint32_t host_period;
  uint32_t call_block;
  uint64_t call_start_ns;
  uint64_t clock_ns; /* the call's last clock reading, 0 for none yet */
  double call_budget_ns;
  uint32_t budget_period; /* what call_budget_ns was made from */
  float budget_pct;
  float budget_scale;
  bool budget_spent;

  uint64_t now;  /* hop-grid clock, samples */
  uint64_t hops; /* the same clock in hops (no division on the hop path) */
  float health_penalty;
  float health_decay;   /* per hop */
  uint64_t adjust_calm; /* samples */

  /* Load meter. */
  uint64_t load_ns;
  uint64_t load_samples;
  bool load_valid;

  fs_status status;
};

static uint64_t monotonic_ns(fs_supervisor *sup) { return fs_clock_now(&sup->clock); }

static uint64_t ms_to_samples(const fs_supervisor *sup, double ms) {
  return (uint64_t)(ms * sup->geometry.sample_rate / 1000.0 + 0.5);
}

static void init_breakers(fs_supervisor *sup) {
  const fs_breaker_config config = {
      .threshold = FS_NET_FAILURES_TO_OPEN,
      .window = ms_to_samples(sup, FS_NET_FAILURE_WINDOW_MS),
      .cooldown = ms_to_samples(sup, FS_NET_COOLDOWN_MS),
      .cooldown_max = ms_to_samples(sup, FS_NET_COOLDOWN_CAP_MS),
      .jitter = FS_NET_JITTER,
      .probe_length = ms_to_samples(sup, FS_NET_PROBE_MS),
      .quarantine_after = FS_NET_QUARANTINE_AFTER,
      .calm = ms_to_samples(sup, FS_NET_CALM_MS),
      .seed = 1,
  };
  for (uint32_t t = 0; t < 2; ++t) {
    fs_breaker_config c = config;
    c.seed = 1 + t;
    fs_breaker_init(&sup->breaker[t], &c);
  }
}

fs_supervisor *fs_supervisor_create(double sample_rate, uint32_t channels) {
  if (channels == 0 || channels > FS_MAX_CHANNELS) {
    return NULL;
  }
  fs_supervisor *sup = calloc(1, sizeof(*sup));
  if (!sup) {
    return NULL;
  }
  sup->geometry = fs_geometry_for_rate(sample_rate);
  sup->channels = channels;
  const fs_geometry *g = &sup->geometry;
  sup->measure = fs_measure_best();
  fs_clock_init(&sup->clock);
  /* Every tier is late by a whole number of hops (the frame is a whole
     number of hops), so the dry line works hop by hop. */
  bool ok = g->hop_latency % g->hop == 0;
  sup->dry_delay = g->hop_latency / g->hop;
  ok = ok && (sup->hopper = fs_hopper_create_with_history(channels, g->hop, sup->dry_delay)) != NULL;
  uint32_t lookahead = (uint32_t)ms_to_samples(sup, FS_NET_LOOKAHEAD_MS);
  ok = ok && (sup->guard = fs_guard_create(channels, g->hop, g->hop_latency, lookahead,
                                           (uint32_t)ms_to_samples(sup, FS_NET_RELEASE_MS))) != NULL;
  ok = ok && (sup->ring = fs_event_ring_create(FS_NET_RING_CAPACITY)) != NULL;
  sup->input_slots = sup->dry_delay + 1;
  for (uint32_t c = 0; ok && c < channels; ++c) {
    sup->full[c] = fs_enhancer_create(g->sample_rate);
    sup->light[c] = fs_light_create(g->sample_rate);
    sup->light_out[c] = calloc(g->hop, sizeof(float));
    sup->input_peak[c] = calloc(sup->input_slots, sizeof(float));
    sup->input_energy[c] = calloc(sup->input_slots, sizeof(float));
    ok = sup->full[c] && sup->light[c] && sup->light_out[c] && sup->input_peak[c] &&
         sup->input_energy[c];
    for (uint32_t s = 0; ok && s < 2; ++s) {
      ok = (sup->snapshot[s][c] = malloc(fs_enhancer_snapshot_size(sup->full[c]))) != NULL;
    }
  }
  if (!ok) {
    fs_supervisor_destroy(sup);
    return NULL;
  }
  init_breakers(sup);
  sup->health_decay = expf(-(float)(g->hop / g->sample_rate) / HEALTH_RECOVERY_SECONDS);
  sup->adjust_calm = ms_to_samples(sup, FS_NET_ADJUST_CALM_MS);
  fs_incidents_init(&sup->incidents, sup->ring, ms_to_samples(sup, FS_NET_SETTLE_MS),
                    ms_to_samples(sup, FS_NET_VERIFY_MS));
  fs_input_monitor_init(&sup->input_monitor, 0.1f * (float)g->sample_rate / (float)g->hop);
  fs_strategy_table_default(&sup->tables[0]);
  sup->tables[1] = sup->tables[0];
  atomic_init(&sup->active_table, 0);
  atomic_init(&sup->table_pending, false);
  sup->pending = fs_controls_default();
  fs_supervisor_reset(sup);
  return sup;
}

void fs_supervisor_destroy(fs_supervisor *sup) {
  if (!sup) {
    return;
  }
  for (uint32_t c = 0; c < FS_MAX_CHANNELS; ++c) {
    fs_enhancer_destroy(sup->full[c]);
    fs_light_destroy(sup->light[c]);
    free(sup->light_out[c]);
    free(sup->input_peak[c]);
    free(sup->input_energy[c]);
    for (uint32_t s = 0; s < 2; ++s) {
      free(sup->snapshot[s][c]);
    }
  }
  fs_guard_destroy(sup->guard);
  fs_event_ring_destroy(sup->ring);
  fs_hopper_destroy(sup->hopper);
  free(sup);
}

uint32_t fs_supervisor_latency(const fs_supervisor *sup) { return sup->geometry.latency; }

static const fs_strategy_table *current_table(const fs_supervisor *sup) {
  return &sup->tables[atomic_load_explicit(&sup->active_table, memory_order_relaxed)];
}

FS_COLD static void set_full_adjustments(fs_supervisor *sup) {
  const float trim = fs_minf(sup->trim_db, current_table(sup)->preemptive_trim_db);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_protection(sup->full[c], sup->protection);
    fs_enhancer_set_trim(sup->full[c], trim);
  }
}

static void set_fault(fs_supervisor *sup);

void fs_supervisor_reset(fs_supervisor *sup) {
  fs_hopper_reset(sup->hopper);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_reset(sup->full[c]);
    fs_light_reset(sup->light[c]);
    memset(sup->input_peak[c], 0, sup->input_slots * sizeof(float));
    memset(sup->input_energy[c], 0, sup->input_slots * sizeof(float));
  }
  sup->input_next = 0;
  fs_guard_reset(sup->guard);
  for (uint32_t t = 0; t < 2; ++t) {
    fs_breaker_reset(&sup->breaker[t]);
    fs_tier_monitor_reset(&sup->tier_monitor[t]);
  }
  fs_input_monitor_reset(&sup->input_monitor);
  fs_incidents_reset(&sup->incidents);
  sup->snapshot_valid[0] = sup->snapshot_valid[1] = false;
  sup->snapshot_next = 0;
  sup->clean_hops = 0;
  sup->full_resting = false;
  sup->full_needs_resync = false;
  sup->full_warmup = 0;
  sup->quarantined_by_chaos[0] = sup->quarantined_by_chaos[1] = false;
  sup->chaos_off_since = UINT64_MAX;
  sup->active = sup->pending;
  set_fault(sup);
  sup->ceiling_db = NAN; /* made again at the first hop */
  sup->reduction_db = NAN;
  sup->first_hop = true;
  sup->protection = 0.0f;
  sup->trim_db = 0.0f;
  sup->last_adjust_need = 0;
  sup->now = 0;
  sup->hops = 0;
  sup->start_light_until = (uint64_t)current_table(sup)->start_on_light_hops * sup->geometry.hop;
  sup->health_penalty = 0.0f;
  set_full_adjustments(sup);
  fs_mixer_reset(&sup->mixer, FS_TIER_FULL);
  sup->load_ns = 0;
  sup->load_samples = 0;
  sup->load_valid = false;
  const uint64_t dropped = sup->status.events_dropped;
  sup->status = (fs_status){.latency = sup->geometry.latency, .tier = FS_TIER_FULL, .health = 100.0f};
  sup->status.events_dropped = dropped;
}

void fs_supervisor_set_controls(fs_supervisor *sup, const fs_controls *controls) { sup->pending = *controls; }

void fs_supervisor_set_host_period(fs_supervisor *sup, uint32_t nominal_block) { sup->host_period = nominal_block; }

bool fs_supervisor_offer_table(fs_supervisor *sup, const fs_strategy_table *table) {
  if (atomic_load_explicit(&sup->table_pending, memory_order_acquire)) {
    return false;
  }
  const int inactive = 1 - atomic_load_explicit(&sup->active_table, memory_order_acquire);
  sup->tables[inactive] = *table;
  atomic_store_explicit(&sup->table_pending, true, memory_order_release);
  return true;
}

fs_event_ring *fs_supervisor_events(fs_supervisor *sup) { return sup->ring; }

/* ---- Hop stages ----------------------------------------------------- */

static fs_enhancer_fault fault_for(fs_chaos_mode chaos) {
  switch (chaos) {
  case FS_CHAOS_STATE_NAN: return FS_ENHANCER_FAULT_STATE_NAN;
  case FS_CHAOS_RUNAWAY_GAIN: return FS_ENHANCER_FAULT_RUNAWAY_GAIN;
  case FS_CHAOS_MUSICAL_NOISE: return FS_ENHANCER_FAULT_MUSICAL_NOISE;
  case FS_CHAOS_DENORMAL_FLOOD: return FS_ENHANCER_FAULT_DENORMALS;
  default: return FS_ENHANCER_FAULT_NONE;
  }
}

/* The worker's new table takes over (rare: after an incident). */
FS_COLD static void swap_table(fs_supervisor *sup) {
  const int active = atomic_load_explicit(&sup->active_table, memory_order_relaxed);
  atomic_store_explicit(&sup->active_table, 1 - active, memory_order_release);
  atomic_store_explicit(&sup->table_pending, false, memory_order_release);
  set_full_adjustments(sup);
}

/* Chaos has been off long enough: tiers it quarantined come back. */
FS_COLD static void release_chaos_quarantine(fs_supervisor *sup) {
  for (uint32_t t = 0; t < 2; ++t) {
    if (sup->quarantined_by_chaos[t] && sup->breaker[t].state == FS_BREAKER_QUARANTINED) {
      fs_breaker_reset(&sup->breaker[t]);
    }
    sup->quarantined_by_chaos[t] = false;
  }
  sup->chaos_off_since = UINT64_MAX;
}

/* Controls that cost a power to turn into numbers, turned only when they
   move (setting the same value again changes nothing). */
FS_COLD static void apply_level_controls(fs_supervisor *sup) {
  if (!(sup->active.reduction_db == sup->reduction_db)) {
    sup->reduction_db = sup->active.reduction_db;
    for (uint32_t c = 0; c < sup->channels; ++c) {
      fs_enhancer_set_reduction(sup->full[c], sup->active.reduction_db);
      fs_light_set_reduction(sup->light[c], sup->active.reduction_db);
    }
  }
  if (!(sup->active.ceiling_db == sup->ceiling_db)) {
    sup->ceiling_db = sup->active.ceiling_db;
    sup->ceiling = fs_guard_ceiling(sup->ceiling_db);
  }
}

/* The enhancers' injected fault follows the chaos control. */
FS_COLD static void set_fault(fs_supervisor *sup) {
  sup->fault = fault_for(sup->active.chaos);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_fault(sup->full[c], sup->fault);
  }
}

/* Start of a hop: the host's latest controls and the worker's latest table. */
static void begin_hop(fs_supervisor *sup) {
  if (FS_UNLIKELY(atomic_load_explicit(&sup->table_pending, memory_order_acquire))) {
    swap_table(sup);
  }
  const fs_chaos_mode previous_chaos = sup->active.chaos;
  sup->active = sup->pending;
  if (sup->active.chaos != FS_CHAOS_OFF) {
    sup->chaos_off_since = UINT64_MAX;
  } else if (previous_chaos != FS_CHAOS_OFF) {
    sup->chaos_off_since = sup->now;
  } else if (FS_UNLIKELY(sup->chaos_off_since != UINT64_MAX &&
                         sup->now - sup->chaos_off_since >= ms_to_samples(sup, FS_NET_CHAOS_OVER_MS))) {
    release_chaos_quarantine(sup);
  }
  if (FS_UNLIKELY(!(sup->active.reduction_db == sup->reduction_db) || !(sup->active.ceiling_db == sup->ceiling_db))) {
    apply_level_controls(sup);
  }
  if (FS_UNLIKELY(fault_for(sup->active.chaos) != sup->fault)) {
    set_fault(sup);
  }
}

FS_COLD static void take_snapshot(fs_supervisor *sup) {
  const uint32_t slot = sup->snapshot_next;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_snapshot(sup->full[c], sup->snapshot[slot][c]);
  }
  sup->snapshot_valid[slot] = true;
  sup->snapshot_at[slot] = sup->now;
  sup->snapshot_next = 1 - slot;
}

/* Rolls the enhancers back to the older known-good snapshot (a fault may
   have started quietly before it was seen), or to a cold start when there
   is none yet, then lets them re-warm in shadow. */
FS_COLD static void rebuild_full(fs_supervisor *sup) {
  int slot = -1;
  for (int s = 0; s < 2; ++s) {
    if (sup->snapshot_valid[s] && (slot < 0 || sup->snapshot_at[s] < sup->snapshot_at[slot])) {
      slot = s;
    }
  }
  for (uint32_t c = 0; c < sup->channels; ++c) {
    if (slot >= 0) {
      fs_enhancer_restore(sup->full[c], sup->snapshot[slot][c]);
    } else {
      fs_enhancer_reset(sup->full[c]);
    }
  }
  sup->full_needs_resync = true;
  sup->clean_hops = 0;
}

FS_COLD static bool full_state_finite(const fs_supervisor *sup) {
  for (uint32_t c = 0; c < sup->channels; ++c) {
    if (!fs_enhancer_state_is_finite(sup->full[c])) {
      return false;
    }
  }
  return true;
}

FS_COLD static void trip(fs_supervisor *sup, uint32_t tier, fs_cause cause) {
  if (tier > FS_TIER_LIGHT) {
    return;
  }
  const bool for_time = cause == FS_CAUSE_DEADLINE;
  /* A probe of a path that overran costs what the overrun cost: wait
     longer before it, or every probe in a lasting CPU shortage is one more
     late block. */
  fs_breaker_set_cooldown(&sup->breaker[tier],
                          ms_to_samples(sup, for_time ? FS_NET_COOLDOWN_DEADLINE_MS : FS_NET_COOLDOWN_MS),
                          ms_to_samples(sup, for_time ? FS_NET_COOLDOWN_CAP_DEADLINE_MS : FS_NET_COOLDOWN_CAP_MS));
  const fs_breaker_state before = sup->breaker[tier].state;
  fs_breaker_trip(&sup->breaker[tier], sup->now);
  if (tier == FS_TIER_FULL && before != sup->breaker[tier].state) {
    sup->full_resting = for_time;
  }
}

FS_COLD static void apply_strategy(fs_supervisor *sup, int strategy, fs_cause cause, uint32_t tier) {
  switch (strategy) {
  case FS_STRATEGY_ADJUST:
    if (tier == FS_TIER_FULL && cause == FS_CAUSE_MUSICAL_NOISE) {
      sup->protection = fs_minf(1.0f, sup->protection + FS_NET_PROTECTION_STEP);
      sup->last_adjust_need = sup->now;
      set_full_adjustments(sup);
    } else if (tier == FS_TIER_FULL && cause == FS_CAUSE_OUTPUT_CLIPPING) {
      sup->trim_db = fs_maxf(FS_NET_TRIM_MIN_DB, sup->trim_db + FS_NET_TRIM_STEP_DB);
      sup->last_adjust_need = sup->now;
      set_full_adjustments(sup);
    } else {
      trip(sup, tier, cause); /* nothing to tune for this cause: fall back */
    }
    break;
  case FS_STRATEGY_LIGHT: trip(sup, tier, cause); break;
  case FS_STRATEGY_BYPASS:
    trip(sup, FS_TIER_FULL, cause);
    trip(sup, FS_TIER_LIGHT, cause);
    break;
  case FS_STRATEGY_REBUILD:
    if (tier == FS_TIER_FULL) {
      rebuild_full(sup);
    }
    trip(sup, tier, cause);
    break;
  default: break;
  }
}

static float peak_db(float peak) { return peak > 1e-10f ? 20.0f * log10f(peak) : -200.0f; }

/* The context every record of this hop carries. */
FS_COLD static fs_event hop_context(const fs_supervisor *sup, float in_peak, float out_peak) {
  const fs_controls *c = &sup->active;
  return (fs_event){.tier_after = (uint8_t)sup->mixer.target,
                    .chaos = (uint8_t)c->chaos,
                    .input_db = peak_db(in_peak),
                    .output_db = peak_db(out_peak),
                    .reduction_db = c->reduction_db,
                    .ceiling_db = c->ceiling_db,
                    .xfade_ms = c->xfade_ms,
                    .budget_pct = c->budget_pct,
                    .dsp_load = sup->status.dsp_load,
                    .sample_rate = (float)sup->geometry.sample_rate,
                    .block = sup->call_block,
                    .breaker_opens = sup->breaker[FS_TIER_FULL].opened};
}

FS_COLD static uint32_t count_denormals(const float *y, uint32_t hop) {
  uint32_t tiny = 0;
  (void)fs_peak_bits_tiny(y, hop, &tiny);
  return tiny;
}

FS_COLD static uint32_t count_nonfinite(const float *y, uint32_t hop) {
  uint32_t nonfinite = 0;
  for (uint32_t i = 0; i < hop; ++i) {
    nonfinite += !isfinite(y[i]);
  }
  return nonfinite;
}

/* The full tier's hop, where it was written (the hop's output): peak,
   denormals and energy in two branch-free reads, non-finite samples
   counted only when there are some.  The dry reference is the input that
   went into the dry line hop_latency ago, measured when it came in. */
static void observe_full(fs_supervisor *sup, float *const *out, const float *ref_peak, const float *ref_energy,
                         fs_tier_observation *full) {
  memset(full, 0, sizeof(*full));
  full->state_finite = true;
  full->samples = sup->geometry.hop * sup->channels;
  const uint32_t hop = sup->geometry.hop;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const float *y = out[c];
    fs_guard_level *level = &sup->full_level[c];
    const fs_block_measure measure = sup->measure(y, NULL, hop);
    level->peak_bits = measure.peak_bits;
    /* Denormals: none can come out of arithmetic under flush-to-zero (see
       below for the state); counted while faults are injected, and where
       the CPU does not flush. */
    level->tiny = 0;
    if (sup->active.chaos != FS_CHAOS_OFF || !FLUSHES_DENORMALS) {
      level->tiny = count_denormals(y, hop);
    }
    const bool bad = level->peak_bits > FS_FINITE_BITS_MAX;
    if (FS_UNLIKELY(bad)) {
      full->nonfinite += count_nonfinite(y, hop);
    }
    full->out_peak = fs_maxf(full->out_peak, bad ? 0.0f : fs_bits_value(level->peak_bits));
    full->out_energy += measure.sum_squares;
    full->ref_peak = fs_maxf(full->ref_peak, ref_peak[c]);
    full->ref_energy += ref_energy[c];
  }
  full->has_spectrum = true;
  /* The whole state is scanned every few hops; in between, the sum of the
     noise estimate (which the enhancer forms anyway) stands for it: a NaN
     anywhere in the tracker reaches that estimate within a hop or two.
     Denormals: with flush-to-zero and denormals-are-zero set around every
     call, no arithmetic can leave one in the state, only a value stored
     whole can (chaos 6 stores them).  So they are looked for with the
     whole-state scan, and on every hop while faults are being injected,
     where the flood must be seen in its own hop; on a CPU without the
     flush, on every hop. */
  const bool thorough = sup->hops % FS_NET_STATE_SCAN_HOPS == 0;
  sup->scanned_whole = thorough;
  const bool denormal_scan = thorough || sup->active.chaos != FS_CHAOS_OFF || !FLUSHES_DENORMALS;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const fs_enhancer_stats *s = fs_enhancer_stats_last(sup->full[c]);
    const bool cheap_ok = isfinite(s->noise_energy) && isfinite(s->output_energy);
    full->state_finite = full->state_finite && cheap_ok && (!thorough || fs_enhancer_state_is_finite(sup->full[c]));
    full->state_denormals += denormal_scan ? fs_enhancer_state_denormals(sup->full[c]) : 0;
    full->max_gain = fs_maxf(full->max_gain, s->max_gain);
    full->bins_above_unity += s->bins_above_unity;
    full->spectrum_in_energy += s->input_energy;
    full->spectrum_out_energy += s->output_energy;
    full->musical_noise = fs_maxf(full->musical_noise, s->musical_noise);
    full->flux_ratio = fs_maxf(full->flux_ratio, s->flux_ratio);
  }
}

/* The light tier's hop without rendering it: it is the dry reference times
   a gain ramp that never exceeds fs_light_gain_peak() <= 1, so its peak and
   energy are bounded by the reference's, and it is finite because the dry
   line is.  (Those bounds are all its detectors need: a tier that only
   turns the dry signal down can neither run away nor clip past it.) */
static void observe_light(const fs_supervisor *sup, const float *ref_peak, const float *ref_energy,
                          fs_tier_observation *light) {
  memset(light, 0, sizeof(*light));
  light->state_finite = true;
  light->samples = sup->geometry.hop * sup->channels;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const float gain = fs_light_gain_peak(sup->light[c]);
    light->out_peak = fs_maxf(light->out_peak, gain * ref_peak[c]);
    light->out_energy += gain * gain * ref_energy[c];
    light->ref_peak = fs_maxf(light->ref_peak, ref_peak[c]);
    light->ref_energy += ref_energy[c];
  }
}

/* The full tier is not run this hop, but its hum combs keep time with
   the input. */
FS_COLD static void skip_full(fs_supervisor *sup) {
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_skip_hop(sup->full[c]);
  }
  sup->full_needs_resync = true;
  if (sup->budget_spent) {
    sup->status.deadline_skips++;
  }
}

/* Back after skipped hops: the enhancers pick up the input's thread again
   and re-warm in shadow. */
FS_COLD static void resync_full(fs_supervisor *sup) {
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_resync(sup->full[c]);
  }
  sup->full_needs_resync = false;
  sup->full_warmup = sup->geometry.frame / sup->geometry.hop + 1;
}

/* The chaos faults that act around the enhancers rather than inside them:
   a CPU stall (a real one: spin past the budget, bounded in case the
   clock stops) and a clipping boost. */
FS_COLD static void inject_outer_fault(fs_supervisor *sup, uint64_t start, float *const *out) {
  if (sup->active.chaos == FS_CHAOS_CPU_STALL) {
    const uint64_t until = start + (uint64_t)(FS_NET_CHAOS_STALL * sup->call_budget_ns);
    for (uint32_t spins = 0; spins < 100000000u && monotonic_ns(sup) < until; ++spins) {
    }
  } else if (sup->active.chaos == FS_CHAOS_CLIPPING_BOOST) {
    for (uint32_t c = 0; c < sup->channels; ++c) {
      for (uint32_t i = 0; i < sup->geometry.hop; ++i) {
        out[c][i] *= FS_NET_CHAOS_BOOST;
      }
    }
  }
}

/* Runs the full path for one hop of `in` into `out`, with its injected
   faults, and checks the clock.  Returns false when it was not run. */
static bool run_full(fs_supervisor *sup, const float *const *in, float *const *out, fs_findings *findings) {
  const fs_breaker_state state = sup->breaker[FS_TIER_FULL].state;
  const bool wanted =
      state != FS_BREAKER_QUARANTINED && !(state == FS_BREAKER_OPEN && sup->full_resting) && !sup->budget_spent;
  if (FS_UNLIKELY(!wanted)) {
    skip_full(sup);
    return false;
  }
  if (FS_UNLIKELY(sup->full_needs_resync)) {
    resync_full(sup);
  }
  const bool outer_fault = sup->active.chaos == FS_CHAOS_CPU_STALL || sup->active.chaos == FS_CHAOS_CLIPPING_BOOST;
  const uint64_t start = sup->active.chaos == FS_CHAOS_CPU_STALL ? monotonic_ns(sup) : 0;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_process_hop(sup->full[c], in[c], out[c]);
  }
  if (FS_UNLIKELY(outer_fault)) {
    inject_outer_fault(sup, start, out);
  }
  if (!sup->active.freewheel) {
    sup->clock_ns = monotonic_ns(sup); /* the meter reuses it at the end of the call */
    const double elapsed = (double)(sup->clock_ns - sup->call_start_ns);
    if (elapsed > sup->call_budget_ns) {
      fs_deadline_check(elapsed, sup->call_budget_ns, findings);
      sup->budget_spent = true; /* the rest of this call goes light */
    }
  }
  return true;
}

static uint32_t choose_tier(const fs_supervisor *sup) {
  if (!sup->active.enabled) {
    return FS_TIER_BYPASS;
  }
  const bool full_ok = fs_breaker_closed(&sup->breaker[FS_TIER_FULL]) && sup->now >= sup->start_light_until;
  if (full_ok) {
    return FS_TIER_FULL;
  }
  return fs_breaker_closed(&sup->breaker[FS_TIER_LIGHT]) ? FS_TIER_LIGHT : FS_TIER_BYPASS;
}

/* Acts on one tier's findings.  Heard tier: the incident's strategy decides.
   Shadow tier: its breaker hears about it (a failed probe, or a count). */
FS_COLD static void handle_findings(fs_supervisor *sup, const fs_findings *findings, uint32_t tier,
                                    const fs_event *context) {
  const uint32_t heard = sup->mixer.target;
  for (uint32_t k = 0; k < findings->count; ++k) {
    const fs_finding *f = &findings->items[k];
    if (tier == FS_TIER_FULL && f->cause == FS_CAUSE_STATE_CORRUPT) {
      rebuild_full(sup); /* never run on broken state, heard or not */
    }
    const uint32_t blamed = tier == NO_TIER ? heard : tier;
    const int strategy =
        fs_incidents_on_finding(&sup->incidents, current_table(sup), f, (uint8_t)blamed, (uint8_t)heard, sup->now,
                                context);
    if (tier == NO_TIER) {
      if (strategy > FS_STRATEGY_NONE) {
        apply_strategy(sup, strategy, f->cause, heard);
      }
      continue;
    }
    if (tier == heard) {
      if (strategy >= 0) {
        apply_strategy(sup, strategy, f->cause, tier);
      } else if (f->severe) {
        trip(sup, tier, f->cause); /* never let a hard fault be heard again while its strategy settles */
      }
      continue;
    }
    const fs_breaker_state before = sup->breaker[tier].state;
    if (f->severe) {
      fs_breaker_trip(&sup->breaker[tier], sup->now);
    } else {
      fs_breaker_failure(&sup->breaker[tier], sup->now);
    }
    const fs_breaker_state after = sup->breaker[tier].state;
    if (after == FS_BREAKER_QUARANTINED && before != after && sup->active.chaos != FS_CHAOS_OFF) {
      sup->quarantined_by_chaos[tier] = true;
    }
    if (before == FS_BREAKER_HALF_OPEN && after != before) {
      fs_incidents_note(&sup->incidents,
                        after == FS_BREAKER_QUARANTINED ? FS_EVENT_QUARANTINED : FS_EVENT_PROBE_FAILED,
                        (uint8_t)tier, sup->now, context);
    }
  }
}

/* Puts the heard tier, or the blend of tiers while a fade runs, into `out`,
   which holds the full tier's hop when it ran.  A lower tier's sample
   stands in for any non-finite one.  Returns true when `out` is the full
   tier's hop untouched, as observe_full() measured it. */
static void mix_blend(fs_supervisor *sup, float *const *out, bool full_ran, const float *const *dry);

static bool mix(fs_supervisor *sup, float *const *out, bool full_ran, const float *const *dry) {
  const uint32_t hop = sup->geometry.hop;
  const uint32_t target = sup->mixer.target;
  if (fs_mixer_settled(&sup->mixer)) {
    /* One tier alone, passed as it is, bit for bit. */
    if (target == FS_TIER_FULL && full_ran && sup->full_nonfinite == 0) {
      return true; /* the usual hop: already in place */
    }
    if (target == FS_TIER_BYPASS) {
      for (uint32_t c = 0; c < sup->channels; ++c) {
        memcpy(out[c], dry[c], hop * sizeof(float));
      }
      return false;
    }
    if (target == FS_TIER_LIGHT || !full_ran) {
      /* The light tier, or the light standing in for a full tier that did
         not run. */
      for (uint32_t c = 0; c < sup->channels; ++c) {
        fs_light_render(sup->light[c], dry[c], out[c]);
      }
      return false;
    }
  }
  mix_blend(sup, out, full_ran, dry);
  return false;
}

/* A fade, or the full tier heard with non-finite samples: sample by sample. */
FS_COLD static void mix_blend(fs_supervisor *sup, float *const *out, bool full_ran, const float *const *dry) {
  const uint32_t hop = sup->geometry.hop;
  const uint32_t target = sup->mixer.target;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_light_render(sup->light[c], dry[c], sup->light_out[c]);
  }
  const float fade = (float)(sup->active.xfade_ms * sup->geometry.sample_rate / 1000.0);
  for (uint32_t i = 0; i < hop; ++i) {
    const bool settled = fs_mixer_settled(&sup->mixer);
    const float w_full = sup->mixer.weight[FS_TIER_FULL];
    const float w_light = sup->mixer.weight[FS_TIER_LIGHT];
    const float w_dry = sup->mixer.weight[FS_TIER_BYPASS];
    for (uint32_t c = 0; c < sup->channels; ++c) {
      const float d = dry[c][i];
      float light = sup->light_out[c][i];
      float full = full_ran ? out[c][i] : light;
      if (!isfinite(light)) {
        light = d;
        sup->status.substituted++;
      }
      if (!isfinite(full)) {
        full = light;
        sup->status.substituted++;
      }
      float y;
      if (settled) {
        y = target == FS_TIER_FULL ? full : (target == FS_TIER_LIGHT ? light : d);
      } else {
        y = w_full * full + w_light * light + w_dry * d;
      }
      out[c][i] = y;
    }
    fs_mixer_step(&sup->mixer, fade);
  }
}

static void update_health(fs_supervisor *sup, uint32_t incidents_before) {
  sup->health_penalty *= sup->health_decay;
  sup->health_penalty += HEALTH_INCIDENT_PENALTY * (float)(sup->incidents.count - incidents_before);
  const uint32_t heard = sup->mixer.target;
  float base = 100.0f;
  if (sup->active.enabled) {
    base = heard == FS_TIER_FULL ? 100.0f : (heard == FS_TIER_LIGHT ? 70.0f : 40.0f);
  }
  if (sup->breaker[0].state == FS_BREAKER_QUARANTINED || sup->breaker[1].state == FS_BREAKER_QUARANTINED) {
    base = fs_minf(base, 50.0f);
  }
  sup->status.health = fs_maxf(0.0f, fs_minf(100.0f, base - sup->health_penalty));
}

/* NaN and Inf in a hop of input become silence. */
FS_COLD static void zero_nonfinite(float *x, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = isfinite(x[i]) ? x[i] : 0.0f;
  }
}

/* Re-warming after a rebuild: only hard faults count yet. */
FS_COLD static void keep_severe(fs_findings *findings) {
  uint32_t kept = 0;
  for (uint32_t k = 0; k < findings->count; ++k) {
    if (findings->items[k].severe) {
      findings->items[kept++] = findings->items[k];
    }
  }
  findings->count = kept;
}

/* Time passes for the breakers (when one has something to do). */
FS_COLD static void tick_breakers(fs_supervisor *sup) {
  for (uint32_t t = 0; t < 2; ++t) {
    const fs_breaker_state before = sup->breaker[t].state;
    fs_breaker_tick(&sup->breaker[t], sup->now);
    if (t == FS_TIER_FULL && before == FS_BREAKER_OPEN && sup->breaker[t].state == FS_BREAKER_HALF_OPEN &&
        !full_state_finite(sup)) {
      rebuild_full(sup); /* a probe on broken state could only fail */
    }
    if (sup->breaker[t].state == FS_BREAKER_CLOSED && t == FS_TIER_FULL) {
      sup->full_resting = false;
    }
  }
}

/* Calm for long enough: the graded responses in force are lifted. */
FS_COLD static void end_adjustments(fs_supervisor *sup) {
  sup->protection = 0.0f;
  sup->trim_db = 0.0f;
  set_full_adjustments(sup);
}

static void process_hop(void *context, const float *const *in, float *const *out) {
  fs_supervisor *sup = context;
  const uint32_t hop = sup->geometry.hop;
  begin_hop(sup);
  const float ceiling = sup->ceiling;
  const uint32_t incidents_before = sup->incidents.count;

  /* 1. The full tier, first: it reads the host's hop as it came (the
     enhancer makes NaN and Inf silence itself, as the dry line does) and
     writes into `out`.  Everything the net does for this hop follows it
     in one go, so the net's data, which the full tier's working set
     pushes out of the cache, is fetched once per hop rather than before
     and again after. */
  fs_findings full_findings, light_findings;
  full_findings.count = light_findings.count = 0;
  const bool full_ran = run_full(sup, in, out, &full_findings);

  /* 2. The input: checked and measured in one read, keyed for the guard,
     then NaN/Inf zeroed in place when there are any (the hop stays in the
     hopper's history as the dry line).  Its measures wait in a ring for
     the hop that leaves the dry line, whose reference they are. */
  fs_findings input_findings; /* only items[0 .. count) are ever read */
  input_findings.count = 0;
  fs_input_summary input;
  fs_block_measure measured[FS_MAX_CHANNELS];
  for (uint32_t c = 0; c < sup->channels; ++c) {
    measured[c] = sup->measure(in[c], NULL, hop);
  }
  fs_input_check(&sup->input_monitor, in, measured, sup->channels, hop, &input_findings, &input);
  const uint32_t newest = sup->input_next;
  const uint32_t oldest = newest + 1 == sup->input_slots ? 0 : newest + 1;
  const float *dry[FS_MAX_CHANNELS];
  float ref_peak[FS_MAX_CHANNELS], ref_energy[FS_MAX_CHANNELS];
  for (uint32_t c = 0; c < sup->channels; ++c) {
    dry[c] = fs_hopper_input_hop(sup->hopper, c, sup->dry_delay);
    sup->input_peak[c][newest] = input.channel_peak[c];
    sup->input_energy[c][newest] = input.channel_energy[c];
    ref_peak[c] = sup->input_peak[c][oldest];
    ref_energy[c] = sup->input_energy[c][oldest];
  }
  fs_guard_analyse_peak(sup->guard, in, ceiling, input.nonfinite > 0 ? INFINITY : input.peak);
  if (FS_UNLIKELY(input.nonfinite > 0)) {
    for (uint32_t c = 0; c < sup->channels; ++c) {
      zero_nonfinite(fs_hopper_input_hop(sup->hopper, c, 0), hop); /* read as it came; from now on dry */
    }
  }

  /* The light tier decides its gain every hop, so it is ready at any
     sample; its samples are made only when they are used. */
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_light_update(sup->light[c], input.channel_energy[c]);
  }

  /* 3. The detectors. */
  const fs_tier_thresholds thresholds = {.ceiling = ceiling,
                                         .musical_noise_threshold = current_table(sup)->musical_noise_threshold,
                                         .flux_threshold = current_table(sup)->flux_threshold};
  fs_tier_observation full_obs, light_obs;
  sup->full_nonfinite = 0;
  sup->scanned_whole = false;
  /* The light tier is looked at while it may be heard: in the mix, on its
     way in or out, or on probation.  Otherwise it is the dry reference
     turned down, unheard, and nothing in it can be wrong that the
     detectors could see (observe_light()). */
  const bool light_audible = !full_ran || sup->mixer.target != FS_TIER_FULL ||
                             sup->mixer.weight[FS_TIER_LIGHT] > 0.0f ||
                             !fs_breaker_closed(&sup->breaker[FS_TIER_LIGHT]);
  float out_peak = 0.0f;
  if (FS_UNLIKELY(light_audible)) {
    observe_light(sup, ref_peak, ref_energy, &light_obs);
    out_peak = light_obs.out_peak;
  }
  if (full_ran) {
    observe_full(sup, out, ref_peak, ref_energy, &full_obs);
    sup->full_nonfinite = full_obs.nonfinite;
    fs_tier_check(&sup->tier_monitor[FS_TIER_FULL], &thresholds, &full_obs, &full_findings);
    out_peak = full_obs.out_peak;
    if (FS_UNLIKELY(sup->full_warmup > 0)) {
      sup->full_warmup--;
      keep_severe(&full_findings);
    }
  }
  if (FS_UNLIKELY(light_audible)) {
    fs_tier_check(&sup->tier_monitor[FS_TIER_LIGHT], &thresholds, &light_obs, &light_findings);
  }

  /* 4. Acting on them, before this hop is mixed.  The record context is
     only made for a hop that may write a record. */
  const bool may_record = input_findings.count > 0 || full_findings.count > 0 || light_findings.count > 0 ||
                          fs_incidents_any_open(&sup->incidents);
  fs_event context_record; /* read only when made */
  if (FS_UNLIKELY(may_record)) {
    context_record = hop_context(sup, input.peak, out_peak);
  }
  if (FS_UNLIKELY(input_findings.count > 0)) {
    handle_findings(sup, &input_findings, NO_TIER, &context_record);
  }
  if (FS_UNLIKELY(full_findings.count > 0)) {
    handle_findings(sup, &full_findings, FS_TIER_FULL, &context_record);
  }
  if (FS_UNLIKELY(light_findings.count > 0)) {
    handle_findings(sup, &light_findings, FS_TIER_LIGHT, &context_record);
  }
  if (FS_UNLIKELY(!fs_breaker_idle(&sup->breaker[FS_TIER_FULL]) || !fs_breaker_idle(&sup->breaker[FS_TIER_LIGHT]))) {
    tick_breakers(sup);
  } else {
    sup->full_resting = false;
  }
  if (FS_UNLIKELY(sup->now - sup->last_adjust_need > sup->adjust_calm &&
                  (sup->protection > 0.0f || sup->trim_db < 0.0f))) {
    end_adjustments(sup);
  }
  const uint32_t target = choose_tier(sup);
  if (sup->first_hop) {
    fs_mixer_reset(&sup->mixer, target);
    sup->first_hop = false;
  } else {
    fs_mixer_set_target(&sup->mixer, target);
  }

  /* 5. Mix and guard (which need not measure the full tier's hop again). */
  const bool untouched = mix(sup, out, full_ran, dry);
  fs_guard_stats guard;
  fs_guard_apply_known(sup->guard, out, ceiling, untouched ? sup->full_level : NULL, &guard);
  sup->status.guard_limited += guard.limited;
  sup->status.guard_clamped += guard.clamped;
  sup->status.guard_nonfinite += guard.nonfinite;

  /* 6. Bookkeeping: snapshots of a clean full path, incidents, status. */
  const bool clean = full_ran && full_findings.count == 0 && sup->full_warmup == 0 &&
                     sup->breaker[FS_TIER_FULL].state == FS_BREAKER_CLOSED;
  sup->clean_hops = clean ? sup->clean_hops + 1 : 0;
  if (FS_UNLIKELY(clean && sup->scanned_whole && sup->clean_hops >= FS_NET_SNAPSHOT_HOPS)) {
    take_snapshot(sup); /* clean on a scanned hop: the whole state is finite */
    sup->clean_hops = 0;
  }
  sup->input_next = oldest;
  sup->now += hop;
  sup->hops++;
  fs_incidents_tick(&sup->incidents, (uint8_t)sup->mixer.target, fs_mixer_settled(&sup->mixer), sup->now,
                    &context_record);
  update_health(sup, incidents_before);
  sup->status.tier = (fs_tier)fs_mixer_dominant(&sup->mixer);
  sup->status.heading = (fs_tier)sup->mixer.target;
  sup->status.settled = fs_mixer_settled(&sup->mixer);
  sup->status.incidents = sup->incidents.count;
  sup->status.cause = sup->incidents.last_cause;
  sup->status.breaker[0] = sup->breaker[0].state;
  sup->status.breaker[1] = sup->breaker[1].state;
  sup->status.position = sup->now;
  sup->status.table_version = current_table(sup)->version;
}

static void meter_load(fs_supervisor *sup, uint64_t elapsed_ns, uint32_t n) {
  sup->load_ns += elapsed_ns;
  sup->load_samples += n;
  const double window = LOAD_WINDOW_SECONDS * sup->geometry.sample_rate;
  if ((double)sup->load_samples < window) {
    return;
  }
  const double audio_ns = 1e9 * (double)sup->load_samples / sup->geometry.sample_rate;
  const float load = (float)(100.0 * (double)sup->load_ns / audio_ns);
  sup->status.dsp_load =
      sup->load_valid ? sup->status.dsp_load + LOAD_SMOOTHING * (load - sup->status.dsp_load) : load;
  sup->load_valid = true;
  sup->load_ns = 0;
  sup->load_samples = 0;
}

void fs_supervisor_process(fs_supervisor *sup, const float *const *in, float *const *out, uint32_t n) {
  if (n == 0) {
    return;
  }
  const fs_fpu_state fpu = fs_fpu_flush_denormals();
  /* The clock is read only around work: at the start of a call that will
     complete a hop, after each hop's full tier (the deadline check), and
     that last reading closes the call for the load meter too (what
     follows it, detectors and mixing, takes a few hundred nanoseconds).
     A call that only fills the framer costs next to nothing and is metered
     as nothing. */
  const bool hops_ahead = fs_hopper_fill(sup->hopper) + n >= sup->geometry.hop;
  sup->call_start_ns = hops_ahead ? monotonic_ns(sup) : 0;
  sup->clock_ns = 0;
  sup->call_block = n;
  /* The real-time period this call must fit in: the host's nominal block
     when it said, else this call's own length, and never less than a hop
     (below a hop the work of one hop lands in one call whatever we do). */
  uint32_t period = sup->host_period ? sup->host_period : n;
  if (period < sup->geometry.hop) {
    period = sup->geometry.hop;
  }
  /* The learner may tighten or loosen the budget, never past the control's
     range.  Worked out again only when something it depends on moved. */
  const float scale = current_table(sup)->budget_scale;
  if (period != sup->budget_period || !(sup->pending.budget_pct == sup->budget_pct) || !(scale == sup->budget_scale)) {
    sup->budget_period = period;
    sup->budget_pct = sup->pending.budget_pct;
    sup->budget_scale = scale;
    const fs_control_range *range = fs_control_range_of(FS_CONTROL_BUDGET);
    double budget_pct = (double)sup->pending.budget_pct * (double)scale;
    budget_pct = fmax(range->minimum, fmin(range->maximum, budget_pct));
    sup->call_budget_ns = budget_pct / 100.0 * 1e9 * (double)period / sup->geometry.sample_rate;
  }
  sup->budget_spent = false;

  fs_hopper_process(sup->hopper, in, out, n, process_hop, sup);

  uint64_t elapsed_ns = 0;
  if (hops_ahead) {
    elapsed_ns = (sup->clock_ns ? sup->clock_ns : monotonic_ns(sup)) - sup->call_start_ns;
  }
  meter_load(sup, elapsed_ns, n);
  sup->status.events_dropped = fs_event_ring_dropped(sup->ring);
  fs_fpu_restore(fpu);
}

void fs_supervisor_status(const fs_supervisor *sup, fs_status *status) { *status = sup->status; }

#include "fs_supervisor.h"

#include "fs_delay.h"
#include "fs_detectors.h"
#include "fs_enhancer.h"
#include "fs_fpu.h"
#include "fs_geometry.h"
#include "fs_guard.h"
#include "fs_hopper.h"
#include "fs_incidents.h"
#include "fs_light.h"
#include "fs_mixer.h"
#include "fs_net_tuning.h"
#include "fs_sanitize.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIER_COUNT 3u
#define NO_TIER 255u

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

  /* The tiers, one instance per channel, all late by geometry.hop_latency. */
  fs_enhancer *full[FS_MAX_CHANNELS];
  fs_light *light[FS_MAX_CHANNELS];
  fs_delay *dry[FS_MAX_CHANNELS];
  float *clean_in[FS_MAX_CHANNELS];             /* the hop's input, non-finite samples zeroed */
  uint32_t tier_nonfinite[2];                   /* this hop's non-finite samples, full and light */
  float *tier_out[TIER_COUNT][FS_MAX_CHANNELS]; /* each tier's hop output */

  /* Known-good copies of the enhancers' state, two slots taken in turn. */
  void *snapshot[2][FS_MAX_CHANNELS];
  bool snapshot_valid[2];
  uint64_t snapshot_at[2];
  uint32_t snapshot_next;
  uint32_t clean_hops;

  fs_guard *guard;
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

  /* Graded responses in force on the full path. */
  float protection;
  float trim_db;
  uint64_t last_adjust_need;
  uint64_t start_light_until;

  /* The current host call. */
  uint32_t host_period;
  uint32_t call_block;
  uint64_t call_start_ns;
  double call_budget_ns;
  bool budget_spent;

  uint64_t now; /* hop-grid clock, samples */
  float health_penalty;

  /* Load meter. */
  uint64_t load_ns;
  uint64_t load_samples;
  bool load_valid;

  fs_status status;
};

static uint64_t monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

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
  bool ok = (sup->hopper = fs_hopper_create(channels, g->hop)) != NULL;
  uint32_t lookahead = (uint32_t)ms_to_samples(sup, FS_NET_LOOKAHEAD_MS);
  ok = ok && (sup->guard = fs_guard_create(channels, g->hop, g->hop_latency, lookahead,
                                           (uint32_t)ms_to_samples(sup, FS_NET_RELEASE_MS))) != NULL;
  ok = ok && (sup->ring = fs_event_ring_create(FS_NET_RING_CAPACITY)) != NULL;
  for (uint32_t c = 0; ok && c < channels; ++c) {
    sup->full[c] = fs_enhancer_create(g->sample_rate);
    sup->light[c] = fs_light_create(g->sample_rate);
    sup->dry[c] = fs_delay_create(g->hop_latency);
    sup->clean_in[c] = calloc(g->hop, sizeof(float));
    ok = sup->full[c] && sup->light[c] && sup->dry[c] && sup->clean_in[c];
    for (uint32_t t = 0; ok && t < TIER_COUNT; ++t) {
      ok = (sup->tier_out[t][c] = calloc(g->hop, sizeof(float))) != NULL;
    }
    for (uint32_t s = 0; ok && s < 2; ++s) {
      ok = (sup->snapshot[s][c] = malloc(fs_enhancer_snapshot_size(sup->full[c]))) != NULL;
    }
  }
  if (!ok) {
    fs_supervisor_destroy(sup);
    return NULL;
  }
  init_breakers(sup);
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
    fs_delay_destroy(sup->dry[c]);
    free(sup->clean_in[c]);
    for (uint32_t t = 0; t < TIER_COUNT; ++t) {
      free(sup->tier_out[t][c]);
    }
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

static void set_full_adjustments(fs_supervisor *sup) {
  const float trim = fminf(sup->trim_db, current_table(sup)->preemptive_trim_db);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_protection(sup->full[c], sup->protection);
    fs_enhancer_set_trim(sup->full[c], trim);
  }
}

void fs_supervisor_reset(fs_supervisor *sup) {
  fs_hopper_reset(sup->hopper);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_reset(sup->full[c]);
    fs_light_reset(sup->light[c]);
    fs_delay_reset(sup->dry[c]);
  }
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
  sup->first_hop = true;
  sup->protection = 0.0f;
  sup->trim_db = 0.0f;
  sup->last_adjust_need = 0;
  sup->now = 0;
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

/* Start of a hop: the host's latest controls and the worker's latest table. */
static void begin_hop(fs_supervisor *sup) {
  if (atomic_load_explicit(&sup->table_pending, memory_order_acquire)) {
    const int active = atomic_load_explicit(&sup->active_table, memory_order_relaxed);
    atomic_store_explicit(&sup->active_table, 1 - active, memory_order_release);
    atomic_store_explicit(&sup->table_pending, false, memory_order_release);
    set_full_adjustments(sup);
  }
  const fs_chaos_mode previous_chaos = sup->active.chaos;
  sup->active = sup->pending;
  if (sup->active.chaos != FS_CHAOS_OFF) {
    sup->chaos_off_since = UINT64_MAX;
  } else if (previous_chaos != FS_CHAOS_OFF) {
    sup->chaos_off_since = sup->now;
  } else if (sup->chaos_off_since != UINT64_MAX &&
             sup->now - sup->chaos_off_since >= ms_to_samples(sup, FS_NET_CHAOS_OVER_MS)) {
    for (uint32_t t = 0; t < 2; ++t) {
      if (sup->quarantined_by_chaos[t] && sup->breaker[t].state == FS_BREAKER_QUARANTINED) {
        fs_breaker_reset(&sup->breaker[t]);
      }
      sup->quarantined_by_chaos[t] = false;
    }
    sup->chaos_off_since = UINT64_MAX;
  }
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_reduction(sup->full[c], sup->active.reduction_db);
    fs_enhancer_set_fault(sup->full[c], fault_for(sup->active.chaos));
    fs_light_set_reduction(sup->light[c], sup->active.reduction_db);
  }
}

static void take_snapshot(fs_supervisor *sup) {
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
static void rebuild_full(fs_supervisor *sup) {
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

static bool full_state_finite(const fs_supervisor *sup) {
  for (uint32_t c = 0; c < sup->channels; ++c) {
    if (!fs_enhancer_state_is_finite(sup->full[c])) {
      return false;
    }
  }
  return true;
}

static void trip(fs_supervisor *sup, uint32_t tier, fs_cause cause) {
  if (tier > FS_TIER_LIGHT) {
    return;
  }
  const bool for_time = cause == FS_CAUSE_DEADLINE;
  fs_breaker_set_cooldown_cap(&sup->breaker[tier], ms_to_samples(sup, for_time ? FS_NET_COOLDOWN_CAP_DEADLINE_MS
                                                                               : FS_NET_COOLDOWN_CAP_MS));
  const fs_breaker_state before = sup->breaker[tier].state;
  fs_breaker_trip(&sup->breaker[tier], sup->now);
  if (tier == FS_TIER_FULL && before != sup->breaker[tier].state) {
    sup->full_resting = for_time;
  }
}

static void apply_strategy(fs_supervisor *sup, int strategy, fs_cause cause, uint32_t tier) {
  switch (strategy) {
  case FS_STRATEGY_ADJUST:
    if (tier == FS_TIER_FULL && cause == FS_CAUSE_MUSICAL_NOISE) {
      sup->protection = fminf(1.0f, sup->protection + FS_NET_PROTECTION_STEP);
      sup->last_adjust_need = sup->now;
      set_full_adjustments(sup);
    } else if (tier == FS_TIER_FULL && cause == FS_CAUSE_OUTPUT_CLIPPING) {
      sup->trim_db = fmaxf(FS_NET_TRIM_MIN_DB, sup->trim_db + FS_NET_TRIM_STEP_DB);
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
static fs_event hop_context(const fs_supervisor *sup, float in_peak, float out_peak) {
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

/* Peaks, energies and non-finite counts of the full and light tiers
   against the dry, in one branch-free pass (a careful pass follows only
   when a tier produced something not finite). */
static void observe_tiers(const fs_supervisor *sup, bool with_full, fs_tier_observation *full,
                          fs_tier_observation *light) {
  memset(full, 0, sizeof(*full));
  memset(light, 0, sizeof(*light));
  full->state_finite = light->state_finite = true;
  full->samples = light->samples = sup->geometry.hop * sup->channels;
  const uint32_t hop = sup->geometry.hop;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const float *restrict f = sup->tier_out[FS_TIER_FULL][c];
    const float *restrict l = sup->tier_out[FS_TIER_LIGHT][c];
    const float *restrict d = sup->tier_out[FS_TIER_BYPASS][c];
    const uint32_t f_bits = fs_peak_bits(f, hop), l_bits = fs_peak_bits(l, hop), d_bits = fs_peak_bits(d, hop);
    const bool f_bad = f_bits > FS_FINITE_BITS_MAX, l_bad = l_bits > FS_FINITE_BITS_MAX;
    const float f_peak = f_bad ? 0.0f : fs_bits_value(f_bits);
    const float l_peak = l_bad ? 0.0f : fs_bits_value(l_bits);
    const float d_peak = fs_bits_value(d_bits); /* the dry is always finite: the input was cleaned */
    float f_energy = 0.0f, l_energy = 0.0f, d_energy = 0.0f;
    for (uint32_t i = 0; i < hop; ++i) {
      f_energy += f[i] * f[i];
      l_energy += l[i] * l[i];
      d_energy += d[i] * d[i];
    }
    for (uint32_t i = 0; (f_bad || l_bad) && i < hop; ++i) {
      full->nonfinite += f_bad && !isfinite(f[i]);
      light->nonfinite += l_bad && !isfinite(l[i]);
    }
    full->out_peak = fmaxf(full->out_peak, f_peak);
    light->out_peak = fmaxf(light->out_peak, l_peak);
    full->ref_peak = light->ref_peak = fmaxf(full->ref_peak, d_peak);
    full->out_energy += f_energy;
    light->out_energy += l_energy;
    full->ref_energy += d_energy;
    light->ref_energy += d_energy;
  }
  if (!with_full) {
    return;
  }
  full->has_spectrum = true;
  /* The whole state is scanned every few hops; in between, the sum of the
     noise estimate (which the enhancer forms anyway) stands for it: a NaN
     anywhere in the tracker reaches that estimate within a hop or two. */
  const bool thorough = (sup->now / sup->geometry.hop) % FS_NET_STATE_SCAN_HOPS == 0;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const fs_enhancer_stats *s = fs_enhancer_stats_last(sup->full[c]);
    const bool cheap_ok = isfinite(s->noise_energy) && isfinite(s->output_energy);
    full->state_finite = full->state_finite && cheap_ok && (!thorough || fs_enhancer_state_is_finite(sup->full[c]));
    full->state_denormals += fs_enhancer_state_denormals(sup->full[c]);
    full->max_gain = fmaxf(full->max_gain, s->max_gain);
    full->bins_above_unity += s->bins_above_unity;
    full->spectrum_in_energy += s->input_energy;
    full->spectrum_out_energy += s->output_energy;
    full->musical_noise = fmaxf(full->musical_noise, s->musical_noise);
    full->flux_ratio = fmaxf(full->flux_ratio, s->flux_ratio);
  }
}

/* Runs the full path for one hop, with its injected faults, and checks
   the clock.  Returns false when it was not run. */
static bool run_full(fs_supervisor *sup, const float *const *tier_in, fs_findings *findings) {
  const fs_breaker_state state = sup->breaker[FS_TIER_FULL].state;
  const bool wanted =
      state != FS_BREAKER_QUARANTINED && !(state == FS_BREAKER_OPEN && sup->full_resting) && !sup->budget_spent;
  const uint32_t hop = sup->geometry.hop;
  if (!wanted) {
    sup->full_needs_resync = true;
    if (sup->budget_spent) {
      sup->status.deadline_skips++;
    }
    for (uint32_t c = 0; c < sup->channels; ++c) {
      memcpy(sup->tier_out[FS_TIER_FULL][c], sup->tier_out[FS_TIER_LIGHT][c], hop * sizeof(float));
    }
    return false;
  }
  if (sup->full_needs_resync) {
    for (uint32_t c = 0; c < sup->channels; ++c) {
      fs_enhancer_resync(sup->full[c]);
    }
    sup->full_needs_resync = false;
    sup->full_warmup = sup->geometry.frame / hop + 1;
  }
  const uint64_t start = monotonic_ns();
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_process_hop(sup->full[c], tier_in[c], sup->tier_out[FS_TIER_FULL][c]);
  }
  if (sup->active.chaos == FS_CHAOS_CPU_STALL) {
    /* A real stall: spin past the budget (bounded, in case the clock stops). */
    const uint64_t until = start + (uint64_t)(FS_NET_CHAOS_STALL * sup->call_budget_ns);
    for (uint32_t spins = 0; spins < 100000000u && monotonic_ns() < until; ++spins) {
    }
  } else if (sup->active.chaos == FS_CHAOS_CLIPPING_BOOST) {
    for (uint32_t c = 0; c < sup->channels; ++c) {
      for (uint32_t i = 0; i < hop; ++i) {
        sup->tier_out[FS_TIER_FULL][c][i] *= FS_NET_CHAOS_BOOST;
      }
    }
  }
  if (!sup->active.freewheel) {
    const double elapsed = (double)(monotonic_ns() - sup->call_start_ns);
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
static void handle_findings(fs_supervisor *sup, const fs_findings *findings, uint32_t tier, const fs_event *context) {
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

/* Blends the tiers into `out`, sample by sample, with a lower tier's
   sample standing in for any non-finite one. */
static void mix(fs_supervisor *sup, float *const *out) {
  const uint32_t hop = sup->geometry.hop;
  const uint32_t target = sup->mixer.target;
  const bool clean = target == FS_TIER_BYPASS || (sup->tier_nonfinite[FS_TIER_LIGHT] == 0 &&
                                                  (target == FS_TIER_LIGHT || sup->tier_nonfinite[FS_TIER_FULL] == 0));
  if (fs_mixer_settled(&sup->mixer) && clean) {
    /* The usual hop: one clean tier, passed as it is. */
    for (uint32_t c = 0; c < sup->channels; ++c) {
      memcpy(out[c], sup->tier_out[target][c], hop * sizeof(float));
    }
    return;
  }
  const float fade = (float)(sup->active.xfade_ms * sup->geometry.sample_rate / 1000.0);
  for (uint32_t i = 0; i < hop; ++i) {
    const bool settled = fs_mixer_settled(&sup->mixer);
    const float w_full = sup->mixer.weight[FS_TIER_FULL];
    const float w_light = sup->mixer.weight[FS_TIER_LIGHT];
    const float w_dry = sup->mixer.weight[FS_TIER_BYPASS];
    for (uint32_t c = 0; c < sup->channels; ++c) {
      const float dry = sup->tier_out[FS_TIER_BYPASS][c][i];
      float light = sup->tier_out[FS_TIER_LIGHT][c][i];
      float full = sup->tier_out[FS_TIER_FULL][c][i];
      if (!isfinite(light)) {
        light = dry;
        sup->status.substituted++;
      }
      if (!isfinite(full)) {
        full = light;
        sup->status.substituted++;
      }
      float y;
      if (settled) {
        /* One tier alone: pass it as it is, bit for bit. */
        y = sup->mixer.target == FS_TIER_FULL ? full : (sup->mixer.target == FS_TIER_LIGHT ? light : dry);
      } else {
        y = w_full * full + w_light * light + w_dry * dry;
      }
      out[c][i] = y;
    }
    fs_mixer_step(&sup->mixer, fade);
  }
}

static void update_health(fs_supervisor *sup, uint32_t incidents_before) {
  const float hop_seconds = (float)(sup->geometry.hop / sup->geometry.sample_rate);
  sup->health_penalty *= expf(-hop_seconds / HEALTH_RECOVERY_SECONDS);
  sup->health_penalty += HEALTH_INCIDENT_PENALTY * (float)(sup->incidents.count - incidents_before);
  const uint32_t heard = sup->mixer.target;
  float base = 100.0f;
  if (sup->active.enabled) {
    base = heard == FS_TIER_FULL ? 100.0f : (heard == FS_TIER_LIGHT ? 70.0f : 40.0f);
  }
  if (sup->breaker[0].state == FS_BREAKER_QUARANTINED || sup->breaker[1].state == FS_BREAKER_QUARANTINED) {
    base = fminf(base, 50.0f);
  }
  sup->status.health = fmaxf(0.0f, fminf(100.0f, base - sup->health_penalty));
}

static void process_hop(void *context, const float *const *in, float *const *out) {
  fs_supervisor *sup = context;
  const uint32_t hop = sup->geometry.hop;
  begin_hop(sup);
  const float ceiling = fs_guard_ceiling(sup->active.ceiling_db);
  const uint32_t incidents_before = sup->incidents.count;

  /* 1. The input: checked, cleaned for the tiers, keyed for the guard. */
  fs_findings input_findings = {0};
  fs_input_summary input;
  fs_input_check(&sup->input_monitor, in, sup->channels, hop, &input_findings, &input);
  /* The tiers read the input as it is, or a copy with NaN/Inf zeroed. */
  const float *tier_in[FS_MAX_CHANNELS];
  for (uint32_t c = 0; c < sup->channels; ++c) {
    tier_in[c] = in[c];
    if (input.nonfinite > 0) {
      for (uint32_t i = 0; i < hop; ++i) {
        const float x = in[c][i];
        sup->clean_in[c][i] = isfinite(x) ? x : 0.0f;
      }
      tier_in[c] = sup->clean_in[c];
    }
  }
  fs_guard_analyse(sup->guard, in, ceiling);

  /* 2. The tiers.  Light and dry always run, so they are ready at any sample. */
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_delay_process(sup->dry[c], tier_in[c], sup->tier_out[FS_TIER_BYPASS][c], hop);
    fs_light_process_hop(sup->light[c], tier_in[c], sup->tier_out[FS_TIER_LIGHT][c]);
  }
  fs_findings full_findings = {0}, light_findings = {0};
  const bool full_ran = run_full(sup, tier_in, &full_findings);

  /* 3. The detectors. */
  const fs_tier_thresholds thresholds = {.ceiling = ceiling,
                                         .musical_noise_threshold = current_table(sup)->musical_noise_threshold,
                                         .flux_threshold = current_table(sup)->flux_threshold};
  fs_tier_observation full_obs, light_obs;
  observe_tiers(sup, full_ran, &full_obs, &light_obs);
  sup->tier_nonfinite[FS_TIER_FULL] = full_ran ? full_obs.nonfinite : 0;
  sup->tier_nonfinite[FS_TIER_LIGHT] = light_obs.nonfinite;
  float out_peak = light_obs.out_peak;
  if (full_ran) {
    fs_tier_check(&sup->tier_monitor[FS_TIER_FULL], &thresholds, &full_obs, &full_findings);
    out_peak = full_obs.out_peak;
    if (sup->full_warmup > 0) {
      /* Re-warming after a rebuild: only hard faults count yet. */
      sup->full_warmup--;
      uint32_t kept = 0;
      for (uint32_t k = 0; k < full_findings.count; ++k) {
        if (full_findings.items[k].severe) {
          full_findings.items[kept++] = full_findings.items[k];
        }
      }
      full_findings.count = kept;
    }
  }
  fs_tier_check(&sup->tier_monitor[FS_TIER_LIGHT], &thresholds, &light_obs, &light_findings);

  /* 4. Acting on them, before this hop is mixed. */
  const fs_event context_record = hop_context(sup, input.peak, out_peak);
  handle_findings(sup, &input_findings, NO_TIER, &context_record);
  handle_findings(sup, &full_findings, FS_TIER_FULL, &context_record);
  handle_findings(sup, &light_findings, FS_TIER_LIGHT, &context_record);
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
  if (sup->now - sup->last_adjust_need > ms_to_samples(sup, FS_NET_ADJUST_CALM_MS) &&
      (sup->protection > 0.0f || sup->trim_db < 0.0f)) {
    sup->protection = 0.0f;
    sup->trim_db = 0.0f;
    set_full_adjustments(sup);
  }
  const uint32_t target = choose_tier(sup);
  if (sup->first_hop) {
    fs_mixer_reset(&sup->mixer, target);
    sup->first_hop = false;
  } else {
    fs_mixer_set_target(&sup->mixer, target);
  }

  /* 5. Mix and guard. */
  mix(sup, out);
  fs_guard_stats guard;
  fs_guard_apply(sup->guard, out, ceiling, &guard);
  sup->status.guard_limited += guard.limited;
  sup->status.guard_clamped += guard.clamped;
  sup->status.guard_nonfinite += guard.nonfinite;

  /* 6. Bookkeeping: snapshots of a clean full path, incidents, status. */
  const bool clean = full_ran && full_findings.count == 0 && sup->full_warmup == 0 &&
                     sup->breaker[FS_TIER_FULL].state == FS_BREAKER_CLOSED;
  sup->clean_hops = clean ? sup->clean_hops + 1 : 0;
  if (clean && sup->clean_hops % FS_NET_SNAPSHOT_HOPS == 0) {
    take_snapshot(sup);
  }
  sup->now += hop;
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
  sup->call_start_ns = monotonic_ns();
  sup->call_block = n;
  /* The real-time period this call must fit in: the host's nominal block
     when it said, else this call's own length, and never less than a hop
     (below a hop the work of one hop lands in one call whatever we do). */
  uint32_t period = sup->host_period ? sup->host_period : n;
  if (period < sup->geometry.hop) {
    period = sup->geometry.hop;
  }
  /* The learner may tighten or loosen the budget, never past the control's range. */
  const fs_control_range *range = fs_control_range_of(FS_CONTROL_BUDGET);
  double budget_pct = (double)sup->pending.budget_pct * (double)current_table(sup)->budget_scale;
  budget_pct = fmax(range->minimum, fmin(range->maximum, budget_pct));
  sup->call_budget_ns = budget_pct / 100.0 * 1e9 * (double)period / sup->geometry.sample_rate;
  sup->budget_spent = false;

  fs_hopper_process(sup->hopper, in, out, n, process_hop, sup);

  meter_load(sup, monotonic_ns() - sup->call_start_ns, n);
  sup->status.events_dropped = fs_event_ring_dropped(sup->ring);
  fs_fpu_restore(fpu);
}

void fs_supervisor_status(const fs_supervisor *sup, fs_status *status) { *status = sup->status; }

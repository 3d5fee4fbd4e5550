/*
  The supervisor's hop, in six steps, and its public face.  The steps'
  work lives in units of their own: the full tier's care in
  fs_full_path.c, the decisions in fs_policy.c, fault injection in
  fs_fault.c, the tiers' mix in fs_hop_mix.c, load and health in
  fs_meter.c.  A few lines over 500 since the learned tier's detection
  step came in: detect_learned() is the one to move to fs_full_path.c
  next.
*/
#include "fs_supervisor.h"

#include "fs_compiler.h"
#include "fs_fpu.h"
#include "fs_full_path.h"
#include "fs_hop_mix.h"
#include "fs_net_tuning.h"
#include "fs_sanitize.h"
#include "fs_supervisor_state.h"
#include "fs_tuning.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static_assert(FS_MAX_CHANNELS <= FS_INPUT_MAX_CHANNELS, "the input check measures every channel");

static uint64_t ms_to_samples(const fs_supervisor *sup, double ms) {
  return (uint64_t)(ms * sup->geometry.sample_rate / 1000.0 + 0.5);
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
  fs_policy_init(&sup->policy, g->sample_rate, sup->ring);
  fs_fault_init(&sup->faults, g->sample_rate);
  fs_meter_init(&sup->meter, g->sample_rate, g->hop);
  fs_input_monitor_init(&sup->input_monitor, 0.1f * (float)g->sample_rate / (float)g->hop);
  fs_learned_thresholds_init(&sup->learned_thresholds, (double)g->hop / g->sample_rate);
  sup->learned_allowed = FS_LEARNED_SHARE_DEFAULT;
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

void fs_supervisor_reset(fs_supervisor *sup) {
  fs_hopper_reset(sup->hopper);
  fs_full_reset(sup);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_light_reset(sup->light[c]);
    memset(sup->input_peak[c], 0, sup->input_slots * sizeof(float));
    memset(sup->input_energy[c], 0, sup->input_slots * sizeof(float));
  }
  sup->input_next = 0;
  fs_guard_reset(sup->guard);
  for (uint32_t t = 0; t < 2; ++t) {
    fs_tier_monitor_reset(&sup->tier_monitor[t]);
  }
  fs_input_monitor_reset(&sup->input_monitor);
  sup->now = 0;
  sup->hops = 0;
  fs_policy_reset(&sup->policy, (uint64_t)fs_supervisor_table(sup)->start_on_light_hops * sup->geometry.hop);
  fs_fault_reset(&sup->faults);
  sup->active = sup->pending;
  sup->active.out_of_range = 0; /* controls out of range at activation are reported at the first hop */
  fs_fault_set(&sup->faults, sup->active.chaos, sup->full, sup->channels);
  sup->ceiling_db = NAN; /* made again at the first hop */
  sup->reduction_db = NAN;
  sup->first_hop = true;
  fs_full_set_adjustments(sup);
  fs_mixer_reset(&sup->mixer, FS_TIER_FULL);
  fs_meter_reset(&sup->meter);
  const uint64_t dropped = sup->status.events_dropped;
  sup->status = (fs_status){.latency = sup->geometry.latency, .tier = FS_TIER_FULL, .health = 100.0f};
  sup->status.events_dropped = dropped;
}

void fs_supervisor_set_controls(fs_supervisor *sup, const fs_controls *controls) { sup->pending = *controls; }

void fs_supervisor_set_learned_allowed(fs_supervisor *sup, float share) {
  sup->learned_allowed = share > 0.0f ? (share < 1.0f ? share : 1.0f) : 0.0f;
}

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

/* The worker's new table takes over (rare: after an incident). */
FS_COLD static void swap_table(fs_supervisor *sup) {
  const int active = atomic_load_explicit(&sup->active_table, memory_order_relaxed);
  atomic_store_explicit(&sup->active_table, 1 - active, memory_order_release);
  atomic_store_explicit(&sup->table_pending, false, memory_order_release);
  fs_full_set_adjustments(sup);
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

/* Start of a hop: the host's latest controls and the worker's latest table. */
static void begin_hop(fs_supervisor *sup) {
  if (FS_UNLIKELY(atomic_load_explicit(&sup->table_pending, memory_order_acquire))) {
    swap_table(sup);
  }
  const fs_chaos_mode previous_chaos = sup->active.chaos;
  sup->active = sup->pending;
  fs_fault_follow(&sup->faults, previous_chaos, sup->active.chaos, sup->now, &sup->policy);
  if (FS_UNLIKELY(!(sup->active.reduction_db == sup->reduction_db) || !(sup->active.ceiling_db == sup->ceiling_db))) {
    apply_level_controls(sup);
  }
  if (FS_UNLIKELY(fs_fault_for(sup->active.chaos) != sup->faults.fault)) {
    fs_fault_set(&sup->faults, sup->active.chaos, sup->full, sup->channels);
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
                    .breaker_opens = sup->policy.breaker[FS_TIER_FULL].opened};
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

/* NaN and Inf in a hop of input become silence. */
FS_COLD static void zero_nonfinite(float *x, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = isfinite(x[i]) ? x[i] : 0.0f;
  }
}

/* What one hop's steps hand on to the next. */
typedef struct {
  bool full_ran;
  fs_findings input_findings, full_findings, light_findings, learned_findings; /* only items[0 .. count) are ever read */
  fs_input_summary input;
  uint32_t oldest; /* the input-measure slot of the hop leaving the dry line */
  const float *dry[FS_MAX_CHANNELS];
  float ref_peak[FS_MAX_CHANNELS], ref_energy[FS_MAX_CHANNELS];
  float out_peak;
  fs_event context_record; /* read only when made */
} hop_work;

/* 2. The input: checked and measured in one read, keyed for the guard,
   then NaN/Inf zeroed in place when there are any (the hop stays in the
   hopper's history as the dry line).  Its measures wait in a ring for the
   hop that leaves the dry line, whose reference they are.  The light tier
   decides its gain every hop, so it is ready at any sample; its samples
   are made only when they are used. */
static void check_input(fs_supervisor *sup, const float *const *in, float ceiling, hop_work *w) {
  const uint32_t hop = sup->geometry.hop;
  fs_block_measure measured[FS_MAX_CHANNELS];
  for (uint32_t c = 0; c < sup->channels; ++c) {
    measured[c] = sup->measure(in[c], NULL, hop);
  }
  fs_input_check(&sup->input_monitor, in, measured, sup->channels, hop, &w->input_findings, &w->input);
  const uint32_t newest = sup->input_next;
  w->oldest = newest + 1 == sup->input_slots ? 0 : newest + 1;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    w->dry[c] = fs_hopper_input_hop(sup->hopper, c, sup->dry_delay);
    sup->input_peak[c][newest] = w->input.channel_peak[c];
    sup->input_energy[c][newest] = w->input.channel_energy[c];
    w->ref_peak[c] = sup->input_peak[c][w->oldest];
    w->ref_energy[c] = sup->input_energy[c][w->oldest];
  }
  fs_guard_analyse_peak(sup->guard, in, ceiling, w->input.nonfinite > 0 ? INFINITY : w->input.peak);
  if (FS_UNLIKELY(w->input.nonfinite > 0)) {
    for (uint32_t c = 0; c < sup->channels; ++c) {
      zero_nonfinite(fs_hopper_input_hop(sup->hopper, c, 0), hop); /* read as it came; from now on dry */
    }
  }
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_light_update(sup->light[c], w->input.channel_energy[c]);
  }
}

/* 3. The detectors, on the tiers that may be heard. */
static void detect(fs_supervisor *sup, float *const *out, float ceiling, hop_work *w) {
  const fs_tier_thresholds thresholds = {.ceiling = ceiling,
                                         .musical_noise_threshold = fs_supervisor_table(sup)->musical_noise_threshold,
                                         .flux_threshold = fs_supervisor_table(sup)->flux_threshold};
  fs_tier_observation full_obs, light_obs;
  sup->full_nonfinite = 0;
  sup->scanned_whole = false;
  /* The light tier is looked at while it may be heard: in the mix, on its
     way in or out, or on probation.  Otherwise it is the dry reference
     turned down, unheard, and nothing in it can be wrong that the
     detectors could see (observe_light()). */
  const bool light_audible = !w->full_ran || sup->mixer.target != FS_TIER_FULL ||
                             sup->mixer.weight[FS_TIER_LIGHT] > 0.0f ||
                             !fs_breaker_closed(&sup->policy.breaker[FS_TIER_LIGHT]);
  w->out_peak = 0.0f;
  if (FS_UNLIKELY(light_audible)) {
    observe_light(sup, w->ref_peak, w->ref_energy, &light_obs);
    w->out_peak = light_obs.out_peak;
  }
  if (w->full_ran) {
    fs_full_observe(sup, out, w->ref_peak, w->ref_energy, &full_obs);
    sup->full_nonfinite = full_obs.nonfinite;
    fs_tier_check(&sup->tier_monitor[FS_TIER_FULL], &thresholds, &full_obs, &w->full_findings);
    w->out_peak = full_obs.out_peak;
    if (FS_UNLIKELY(sup->full_warmup > 0)) {
      sup->full_warmup--;
      fs_policy_keep_severe(&w->full_findings);
    }
  }
  if (FS_UNLIKELY(light_audible)) {
    fs_tier_check(&sup->tier_monitor[FS_TIER_LIGHT], &thresholds, &light_obs, &w->light_findings);
  }
  if (w->full_ran && FS_UNLIKELY(fs_full_learned_watched(sup))) {
    fs_full_check_learned(sup, &w->learned_findings);
  }
}

/* 4. Acting on the findings, before this hop is mixed: the policy decides,
   then the full path carries out what it asked for.  The record context is
   only made for a hop that may write a record. */
static void act(fs_supervisor *sup, hop_work *w) {
  fs_policy *policy = &sup->policy;
  const bool may_record = w->input_findings.count > 0 || w->full_findings.count > 0 ||
                          w->light_findings.count > 0 || w->learned_findings.count > 0 ||
                          fs_incidents_any_open(&policy->incidents);
  if (FS_UNLIKELY(may_record)) {
    w->context_record = hop_context(sup, w->input.peak, w->out_peak);
  }
  const fs_strategy_table *table = fs_supervisor_table(sup);
  const uint32_t heard = sup->mixer.target;
  const bool chaos_on = sup->active.chaos != FS_CHAOS_OFF;
  if (FS_UNLIKELY(w->input_findings.count > 0)) {
    fs_policy_handle_findings(policy, table, &w->input_findings, FS_POLICY_NO_TIER, heard, sup->now, chaos_on,
                              &w->context_record);
  }
  if (FS_UNLIKELY(w->full_findings.count > 0)) {
    fs_policy_handle_findings(policy, table, &w->full_findings, FS_TIER_FULL, heard, sup->now, chaos_on,
                              &w->context_record);
  }
  if (FS_UNLIKELY(w->light_findings.count > 0)) {
    fs_policy_handle_findings(policy, table, &w->light_findings, FS_TIER_LIGHT, heard, sup->now, chaos_on,
                              &w->context_record);
  }
  if (FS_UNLIKELY(w->learned_findings.count > 0)) {
    fs_policy_handle_learned(policy, table, &w->learned_findings, heard, sup->now, chaos_on, &w->context_record);
  }
  if (FS_UNLIKELY(policy->rebuild_full)) {
    policy->rebuild_full = false;
    fs_full_rebuild(sup);
  }
  if (FS_UNLIKELY(policy->repair_learned)) {
    policy->repair_learned = false;
    fs_full_repair_learned(sup); /* the classical path plays on, untouched */
  }
  if (FS_UNLIKELY(!fs_breaker_idle(&policy->learned))) {
    if (fs_policy_tick_learned(policy, sup->now)) {
      fs_full_repair_learned(sup); /* a probe on broken state could only fail */
    }
  }
  if (FS_UNLIKELY(!fs_breaker_idle(&policy->breaker[FS_TIER_FULL]) ||
                  !fs_breaker_idle(&policy->breaker[FS_TIER_LIGHT]))) {
    if (fs_policy_tick_breakers(policy, sup->now) && (fs_policy_take_suspect(policy) || !fs_full_state_finite(sup))) {
      fs_full_rebuild(sup); /* a probe on broken state, or on a fault's memory, could only fail */
    }
  } else {
    fs_policy_idle(policy);
  }
  if (FS_UNLIKELY(fs_full_learned_watched(sup))) {
    fs_full_set_learned_share(sup);
  }
  if (FS_UNLIKELY(fs_policy_adjustments_due(policy, sup->now))) {
    fs_policy_end_adjustments(policy);
  }
  if (FS_UNLIKELY(policy->adjusted)) {
    policy->adjusted = false;
    fs_full_set_adjustments(sup);
  }
  const uint32_t target = fs_policy_choose_tier(policy, sup->active.enabled, sup->now);
  if (sup->first_hop) {
    fs_mixer_reset(&sup->mixer, target);
    sup->first_hop = false;
  } else {
    fs_mixer_set_target(&sup->mixer, target);
  }
}

/* 5. Mix and guard (which need not measure the full tier's hop again). */
static void mix_and_guard(fs_supervisor *sup, float *const *out, float ceiling, const hop_work *w) {
  const bool untouched = fs_hop_mix(sup, out, w->full_ran, w->dry);
  fs_guard_stats guard;
  fs_guard_apply_known(sup->guard, out, ceiling, untouched ? sup->full_level : NULL, &guard);
  sup->status.guard_limited += guard.limited;
  sup->status.guard_clamped += guard.clamped;
  sup->status.guard_nonfinite += guard.nonfinite;
}

/* 6. Bookkeeping: snapshots of a clean full path, incidents, status. */
static void keep_books(fs_supervisor *sup, const hop_work *w, uint32_t incidents_before) {
  fs_policy *policy = &sup->policy;
  const bool clean = w->full_ran && w->full_findings.count == 0 && sup->full_warmup == 0 &&
                     policy->breaker[FS_TIER_FULL].state == FS_BREAKER_CLOSED;
  sup->clean_hops = clean ? sup->clean_hops + 1 : 0;
  if (FS_UNLIKELY(clean && sup->scanned_whole && sup->clean_hops >= FS_NET_SNAPSHOT_HOPS)) {
    fs_full_take_snapshot(sup); /* clean on a scanned hop: the whole state is finite */
    sup->clean_hops = 0;
  }
  sup->input_next = w->oldest;
  sup->now += sup->geometry.hop;
  sup->hops++;
  fs_incidents_tick(&policy->incidents, (uint8_t)sup->mixer.target, fs_mixer_settled(&sup->mixer), sup->now,
                    &w->context_record);
  sup->status.health = fs_meter_health(&sup->meter, policy->incidents.count - incidents_before, sup->active.enabled,
                                       sup->mixer.target,
                                       policy->breaker[0].state == FS_BREAKER_QUARANTINED ||
                                           policy->breaker[1].state == FS_BREAKER_QUARANTINED);
  sup->status.tier = (fs_tier)fs_mixer_dominant(&sup->mixer);
  sup->status.heading = (fs_tier)sup->mixer.target;
  sup->status.settled = fs_mixer_settled(&sup->mixer);
  sup->status.incidents = policy->incidents.count;
  sup->status.cause = policy->incidents.last_cause;
  sup->status.breaker[0] = policy->breaker[0].state;
  sup->status.breaker[1] = policy->breaker[1].state;
  sup->status.position = sup->now;
  sup->status.table_version = fs_supervisor_table(sup)->version;
  sup->status.learned_breaker = policy->learned.state;
  sup->status.learned = w->full_ran ? fs_full_learned_share_heard(sup) : 0.0f;
}

static void process_hop(void *context, const float *const *in, float *const *out) {
  fs_supervisor *sup = context;
  const fs_controls controls_before = sup->active;
  begin_hop(sup);
  const float ceiling = sup->ceiling;
  const uint32_t incidents_before = sup->policy.incidents.count;
  hop_work w;
  w.input_findings.count = w.full_findings.count = w.light_findings.count = w.learned_findings.count = 0;
  if (FS_UNLIKELY(sup->active.out_of_range != controls_before.out_of_range)) {
    /* A control newly out of range: an incident of the input's kind (no
       tier to blame; its values were clamped already). */
    fs_controls_check(&controls_before, &sup->active, &w.input_findings);
  }

  /* 1. The full tier, first: it reads the host's hop as it came (the
     enhancer makes NaN and Inf silence itself, as the dry line does) and
     writes into `out`.  Everything the net does for this hop follows it
     in one go, so the net's data, which the full tier's working set
     pushes out of the cache, is fetched once per hop rather than before
     and again after. */
  w.full_ran = fs_full_run(sup, in, out, &w.full_findings);
  check_input(sup, in, ceiling, &w); /* 2 */
  detect(sup, out, ceiling, &w);     /* 3 */
  act(sup, &w);                      /* 4 */
  mix_and_guard(sup, out, ceiling, &w); /* 5 */
  keep_books(sup, &w, incidents_before); /* 6 */
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
  sup->call_start_ns = hops_ahead ? fs_clock_now(&sup->clock) : 0;
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
  const float scale = fs_supervisor_table(sup)->budget_scale;
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
    elapsed_ns = (sup->clock_ns ? sup->clock_ns : fs_clock_now(&sup->clock)) - sup->call_start_ns;
  }
  fs_meter_load(&sup->meter, elapsed_ns, n, &sup->status.dsp_load);
  sup->status.events_dropped = fs_event_ring_dropped(sup->ring);
  fs_fpu_restore(fpu);
}

void fs_supervisor_status(const fs_supervisor *sup, fs_status *status) { *status = sup->status; }

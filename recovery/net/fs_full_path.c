#include "fs_full_path.h"

#include "fs_compiler.h"
#include "fs_fpu.h"
#include "fs_learned_features.h"
#include "fs_net_tuning.h"
#include "fs_sanitize.h"

#include <math.h>
#include <string.h>

/* The share of the learned gains the controls allow while the learned
   breaker is closed: 1 under a learned chaos mode (the fault must be
   heard), else what the net was told, unless the `use_learned` control
   says no. */
static float allowed_share(const fs_supervisor *sup, const fs_controls *controls) {
  if (fs_fault_is_learned(controls->chaos)) {
    return 1.0f;
  }
  return controls->learned ? sup->learned_allowed : 0.0f;
}

FS_COLD void fs_full_reset(fs_supervisor *sup) {
  /* The enhancers start at the share they will play, without a glide (a
     reset makes the share jump to its target). */
  sup->learned_share = allowed_share(sup, &sup->pending);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_learned_share(sup->full[c], sup->learned_share);
    fs_learned_monitor_reset(&sup->learned_monitor[c]);
    fs_enhancer_reset(sup->full[c]);
    fs_fault_reseed(&sup->faults, c);
  }
  sup->snapshot_valid[0] = sup->snapshot_valid[1] = false;
  sup->snapshot_next = 0;
  sup->clean_hops = 0;
  sup->full_needs_resync = false;
  sup->full_warmup = 0;
}

FS_COLD void fs_full_set_adjustments(fs_supervisor *sup) {
  const float trim = fs_minf(sup->policy.trim_db, fs_supervisor_table(sup)->preemptive_trim_db);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_set_protection(sup->full[c], sup->policy.protection);
    fs_enhancer_set_trim(sup->full[c], trim);
  }
}

FS_COLD void fs_full_take_snapshot(fs_supervisor *sup) {
  const uint32_t slot = sup->snapshot_next;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_snapshot(sup->full[c], sup->snapshot[slot][c]);
  }
  sup->snapshot_valid[slot] = true;
  sup->snapshot_at[slot] = sup->now;
  sup->snapshot_next = 1 - slot;
}

/* The older slot: a fault may have started quietly before it was seen.
   -1 when there is none. */
static int older_snapshot(const fs_supervisor *sup) {
  int slot = -1;
  for (int s = 0; s < 2; ++s) {
    if (sup->snapshot_valid[s] && (slot < 0 || sup->snapshot_at[s] < sup->snapshot_at[slot])) {
      slot = s;
    }
  }
  return slot;
}

FS_COLD void fs_full_repair_learned(fs_supervisor *sup) {
  const int slot = older_snapshot(sup);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    if (!fs_enhancer_learned_state_is_finite(sup->full[c])) {
      fs_enhancer_restore_learned(sup->full[c], slot >= 0 ? sup->snapshot[slot][c] : NULL);
    }
  }
}

FS_COLD void fs_full_set_learned_share(fs_supervisor *sup) {
  const float share = fs_policy_learned_allowed(&sup->policy) ? allowed_share(sup, &sup->active) : 0.0f;
  if (share != sup->learned_share) {
    sup->learned_share = share;
    for (uint32_t c = 0; c < sup->channels; ++c) {
      fs_enhancer_set_learned_share(sup->full[c], share);
    }
  }
}

FS_COLD void fs_full_rebuild(fs_supervisor *sup) {
  const int slot = older_snapshot(sup);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    if (slot >= 0) {
      fs_enhancer_restore(sup->full[c], sup->snapshot[slot][c]);
    } else {
      fs_enhancer_reset(sup->full[c]);
      fs_fault_reseed(&sup->faults, c);
    }
  }
  sup->full_needs_resync = true;
  sup->clean_hops = 0;
  /* Its detectors' smoothed history belongs to the state thrown away. */
  fs_tier_monitor_reset(&sup->tier_monitor[FS_TIER_FULL]);
}

FS_COLD bool fs_full_state_finite(const fs_supervisor *sup) {
  for (uint32_t c = 0; c < sup->channels; ++c) {
    if (!fs_enhancer_state_is_finite(sup->full[c])) {
      return false;
    }
  }
  return true;
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
void fs_full_observe(fs_supervisor *sup, float *const *out, const float *ref_peak, const float *ref_energy,
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
    if (sup->active.chaos != FS_CHAOS_OFF || !FS_FPU_FLUSHES_DENORMALS) {
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
  const bool denormal_scan = thorough || sup->active.chaos != FS_CHAOS_OFF || !FS_FPU_FLUSHES_DENORMALS;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const fs_enhancer_stats *s = fs_enhancer_stats_last(sup->full[c]);
    const bool cheap_ok = isfinite(s->noise_energy) && isfinite(s->output_energy);
    bool whole_ok = !thorough || fs_enhancer_state_is_finite(sup->full[c]);
    if (FS_UNLIKELY(!whole_ok) && !fs_enhancer_learned_state_is_finite(sup->full[c])) {
      /* A broken network is the learned tier's fault, heard classical
         already: mend it, and judge the classical state on its own. */
      fs_full_repair_learned(sup);
      whole_ok = fs_enhancer_state_is_finite(sup->full[c]);
    }
    full->state_finite = full->state_finite && cheap_ok && whole_ok;
    full->state_denormals += denormal_scan ? fs_enhancer_state_denormals(sup->full[c]) : 0;
    full->max_gain = fs_maxf(full->max_gain, s->max_gain);
    full->bins_above_unity += s->bins_above_unity;
    full->spectrum_in_energy += s->input_energy;
    full->spectrum_out_energy += s->output_energy;
    full->musical_noise = fs_maxf(full->musical_noise, s->musical_noise);
    full->flux_ratio = fs_maxf(full->flux_ratio, s->flux_ratio);
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

/* Chaos 4's stall ends at one moment for every hop of a call, counted
   from the call's start: one stall per call, however many hops the call
   completes and whatever the net decides.  Live, it outlasts the call's
   budget, so the deadline check sees the overrun and rests the full path.
   Freewheeling there is no period to overrun and no check: it lasts
   FS_NET_CHAOS_STALL budgets of the call's own audio (at least a hop's,
   the work one call may have to do), so a render with the stall left on
   runs at most that many budgets slower than real time (1.5 x 50 % by
   default), whatever its block lengths or nominal block. */
FS_COLD static uint64_t stall_until(const fs_supervisor *sup) {
  double budget_ns = sup->call_budget_ns;
  if (sup->active.freewheel) {
    const uint32_t frames = sup->call_block > sup->geometry.hop ? sup->call_block : sup->geometry.hop;
    budget_ns *= (double)frames / (double)sup->budget_period;
  }
  return sup->call_start_ns + (uint64_t)(FS_NET_CHAOS_STALL * budget_ns);
}

bool fs_full_run(fs_supervisor *sup, const float *const *in, float *const *out, fs_findings *findings) {
  const fs_breaker_state state = sup->policy.breaker[FS_TIER_FULL].state;
  const bool wanted = state != FS_BREAKER_QUARANTINED && !(state == FS_BREAKER_OPEN && sup->policy.full_resting) &&
                      !sup->budget_spent;
  if (FS_UNLIKELY(!wanted)) {
    skip_full(sup);
    return false;
  }
  if (FS_UNLIKELY(sup->full_needs_resync)) {
    resync_full(sup);
  }
  const bool outer_fault = fs_fault_is_outer(sup->active.chaos);
  /* The learned stage runs only while the net hears or watches it. */
  const bool watched = fs_full_learned_watched(sup);
  for (uint32_t c = 0; c < sup->channels; ++c) {
    fs_enhancer_watch_learned(sup->full[c], watched);
    fs_enhancer_process_hop(sup->full[c], in[c], out[c]);
  }
  if (FS_UNLIKELY(outer_fault)) {
    fs_fault_inject_outer(sup->active.chaos, &sup->clock, stall_until(sup), out, sup->channels, sup->geometry.hop);
  }
  if (!sup->active.freewheel) {
    sup->clock_ns = fs_clock_now(&sup->clock); /* the meter reuses it at the end of the call */
    const double elapsed = (double)(sup->clock_ns - sup->call_start_ns);
    if (elapsed > sup->call_budget_ns) {
      fs_deadline_check(elapsed, sup->call_budget_ns, findings);
      sup->budget_spent = true; /* the rest of this call goes light */
    }
  }
  return true;
}

bool fs_full_learned_watched(const fs_supervisor *sup) {
  return sup->learned_share > 0.0f || allowed_share(sup, &sup->active) > 0.0f ||
         !fs_breaker_idle(&sup->policy.learned);
}

FS_COLD void fs_full_check_learned(fs_supervisor *sup, fs_findings *findings) {
  for (uint32_t c = 0; c < sup->channels; ++c) {
    const fs_learned_gain_report *report = fs_enhancer_learned_report(sup->full[c]);
    const fs_learned_observation obs = {.invalid = report->invalid,
                                        .flicker = report->flicker,
                                        .loss_db = report->loss_db,
                                        .periodicity = fs_enhancer_features(sup->full[c])[FS_FEATURE_PERIODICITY]};
    fs_learned_check(&sup->learned_monitor[c], &sup->learned_thresholds, &obs, findings);
  }
  if (FS_UNLIKELY(sup->full_warmup > 0)) {
    fs_policy_keep_severe(findings); /* re-warming: only a broken network counts yet */
  }
}

float fs_full_learned_share_heard(const fs_supervisor *sup) {
  float share = 0.0f;
  for (uint32_t c = 0; c < sup->channels; ++c) {
    share += fs_enhancer_learned_report(sup->full[c])->share;
  }
  return share / (float)sup->channels;
}

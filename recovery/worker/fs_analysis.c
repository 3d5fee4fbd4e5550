#include "fs_analysis.h"

#include <math.h>
#include <string.h>

void fs_analysis_init(fs_analysis *analysis) {
  memset(analysis, 0, sizeof(*analysis));
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    analysis->cause[cause].max_input_db = -INFINITY;
  }
}

/* NAN when the rate is unusable, so a bad record cannot skew a mean. */
static double samples_to_ms(uint32_t samples, double rate) {
  if (!(rate > 0.0) || !isfinite(rate)) return NAN;
  return 1000.0 * (double)samples / rate;
}

static unsigned block_bin(uint32_t block) {
  unsigned bin = 0;
  while (block > 1u && bin + 1u < FS_ANALYSIS_BLOCK_BINS) {
    block >>= 1;
    ++bin;
  }
  return bin;
}

static void count_burst(fs_cause_pattern *p, const fs_event *e, double rate) {
  bool same_session = p->incidents > 1 && e->position >= p->last_position;
  bool close = same_session && rate > 0.0 &&
               (double)(e->position - p->last_position) < FS_ANALYSIS_BURST_GAP_S * rate;
  p->run_length = close ? p->run_length + 1u : 1u;
  if (p->run_length == FS_ANALYSIS_BURST_MIN) ++p->bursts;
  if (p->run_length >= FS_ANALYSIS_BURST_MIN && p->run_length > p->longest_burst) {
    p->longest_burst = p->run_length;
  }
}

static void count_context(fs_analysis *a, fs_cause_pattern *p, const fs_event *e) {
  if (e->block > 0) {
    ++p->by_block[block_bin(e->block)];
    if (p->min_block == 0 || e->block < p->min_block) p->min_block = e->block;
    if (e->block <= FS_ANALYSIS_SMALL_BLOCK) {
      ++p->at_small_block;
      ++a->at_small_block;
    }
  }
  if (isfinite(e->dsp_load) && e->dsp_load >= 0.0f) {
    ++p->load_count;
    p->load_sum += e->dsp_load;
    if (e->dsp_load >= FS_ANALYSIS_HIGH_LOAD) {
      ++p->at_high_load;
      ++a->at_high_load;
    }
  }
  if (isfinite(e->input_db)) {
    ++p->input_count;
    p->input_db_sum += e->input_db;
    if (e->input_db > p->max_input_db) p->max_input_db = e->input_db;
    if (e->input_db >= FS_ANALYSIS_HOT_INPUT_DB) {
      ++p->at_hot_input;
      ++a->at_hot_input;
    }
  }
}

static bool add_onset(fs_analysis *a, fs_cause_pattern *p, const fs_event *e) {
  bool escalation = p->incidents > 0 && e->id == p->last_id && e->position >= p->last_position;
  if (escalation) {
    ++p->escalations;
    return false;
  }
  double rate = e->sample_rate > 0.0f && isfinite(e->sample_rate) ? e->sample_rate
                                                                    : p->last_sample_rate;
  ++p->incidents;
  ++a->incidents;
  count_burst(p, e, rate);
  count_context(a, p, e);
  double to_safe = samples_to_ms(e->to_safe, rate);
  if (!isnan(to_safe)) {
    ++p->onset_to_safe_count;
    p->onset_to_safe_ms_sum += to_safe;
  }
  p->last_id = e->id;
  p->last_position = e->position;
  p->last_sample_rate = rate;
  return true;
}

static void add_recovered(fs_cause_pattern *p, const fs_event *e) {
  ++p->recovered;
  double rate = e->sample_rate > 0.0f && isfinite(e->sample_rate) ? e->sample_rate
                                                                    : p->last_sample_rate;
  double to_safe = samples_to_ms(e->to_safe, rate);
  double to_full = samples_to_ms(e->to_full, rate);
  if (!isnan(to_safe)) {
    ++p->to_safe_count;
    p->to_safe_ms_sum += to_safe;
  }
  if (!isnan(to_full)) {
    ++p->to_full_count;
    p->to_full_ms_sum += to_full;
  }
}

/* Outcomes of one incident arrive together, so remembering the last id
   judged (and fixed) is enough to count each incident once. */
static void add_outcome(fs_cause_pattern *p, const fs_event *e) {
  ++p->outcomes;
  if (e->id != p->last_judged_id) {
    ++p->incidents_judged;
    p->last_judged_id = e->id;
  }
  if (e->success) {
    ++p->outcome_successes;
    if (e->id != p->last_fixed_id) {
      ++p->incidents_fixed;
      p->last_fixed_id = e->id;
    }
  }
}

bool fs_analysis_add(fs_analysis *a, const fs_event *e) {
  ++a->records;
  if (e->cause >= FS_CAUSE_COUNT || e->kind < FS_EVENT_ONSET || e->kind > FS_EVENT_OUTCOME) {
    ++a->ignored;
    return false;
  }
  fs_cause_pattern *p = &a->cause[e->cause];
  p->seen = true;
  switch ((fs_event_kind)e->kind) {
  case FS_EVENT_ONSET: return add_onset(a, p, e);
  case FS_EVENT_RECOVERED: add_recovered(p, e); break;
  case FS_EVENT_QUARANTINED: ++p->quarantines; break;
  case FS_EVENT_PROBE_FAILED: ++p->probe_failures; break;
  case FS_EVENT_OUTCOME: add_outcome(p, e); break;
  }
  return false;
}

static double mean(double sum, uint32_t count) { return count ? sum / count : NAN; }

double fs_analysis_mean_to_safe_ms(const fs_cause_pattern *p) {
  return p->to_safe_count ? mean(p->to_safe_ms_sum, p->to_safe_count)
                          : mean(p->onset_to_safe_ms_sum, p->onset_to_safe_count);
}

double fs_analysis_mean_to_full_ms(const fs_cause_pattern *p) {
  return mean(p->to_full_ms_sum, p->to_full_count);
}

double fs_analysis_mean_load(const fs_cause_pattern *p) { return mean(p->load_sum, p->load_count); }

double fs_analysis_mean_input_db(const fs_cause_pattern *p) {
  return mean(p->input_db_sum, p->input_count);
}

double fs_analysis_recovery_rate(const fs_cause_pattern *p) {
  return p->incidents_judged ? (double)p->incidents_fixed / p->incidents_judged : NAN;
}

uint32_t fs_analysis_dominant_block(const fs_cause_pattern *p, double *share) {
  unsigned best = 0;
  uint32_t total = 0;
  for (unsigned bin = 0; bin < FS_ANALYSIS_BLOCK_BINS; ++bin) {
    total += p->by_block[bin];
    if (p->by_block[bin] > p->by_block[best]) best = bin;
  }
  if (share) *share = total ? (double)p->by_block[best] / total : 0.0;
  return total ? 1u << best : 0u;
}

int fs_analysis_rank_causes(const fs_analysis *a, int *out, int max) {
  int n = 0;
  for (int cause = 0; cause < FS_CAUSE_COUNT && n < max; ++cause) {
    if (!a->cause[cause].seen) continue;
    /* Insertion sort: at most FS_CAUSE_COUNT entries. */
    int at = n++;
    while (at > 0 && a->cause[out[at - 1]].incidents < a->cause[cause].incidents) {
      out[at] = out[at - 1];
      --at;
    }
    out[at] = cause;
  }
  return n;
}

#include "fs_meter.h"

#include "fs_compiler.h"
#include "fs_supervisor.h"

#include <math.h>

/* The load meter averages over this much audio before it updates. */
#define LOAD_WINDOW_SECONDS 0.1
#define LOAD_SMOOTHING 0.3f
/* Health: a new incident costs this much, recovered over a few seconds. */
#define HEALTH_INCIDENT_PENALTY 15.0f
#define HEALTH_RECOVERY_SECONDS 2.0f

void fs_meter_init(fs_meter *m, double sample_rate, uint32_t hop) {
  m->sample_rate = sample_rate;
  m->health_decay = expf(-(float)(hop / sample_rate) / HEALTH_RECOVERY_SECONDS);
  fs_meter_reset(m);
}

void fs_meter_reset(fs_meter *m) {
  m->load_ns = 0;
  m->load_samples = 0;
  m->load_valid = false;
  m->health_penalty = 0.0f;
}

void fs_meter_load(fs_meter *m, uint64_t elapsed_ns, uint32_t n, float *dsp_load) {
  m->load_ns += elapsed_ns;
  m->load_samples += n;
  const double window = LOAD_WINDOW_SECONDS * m->sample_rate;
  if ((double)m->load_samples < window) {
    return;
  }
  const double audio_ns = 1e9 * (double)m->load_samples / m->sample_rate;
  const float load = (float)(100.0 * (double)m->load_ns / audio_ns);
  *dsp_load = m->load_valid ? *dsp_load + LOAD_SMOOTHING * (load - *dsp_load) : load;
  m->load_valid = true;
  m->load_ns = 0;
  m->load_samples = 0;
}

float fs_meter_health(fs_meter *m, uint32_t new_incidents, bool enabled, uint32_t heard, bool any_quarantined) {
  m->health_penalty *= m->health_decay;
  m->health_penalty += HEALTH_INCIDENT_PENALTY * (float)new_incidents;
  float base = 100.0f;
  if (enabled) {
    base = heard == FS_TIER_FULL ? 100.0f : (heard == FS_TIER_LIGHT ? 70.0f : 40.0f);
  }
  if (any_quarantined) {
    base = fs_minf(base, 50.0f);
  }
  return fs_maxf(0.0f, fs_minf(100.0f, base - m->health_penalty));
}

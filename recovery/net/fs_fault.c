#include "fs_fault.h"

#include "fs_net_tuning.h"
#include "fs_random.h"

#include <math.h>

/* The musical-noise fault's sequence, the same every run. */
#define FAULT_SEED 0x2545f491u

void fs_fault_init(fs_fault_schedule *s, double sample_rate) {
  s->chaos_over = (uint64_t)(FS_NET_CHAOS_OVER_MS * sample_rate / 1000.0 + 0.5);
  for (uint32_t c = 0; c < FS_MAX_CHANNELS; ++c) {
    s->channel[c].fault = FS_FAULT_NONE;
    s->channel[c].rng = FAULT_SEED;
    s->channel[c].flicker = false;
  }
  fs_fault_reset(s);
}

void fs_fault_reset(fs_fault_schedule *s) {
  s->chaos_off_since = UINT64_MAX;
}

void fs_fault_reseed(fs_fault_schedule *s, uint32_t channel) {
  s->channel[channel].rng = FAULT_SEED;
  s->channel[channel].flicker = false;
}

fs_fault fs_fault_for(fs_chaos_mode chaos) {
  switch (chaos) {
  case FS_CHAOS_STATE_NAN: return FS_FAULT_STATE_NAN;
  case FS_CHAOS_RUNAWAY_GAIN: return FS_FAULT_RUNAWAY_GAIN;
  case FS_CHAOS_MUSICAL_NOISE: return FS_FAULT_MUSICAL_NOISE;
  case FS_CHAOS_DENORMAL_FLOOD: return FS_FAULT_DENORMALS;
  case FS_CHAOS_LEARNED_NAN: return FS_FAULT_LEARNED_NAN;
  case FS_CHAOS_LEARNED_FLICKER: return FS_FAULT_LEARNED_FLICKER;
  case FS_CHAOS_LEARNED_MUTE: return FS_FAULT_LEARNED_MUTE;
  default: return FS_FAULT_NONE;
  }
}

/* Musical noise as an over-subtracting gain rule makes it: the bins the
   rule holds near its floor (noise) are pushed FS_NET_CHAOS_MUSICAL_DIP
   further down, and at random places among them, a few bins apart, one
   bin survives whole (gain 1) for this hop: isolated spectral peaks that
   stand out of the carved floor by tens of dB, in new places every hop,
   which the synthesis turns into the short random tones ("birdies") of
   real musical noise.  Between a voice's harmonics and above them, where
   the rule sees noise, as much as in pauses.  Gains stay within [0, 1]:
   no energy is made, only the noise's own is left in the wrong places. */
FS_COLD static void musical_noise(fs_fault_channel *ch, const fs_enhancer_gain_view *view) {
  float *g = view->gains;
  const float noise_like = FS_NET_CHAOS_MUSICAL_NOISE_LIKE * view->floor_gain;
  /* Where the peaks go: random gaps, each peak's neighbours noise-like
     too (judged on the rule's own gains, before any carving). */
  uint32_t peaks[FS_NET_CHAOS_MUSICAL_MAX_PEAKS];
  uint32_t count = 0;
  uint32_t k = view->band_low + fs_random_next(&ch->rng) % FS_NET_CHAOS_MUSICAL_GAP_MIN;
  while (k + 1 <= view->band_high && count < FS_NET_CHAOS_MUSICAL_MAX_PEAKS) {
    if (g[k - 1] < noise_like && g[k] < noise_like && g[k + 1] < noise_like) {
      peaks[count++] = k;
      k += FS_NET_CHAOS_MUSICAL_GAP_MIN;
    }
    k += 1 + fs_random_next(&ch->rng) % (FS_NET_CHAOS_MUSICAL_GAP_SPAN);
  }
  for (uint32_t b = view->band_low - 1; b <= view->band_high + 1; ++b) {
    if (g[b] < noise_like) {
      g[b] *= FS_NET_CHAOS_MUSICAL_DIP;
    }
  }
  for (uint32_t p = 0; p < count; ++p) {
    g[peaks[p]] = 1.0f;
  }
}

/* The enhancer's test hook: each fault where a bug of its kind would act. */
FS_COLD static void inject(void *context, fs_enhancer *enhancer, fs_enhancer_hook_point point,
                           const fs_enhancer_gain_view *view) {
  fs_fault_channel *ch = context;
  switch (point) {
  case FS_ENHANCER_HOOK_GAINS:
    /* On the gains, as a bug in the gain rule would. */
    if (ch->fault == FS_FAULT_RUNAWAY_GAIN) {
      for (uint32_t k = view->band_low; k <= view->band_high; ++k) {
        view->gains[k] *= 4.0f;
      }
    } else if (ch->fault == FS_FAULT_MUSICAL_NOISE) {
      musical_noise(ch, view);
    }
    break;
  case FS_ENHANCER_HOOK_OVERLAP:
    if (ch->fault == FS_FAULT_STATE_NAN) {
      /* Where no clamp can absorb it: the overlap-add memory. */
      fs_enhancer_corrupt_overlap(enhancer, NAN);
    }
    break;
  case FS_ENHANCER_HOOK_STATE:
    if (ch->fault == FS_FAULT_DENORMALS) {
      /* After the update, so the state holds them when it is checked. */
      fs_enhancer_corrupt_noise(enhancer, 1e-40f);
    } else if (ch->fault == FS_FAULT_LEARNED_NAN) {
      /* The network's recurrent state: the next hop's gains come from it. */
      fs_enhancer_corrupt_learned(enhancer, NAN);
    }
    break;
  case FS_ENHANCER_HOOK_LEARNED:
    /* On the network's band gains, as a badly trained network would give
       them: flicker (musical noise) or silence (speech thrown away).  Both
       are valid gains: only the learned tier's detectors can see them. */
    if (ch->fault == FS_FAULT_LEARNED_FLICKER) {
      ch->flicker = !ch->flicker;
      for (uint32_t b = view->band_low; b <= view->band_high; ++b) {
        view->gains[b] = ch->flicker ? 1.0f : 0.0f;
      }
    } else if (ch->fault == FS_FAULT_LEARNED_MUTE) {
      for (uint32_t b = view->band_low; b <= view->band_high; ++b) {
        view->gains[b] = 0.0f;
      }
    }
    break;
  }
}

FS_COLD void fs_fault_set(fs_fault_schedule *s, fs_chaos_mode chaos, fs_enhancer *const *full, uint32_t channels) {
  s->fault = fs_fault_for(chaos);
  for (uint32_t c = 0; c < channels; ++c) {
    s->channel[c].fault = s->fault;
    fs_enhancer_set_hook(full[c], s->fault == FS_FAULT_NONE ? NULL : inject, &s->channel[c]);
  }
}

FS_COLD void fs_fault_inject_outer(fs_chaos_mode chaos, fs_clock *clock, uint64_t stall_until, float *const *out,
                                   uint32_t channels, uint32_t hop) {
  if (chaos == FS_CHAOS_CPU_STALL) {
    for (uint32_t spins = 0; spins < 100000000u && fs_clock_now(clock) < stall_until; ++spins) {
    }
  } else if (chaos == FS_CHAOS_CLIPPING_BOOST) {
    for (uint32_t c = 0; c < channels; ++c) {
      for (uint32_t i = 0; i < hop; ++i) {
        out[c][i] *= FS_NET_CHAOS_BOOST;
      }
    }
  }
}

FS_COLD void fs_fault_end_experiment(fs_fault_schedule *s, fs_policy *policy) {
  fs_policy_release_chaos_quarantine(policy);
  s->chaos_off_since = UINT64_MAX;
}

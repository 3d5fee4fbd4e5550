#include "fs_hop_mix.h"

#include "fs_compiler.h"

#include <math.h>
#include <string.h>

static void mix_blend(fs_supervisor *sup, float *const *out, bool full_ran, const float *const *dry);

bool fs_hop_mix(fs_supervisor *sup, float *const *out, bool full_ran, const float *const *dry) {
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

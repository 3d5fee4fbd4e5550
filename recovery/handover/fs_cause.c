#include "fs_cause.h"

static const char *const cause_names[FS_CAUSE_COUNT] = {
    [FS_CAUSE_NONE] = "none",
    [FS_CAUSE_INPUT_NONFINITE] = "input_nonfinite",
    [FS_CAUSE_INPUT_CLIPPED] = "input_clipped",
    [FS_CAUSE_INPUT_EXTREME] = "input_extreme",
    [FS_CAUSE_STATE_CORRUPT] = "state_corrupt",
    [FS_CAUSE_RUNAWAY_GAIN] = "runaway_gain",
    [FS_CAUSE_OUTPUT_CLIPPING] = "output_clipping",
    [FS_CAUSE_MUSICAL_NOISE] = "musical_noise",
    [FS_CAUSE_SPECTRAL_FLUX] = "spectral_flux",
    [FS_CAUSE_DEADLINE] = "deadline",
    [FS_CAUSE_CONFIGURATION] = "configuration",
    [FS_CAUSE_LEARNED_INVALID] = "learned_invalid",
    [FS_CAUSE_LEARNED_FLICKER] = "learned_flicker",
    [FS_CAUSE_SPEECH_LOSS] = "speech_loss",
};

const char *fs_cause_name(int cause) {
  if (cause < 0 || cause >= FS_CAUSE_COUNT) {
    return "unknown";
  }
  return cause_names[cause];
}

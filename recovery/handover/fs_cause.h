/*
  fs_cause: what went wrong, as the small integer the `cause` output port
  shows.  The numbers are public (they are scale points in the Turtle and
  lines in the journal), so only ever append.

  Threading: fs_cause_name() reads a constant table: any thread.
*/
#ifndef FS_CAUSE_H
#define FS_CAUSE_H

typedef enum {
  FS_CAUSE_NONE = 0,
  FS_CAUSE_INPUT_NONFINITE = 1, /* NaN or Inf arrived at the input */
  FS_CAUSE_INPUT_CLIPPED = 2,   /* input already at full scale */
  FS_CAUSE_INPUT_EXTREME = 3,   /* DC or far too hot input */
  FS_CAUSE_STATE_CORRUPT = 4,   /* NaN, Inf or denormals inside DSP state */
  FS_CAUSE_RUNAWAY_GAIN = 5,    /* a tier created energy or went unstable */
  FS_CAUSE_OUTPUT_CLIPPING = 6, /* a tier drove the output over the ceiling */
  FS_CAUSE_MUSICAL_NOISE = 7,   /* isolated short-lived spectral peaks */
  FS_CAUSE_SPECTRAL_FLUX = 8,   /* sudden spectral change the input did not cause */
  FS_CAUSE_DEADLINE = 9,        /* the full path overran its budget */
  FS_CAUSE_CONFIGURATION = 10,  /* extreme or invalid control values */
  FS_CAUSE_LEARNED_INVALID = 11, /* the learned tier's gains or network state unusable */
  FS_CAUSE_LEARNED_FLICKER = 12, /* the learned tier's gains flicker: musical noise it made */
  FS_CAUSE_SPEECH_LOSS = 13,     /* the learned tier throws away voiced speech the classical keeps */
  FS_CAUSE_COUNT
} fs_cause;

/* Stable short name ("input_nonfinite", ...), "unknown" when out of range. */
const char *fs_cause_name(int cause);

#endif

/*
  fs_dehum: mains hum removal ahead of the spectral enhancer.

  Hum is the one noise a short-frame spectral suppressor handles badly:
  its lines at 50 or 60 Hz and their harmonics sit inside the bins that
  carry the voice's fundamental and first formant, so suppressing them
  costs speech.  But hum repeats exactly every mains period, which speech
  never does for long, so it can be learned and subtracted in the time
  domain with no latency at all:

  - a comb averager per mains frequency keeps, for every point of the
    period, an exponential average of the input seen at that point over
    the last FS_DEHUM_AVERAGE_MS.  Anything periodic at that frequency
    (the hum with all its harmonics) survives the average; speech and
    noise average out.  Its mean over the period (DC and rumble, which
    every comb keeps alike) is taken off before use;
  - the hum estimate is subtracted only while it is clearly there: its
    power must be a fair share of the input's (FS_DEHUM_ENGAGE_DB) and
    clearly above what the other mains frequency's comb holds
    (FS_DEHUM_CONTRAST_DB), which no broadband sound achieves; it must
    not be louder than the input's quietest moments (hum never pauses,
    a voice does), and part
    of it must lie in the first mains harmonics (FS_DEHUM_LOW_SHARE), so
    a steady tone that happens to fit the period (a 1 kHz line-up tone
    fits 50 Hz) is left to the spectral path.  Engaging and releasing
    glide over FS_DEHUM_GLIDE_MS.  Disengaged, the output is the input,
    bit for bit.

  The comb holds a whole number of samples: one mains period when the
  rate divides evenly (48 kHz: 960 and 800), otherwise the fewest periods
  that do, so the learned waveform never slides against the hum.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_DEHUM_H
#define FS_DEHUM_H

#include <stdbool.h>
#include <stdint.h>

typedef struct fs_dehum fs_dehum;

/* hop: the samples per process() call, a multiple of 4 (decisions are
   taken per hop, so the result does not depend on how the host cuts
   blocks).  NULL on failure. */
fs_dehum *fs_dehum_create(double sample_rate, uint32_t hop);
void fs_dehum_destroy(fs_dehum *dehum);
void fs_dehum_reset(fs_dehum *dehum);

/* One hop in place.  The samples must be sanitised (finite, bounded). */
void fs_dehum_process(fs_dehum *dehum, float *hop);

/* A hop that was not processed (its owner skipped it): the combs step on
   one hop without learning, so they stay in phase with the mains. */
void fs_dehum_skip(fs_dehum *dehum);

/* The mains frequency being removed (50 or 60), 0 while disengaged. */
uint32_t fs_dehum_mains_hz(const fs_dehum *dehum);

/* How far the removal is engaged, 0 .. 1. */
float fs_dehum_engagement(const fs_dehum *dehum);

bool fs_dehum_state_is_finite(const fs_dehum *dehum);

#endif

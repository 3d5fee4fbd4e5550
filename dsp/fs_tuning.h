/*
  fs_tuning: the DSP's tuning constants in one place, each checked at
  compile time so a bad edit fails the build instead of the broadcast.

  Time constants are given in milliseconds and turned into per-hop
  coefficients at create(), so the sound does not change with the rate.
*/
#ifndef FS_TUNING_H
#define FS_TUNING_H

#include <assert.h>

/* Frame geometry (see fs_geometry.h). */
#define FS_REFERENCE_RATE 48000.0
#define FS_FRAME_AT_48K 512u
#define FS_HOPS_PER_FRAME 2u
/* The analysis window (and FFT) spans this many hops; only the newest two
   are synthesised, so the latency stays one frame (see fs_stft.h).
   Measured with failsafe-bench on the noisy-speech corpus: 4 hops (47 Hz
   bins) gains 0.5 dB on hum and pink noise but loses as much on white
   noise (the long window smears onsets): +5.75 against +5.78 dB overall,
   for twice the FFT and per-bin work.  So the frame is analysed as it is
   synthesised. */
#define FS_ANALYSIS_HOPS 2u

static_assert((FS_FRAME_AT_48K & (FS_FRAME_AT_48K - 1u)) == 0, "frame must be a power of two");
static_assert(FS_FRAME_AT_48K <= 512u, "latency target: at most 512 samples at 48 kHz");
static_assert(FS_FRAME_AT_48K % FS_HOPS_PER_FRAME == 0, "hop must divide the frame");
/* fs_stft synthesises a Hann window of two hops: 50 % overlap. */
static_assert(FS_HOPS_PER_FRAME == 2u, "fs_stft synthesises exactly two hops per frame");
static_assert(FS_ANALYSIS_HOPS >= FS_HOPS_PER_FRAME && (FS_ANALYSIS_HOPS & (FS_ANALYSIS_HOPS - 1u)) == 0,
              "the analysis window covers the frame, in a power-of-two hop count");

/* Reduction control, dB of maximum attenuation. */
#define FS_REDUCTION_DEFAULT_DB 15.0f
#define FS_REDUCTION_SMOOTH_MS 20.0f

static_assert(FS_REDUCTION_DEFAULT_DB >= 0.0f && FS_REDUCTION_DEFAULT_DB <= 40.0f,
              "default reduction inside the control range");
static_assert(FS_REDUCTION_SMOOTH_MS > 0.0f, "reduction smoothing must be positive");

/* Input conditioning.  Samples beyond +-FS_INPUT_LIMIT (60 dB over full
   scale) are clipped so squared spectra stay far from float overflow;
   samples below FS_INPUT_FLUSH (-300 dBFS) become 0 so nothing downstream
   can reach the denormal range; NaN and Inf become 0. */
#define FS_INPUT_LIMIT 1000.0f
#define FS_INPUT_FLUSH 1e-15f
/* Smallest power any bin is credited with; keeps every ratio finite. */
#define FS_POWER_FLOOR 1e-20f

static_assert(FS_INPUT_LIMIT * FS_INPUT_LIMIT * 4096.0f * 4096.0f < 1e30f,
              "a clipped frame's power must stay far below FLT_MAX");
static_assert(FS_INPUT_FLUSH * 1e-3f > 1e-37f, "flushed-input products must stay normal");
static_assert(FS_POWER_FLOOR > 1e-37f, "power floor must be a normal float");

/* Noise tracker: speech-presence-probability MMSE estimate.  A bin is
   taken as speech when its power is well above what the estimate plus an
   assumed speech-present SNR of FS_SPP_XI_H1_DB explains. */
#define FS_SPP_PRIOR_H1 0.5f      /* prior probability of speech presence */
#define FS_SPP_XI_H1_DB 10.0f     /* typical a-priori SNR when speech is there */
#define FS_NOISE_SMOOTH_MS 250.0f /* time constant of the noise PSD update */
#define FS_SPP_SMOOTH_MS 150.0f   /* time constant of the stagnation detector */
#define FS_SPP_STUCK_LEVEL 0.99f  /* above this smoothed SPP a bin is "stuck" */
#define FS_SPP_STUCK_CAP 0.99f    /* ...and its SPP is capped so it can still learn */
#define FS_NOISE_INIT_MS 60.0f    /* start-up: plain average over this long */
/* Safety cap: the estimate may not sit more than FS_NOISE_CAP_DB above the
   minimum of the smoothed power over the last FS_MINIMUM_WINDOW_MS.  It
   only binds when the estimate has locked onto speech (e.g. speech from
   the very first sample), which the SPP rule alone cannot undo. */
#define FS_MINIMUM_SMOOTH_MS 80.0f
#define FS_MINIMUM_WINDOW_MS 1500.0f
#define FS_MINIMUM_SUBWINDOWS 8u
#define FS_NOISE_CAP_DB 9.0f

/* Digital silence and near-silence carry no information about the noise:
   a frame whose mean power is under FS_SILENCE_DBFS (as the RMS of a
   full-band signal) leaves the estimate as it was, and the frames still
   holding part of it after it are skipped too.  A tracker that has never
   heard anything starts its start-up average at the first real frame. */
#define FS_SILENCE_DBFS -100.0f
#define FS_SILENCE_MIN_MS 50.0f /* shorter: a dropout, skipped and otherwise ignored */
/* After silence the signal counts as noise, and the silence is let go of,
   once its frames have stayed within FS_NOISE_STEADY_DB of each other for
   FS_NOISE_STEADY_MS: noise from a stream that starts or a microphone
   unmuted does, speech (a clean recording's first word) does not. */
#define FS_NOISE_STEADY_MS 200.0f
#define FS_NOISE_STEADY_DB 3.0f /* span of the frames' mean log level */
/* The first start (nothing heard before it, leading silence or not) that
   fails that trial has a second, lenient one: within FS_NOISE_LENIENT_DB
   for FS_NOISE_LENIENT_MS with no return to silence, it is noise too. */
#define FS_NOISE_LENIENT_MS 500.0f
#define FS_NOISE_LENIENT_DB 10.0f
#define FS_NOISE_LENIENT_SMOOTH_MS 20.0f
/* A start that failed the trial starts, once the silence has left the
   minimum window, from at least the window's minimum this far down. */
#define FS_NOISE_LIFT_DB -3.0f
/* Broadband level follower: the noise in most live chains changes level
   as a whole (a fan starts, a gain is ridden, a gate opens, a car passes),
   which the per-bin SPP update follows only slowly.  Each frame, the share
   of bins under each probe times their estimate gives a reading of how far
   the floor sits from the estimate (for Gaussian noise the share is
   1 - e^-(probe/c) when the floor is c times the estimate).  The probes
   whose shares are informative (at least FS_LEVEL_MIN_READINGS of them)
   must agree within FS_LEVEL_AGREEMENT_DB: speech, which lifts only the
   bins it occupies, and noise that is not Gaussian-like spread the
   readings apart and move nothing.  Past a dead zone (the readings' own
   scatter) the floor has clearly moved: the estimate follows all the way,
   at most FS_LEVEL_SLEW_DB_PER_S, until it reads within
   FS_LEVEL_LANDED_DB; while the floor keeps moving (noise swinging by
   itself, a fan spinning up) a narrower FS_LEVEL_MOVING_DB zone keeps the
   estimate with it.  A reading
   is put right for the share of bins speech lifts out of the noise (more
   than FS_LEVEL_NOISE_CEILING times the floor, which noise itself next to
   never reaches), and not taken when speech holds most bins. */
#define FS_LEVEL_PROBE_COUNT 12u
#define FS_LEVEL_LOWEST_PROBE 0.02f
#define FS_LEVEL_PROBE_SPACING_DB 4.0f /* about four probes see any one level */
#define FS_LEVEL_MIN_READINGS 3u
#define FS_LEVEL_SPAN_DB 20.0f      /* a reading past every probe counts as this */
#define FS_LEVEL_SHARE_EDGE 0.04f   /* a share within this of 0 or 1 says little */
#define FS_LEVEL_AGREEMENT_DB 1.5f
#define FS_LEVEL_SMOOTH_MS 20.0f
#define FS_LEVEL_RISE_DB 3.0f  /* dead zone above the estimate */
#define FS_LEVEL_FALL_DB 4.0f  /* dead zone below it */
#define FS_LEVEL_LANDED_DB 0.5f
#define FS_LEVEL_MOVING_DB 1.0f   /* the dead zones while the floor is moving */
#define FS_LEVEL_MOVING_MS 150.0f /* moving: it moved within this */
#define FS_LEVEL_SLEW_DB_PER_S 400.0f
#define FS_LEVEL_NOISE_CEILING 10.0f  /* noise lifts one bin in e^10 this far */
#define FS_LEVEL_MIN_NOISE_SHARE 0.5f /* fewer bins of noise: no reading */
#define FS_LEVEL_MIN_BINS 16u  /* fewer informative bins than this: no reading */
/* When speech spreads the readings of all bins, those whose speech
   presence was under this in the last frame read again, on their own. */
#define FS_LEVEL_QUIET_PRESENCE 0.5f

static_assert(FS_SILENCE_MIN_MS >= 10.0f && FS_SILENCE_MIN_MS <= 80.0f, "a dropout is shorter than a pause between words");
static_assert(FS_SILENCE_DBFS <= -90.0f && FS_SILENCE_DBFS >= -140.0f, "silence: far below any real noise floor");
static_assert(FS_NOISE_LIFT_DB <= 0.0f && FS_NOISE_LIFT_DB >= -10.0f, "lift to about the window's minimum, never above it");
static_assert(FS_NOISE_STEADY_MS >= FS_NOISE_INIT_MS && FS_NOISE_STEADY_MS <= 500.0f,
              "steady long enough to tell speech, short enough to meet the 0.5 s target");
static_assert(FS_NOISE_STEADY_DB >= 1.5f, "noise frames' mean log level scatters by about 0.3 dB");
static_assert(FS_LEVEL_SHARE_EDGE > 0.0f && FS_LEVEL_SHARE_EDGE < 0.25f, "share edge");
static_assert(FS_LEVEL_MIN_READINGS >= 2u && FS_LEVEL_MIN_READINGS < FS_LEVEL_PROBE_COUNT, "readings to agree");
static_assert(FS_LEVEL_AGREEMENT_DB > 0.5f && FS_LEVEL_SPAN_DB >= 10.0f, "agreement and span");
static_assert(FS_LEVEL_SMOOTH_MS >= 5.0f && FS_LEVEL_SMOOTH_MS <= 200.0f, "level smoothing");
static_assert(FS_LEVEL_RISE_DB >= 1.0f && FS_LEVEL_FALL_DB >= 1.0f, "dead zones wider than the estimate's scatter");
static_assert(FS_LEVEL_LANDED_DB < FS_LEVEL_MOVING_DB && FS_LEVEL_MOVING_DB <= FS_LEVEL_RISE_DB && FS_LEVEL_MOVING_DB <= FS_LEVEL_FALL_DB,
              "landed inside the moving zone, which is inside the still one");
static_assert(FS_LEVEL_NOISE_CEILING >= 5.0f && FS_LEVEL_MIN_NOISE_SHARE >= 0.25f && FS_LEVEL_MIN_NOISE_SHARE < 1.0f,
              "speech share: noise rarely above the ceiling");
static_assert(FS_LEVEL_SLEW_DB_PER_S > 20.0f, "the follower must beat the SPP update");
static_assert(FS_SPP_PRIOR_H1 > 0.0f && FS_SPP_PRIOR_H1 < 1.0f, "prior is a probability");
static_assert(FS_SPP_XI_H1_DB > 0.0f && FS_SPP_XI_H1_DB < 30.0f, "plausible speech SNR");
static_assert(FS_NOISE_SMOOTH_MS > 5.0f && FS_SPP_SMOOTH_MS > 5.0f, "smoothing longer than a hop");
static_assert(FS_SPP_STUCK_CAP < 1.0f, "a capped SPP must leave room to learn");
static_assert(FS_NOISE_INIT_MS >= 10.0f && FS_NOISE_INIT_MS <= 500.0f, "start-up window");
static_assert(FS_MINIMUM_WINDOW_MS >= 500.0f && FS_MINIMUM_SUBWINDOWS >= 2u, "minimum search window");
static_assert(FS_NOISE_CAP_DB >= 3.0f, "the cap must leave room for the minimum's bias");

/* Gain rule: decision-directed a-priori SNR, the MMSE log-spectral
   amplitude estimator, bounded below by the floor with its valleys filled. */
#define FS_DD_WEIGHT 0.97f        /* weight of the previous clean estimate, per hop */
#define FS_XI_MIN_DB -30.0f       /* a-priori SNR floor */
/* Residual smoothing: a bin this far (power ratio) or further below the
   noise estimate gets a gain above the floor, so the residual noise keeps
   a steady level instead of opening holes that come and go (the LSA rule
   does the same on its own above the floor). */
#define FS_VALLEY_FILL 0.5f
#define FS_LOW_CUT_HZ 50.0f       /* bins centred below this get the floor... */
#define FS_LOW_CUT_PASS_DB 30.0f  /* ...unless this far above their noise */
#define FS_LSA_STEPS_PER_OCTAVE 16u
#define FS_LSA_MIN_OCTAVE -20     /* table covers v in [2^-20, 2^8) */
#define FS_LSA_MAX_OCTAVE 8

static_assert(FS_DD_WEIGHT > 0.5f && FS_DD_WEIGHT < 1.0f, "decision-directed weight");
static_assert(FS_XI_MIN_DB < 0.0f && FS_XI_MIN_DB > -60.0f, "a-priori SNR floor");
static_assert(FS_VALLEY_FILL >= 0.0f && FS_VALLEY_FILL <= 1.0f,
              "valley filling lifts the floor only below the noise estimate");
static_assert(FS_LOW_CUT_HZ >= 0.0f && FS_LOW_CUT_HZ < 80.0f, "low cut stays below the voice");
/* The one-valued DC bin of noise passes 13 dB over its mean about once in
   10^5 frames, but its estimate runs low (one value scatters more than two,
   and the minimum search reads that low): at 20 dB, pink noise's DC bin
   passed often enough to cost 0.8 dB on speech in pink noise. */
static_assert(FS_LOW_CUT_PASS_DB >= 25.0f, "noise's DC bin next to never reaches the pass level, even over a low estimate");
static_assert((FS_LSA_STEPS_PER_OCTAVE & (FS_LSA_STEPS_PER_OCTAVE - 1u)) == 0,
              "steps per octave must be a power of two (mantissa indexing)");
static_assert(FS_LSA_MIN_OCTAVE < 0 && FS_LSA_MAX_OCTAVE > 4, "LSA table range");

/* Mains hum removal (fs_dehum.h), ahead of the spectral path. */
#define FS_DEHUM_AVERAGE_MS 2000.0f /* time constant of the comb averages */
#define FS_DEHUM_ENGAGE_DB -18.0f   /* hum estimate's share of the input power to engage */
#define FS_DEHUM_CONTRAST_DB 6.0f   /* ...and its lead over the other mains frequency's comb */
#define FS_DEHUM_GLIDE_MS 200.0f    /* engage and release this smoothly */
#define FS_DEHUM_CHECK_HOPS 16u     /* re-judge the hum every this many hops (85 ms) */
#define FS_DEHUM_MAX_COMB 4096u     /* samples per comb, at most */
#define FS_DEHUM_LOW_HARMONICS 3u   /* hum has power in its first harmonics: */
#define FS_DEHUM_LOW_SHARE 0.1f     /* ...at least this share of it */
/* Hum never pauses: the quietest moments of the input (FS_DEHUM_CHECK_HOPS
   long, the floor climbing FS_DEHUM_QUIET_RISE_DB_PER_S when nothing is
   quieter) hold all of it.  A "hum" louder than FS_DEHUM_QUIET_RATIO times
   those moments was learned from a voice, not from the mains. */
#define FS_DEHUM_QUIET_RISE_DB_PER_S 2.0f
#define FS_DEHUM_QUIET_FAST_RISE_DB_PER_S 40.0f /* climbing back from a pause of silence */
#define FS_DEHUM_SETTLE_MS 1000.0f /* listen this long for quiet moments before engaging */
#define FS_DEHUM_QUIET_RATIO 2.0f
#define FS_DEHUM_SPREAD_HZ 0.05f    /* combs at the nominal mains frequency and this either side */
#define FS_DEHUM_SWITCH_RATIO 1.26f /* follow a drifting grid to a comb 1 dB stronger */

static_assert(FS_DEHUM_AVERAGE_MS >= 500.0f, "the comb must average over many mains periods");
/* Speech and broadband noise leave about 1 / (2 * periods averaged) of
   their power in a comb: about -23 dB at 2 s and 50 Hz.  The threshold
   must sit above that. */
static_assert(FS_DEHUM_ENGAGE_DB > -22.0f && FS_DEHUM_ENGAGE_DB < 0.0f, "engage threshold above the leakage");
static_assert(FS_DEHUM_CONTRAST_DB >= 3.0f, "the two combs must disagree clearly");
static_assert(FS_DEHUM_GLIDE_MS > 0.0f && FS_DEHUM_CHECK_HOPS >= 1u, "dehum glide and check interval");
static_assert(FS_DEHUM_MAX_COMB >= 3840u, "one 50 Hz period at 192 kHz must fit");
static_assert(FS_DEHUM_SWITCH_RATIO > 1.0f, "hysteresis between neighbouring combs");
static_assert(FS_DEHUM_QUIET_RISE_DB_PER_S > 0.0f && FS_DEHUM_QUIET_RATIO >= 1.0f, "quiet floor");
static_assert(FS_DEHUM_QUIET_FAST_RISE_DB_PER_S > FS_DEHUM_QUIET_RISE_DB_PER_S, "back from silence faster");
static_assert(FS_DEHUM_SETTLE_MS >= 250.0f && FS_DEHUM_SETTLE_MS <= FS_DEHUM_AVERAGE_MS,
              "long enough to meet a pause, not longer than the combs take to learn");
static_assert(FS_DEHUM_SPREAD_HZ > 0.0f && FS_DEHUM_SPREAD_HZ < 0.5f, "grids stay within a fraction of a hertz");
static_assert(FS_DEHUM_LOW_HARMONICS >= 1u && FS_DEHUM_LOW_HARMONICS <= 6u, "hum's first harmonics: 50..300 Hz");
static_assert(FS_DEHUM_LOW_SHARE > 0.0f && FS_DEHUM_LOW_SHARE < 0.5f, "a share, well below all of it");

/* Click repair (fs_declick.h), ahead of the spectral path.  Levels are of
   the input's second difference, which brings white noise up 7.8 dB and a
   voice (its energy below 3 kHz) down 25 dB at 22 kHz, 12 dB more per
   doubling of the rate: a click stands out of speech by that much more. */
#define FS_DECLICK_LEVEL_MS 25.0f   /* the level: its peak over this long, outside clicks */
#define FS_DECLICK_DETECT_DB 10.0f  /* a click starts this far above the level, */
#define FS_DECLICK_DETECT_STEADY_DB 6.0f /* ...this far above a level that held */
#define FS_DECLICK_STEADY_DB 3.0f   /* ...within this from hop to hop */
#define FS_DECLICK_EXTENT_DB 1.5f   /* ...and lasts while it comes this far above it */
#define FS_DECLICK_TRAIL_DB -30.0f  /* ...and comes no further under its own peak */
#define FS_DECLICK_HOLD_DB -6.0f    /* a held value: a sample this close to its burst's loudest */
#define FS_DECLICK_FLOOR 3e-5f      /* the level never counts as lower (-90 dBFS) */
#define FS_DECLICK_MAX_MS 1.25f     /* longest click, first to last sample over the level */
#define FS_DECLICK_BRIDGE_MS 0.5f   /* it is over after this long under it */
#define FS_DECLICK_GUARD_MS 0.05f   /* repair this far around the samples found */
#define FS_DECLICK_APART_MS 0.1f    /* two clicks, not one, if it settles back this long between */
#define FS_DECLICK_ORDER_MS 0.5f    /* autoregressive model order, */
#define FS_DECLICK_ORDER_MAX 32u    /* ...at most this many coefficients */
#define FS_DECLICK_FIT_MS 16.0f     /* the model is fitted to this much signal before the gap, */
#define FS_DECLICK_FIT_MAX 1024u    /* ...at most this many samples */
#define FS_DECLICK_WHITE_DB -40.0f  /* white noise added to the fit, which keeps the model stable */

/* The level spans a pitch period of the lowest voices (40 Hz), so every
   glottal pulse is measured against the one before, and forgets a loud
   word within a few tens of milliseconds. */
static_assert(FS_DECLICK_LEVEL_MS >= 20.0f && FS_DECLICK_LEVEL_MS <= 100.0f, "declick level window");
/* Against a peak, not a mean: 10 dB over the peak of white noise is some
   20 dB over its RMS, which Gaussian noise never reaches; a vowel's pulses
   rise less than that from one to the next.  A click 20 dB above a voice
   in white noise 5 dB under it reaches 13 dB and more.  An event then
   lasts while it exceeds the level it rose from by EXTENT_DB: low enough
   that a noise burst's decaying tail keeps it going (a /t/ 10 dB over the
   noise whose first millisecond alone passed the threshold is sound), high
   enough that a glottal pulse like the last ones does not. */
static_assert(FS_DECLICK_DETECT_DB >= 6.0f && FS_DECLICK_DETECT_DB > FS_DECLICK_EXTENT_DB + 6.0f &&
                  FS_DECLICK_EXTENT_DB >= 0.5f,
              "a click starts well above the level and ends where the level takes over");
/* But 10 dB over the peak of white noise 5 dB under a voice lets clicks
   up to some 23 dB over the voice through.  Noise's per-hop peaks hold
   within a few dB of one another (Gaussian noise's within 3 dB), a
   voice's rise from one syllable to the next; over a level that held
   within STEADY_DB over the last FS_DECLICK_LEVEL_MS, 6 dB (twice the
   noise's peak, which Gaussian noise never reaches over a hop) is enough.
   Measured on the project's generated speech: 3 dB takes the white-noise
   row from 19 to 22 dB at the worst clip; 4.5 dB took it to 25, but let
   a consonant rising out of a noise floor of -55 dBFS start events ten
   times as often (77 samples changed against 7). */
static_assert(FS_DECLICK_DETECT_STEADY_DB >= 6.0f && FS_DECLICK_DETECT_STEADY_DB <= FS_DECLICK_DETECT_DB &&
                  FS_DECLICK_DETECT_STEADY_DB > FS_DECLICK_EXTENT_DB + 3.0f,
              "a click starts over a steady level sooner, still well over it");
static_assert(FS_DECLICK_STEADY_DB > 0.0f && FS_DECLICK_STEADY_DB <= 6.0f, "a steady level stays within a few dB");
/* A click's second difference falls from its peak to the signal's own
   within two samples; a glottal pulse's formants ring down from theirs
   over milliseconds, a noise burst keeps coming back near its peak.  30
   dB under the peak ends a click of 20 dB and more over a voice where it
   ends, and the word under it no longer carries it on as sound, while a
   pulse's ringing stays over that beyond FS_DECLICK_MAX_MS.  Between the
   edges of a held value (a glitch, a dropout) only the size tells: within
   6 dB of the loudest sample of its burst, which a voice under a click 20
   dB over it does not reach. */
static_assert(FS_DECLICK_TRAIL_DB <= -20.0f && FS_DECLICK_TRAIL_DB >= -40.0f, "a click's trail");
static_assert(FS_DECLICK_HOLD_DB < 0.0f && FS_DECLICK_HOLD_DB >= -10.0f, "a held value stays near its level");
static_assert(FS_DECLICK_FLOOR > 1e-6f && FS_DECLICK_FLOOR < 1e-3f, "declick floor near 16-bit dither");
/* Plosive bursts last 5 ms and more, and the formants of a word's first
   glottal pulse ring on over several: the longest click stays well short.
   1.25 ms takes a 1 ms burst with the two samples the difference adds. */
static_assert(FS_DECLICK_MAX_MS >= 1.0f && FS_DECLICK_MAX_MS <= 2.5f, "clicks last about a millisecond");
static_assert(FS_DECLICK_BRIDGE_MS > 2.0f * FS_DECLICK_GUARD_MS && FS_DECLICK_BRIDGE_MS < FS_DECLICK_MAX_MS,
              "clicks are separated by more than their guards, and bridged within a click");
/* Two clicks less than a bridge apart make one event, too long for a
   click once they last FS_DECLICK_MAX_MS together; where the signal went
   back to what it was before (the level it rose from, and the click's
   trail) for APART_MS in between, they are cut apart.  The lulls of a
   noise burst or of a pulse's ringing are not that deep for that long:
   half of it split plosive bursts of the tests at 48 kHz. */
static_assert(FS_DECLICK_APART_MS >= 2.0f * FS_DECLICK_GUARD_MS && FS_DECLICK_APART_MS < FS_DECLICK_BRIDGE_MS,
              "clicks apart settle longer than their guards, and within a bridge");
/* Half a millisecond of coefficients holds the formants; 16 ms of fit
   (two pitch periods of a low voice) measured 0.6 dB less error than 8 ms
   over 1 ms gaps in noisy vowels, and longer orders no better. */
static_assert(FS_DECLICK_ORDER_MAX >= 8u && FS_DECLICK_ORDER_MS > 0.0f, "declick model order");
static_assert(FS_DECLICK_FIT_MS >= 4.0f * FS_DECLICK_ORDER_MS && FS_DECLICK_FIT_MAX >= 4u * FS_DECLICK_ORDER_MAX,
              "the fit spans several model orders");
static_assert(FS_DECLICK_WHITE_DB < -20.0f && FS_DECLICK_WHITE_DB > -80.0f, "declick model regularisation");

/* Light tier: a look-ahead downward expander. */
#define FS_LIGHT_FLOOR_RISE_DB_PER_S 10.0f  /* noise floor climbs this slowly */
#define FS_LIGHT_FLOOR_FALL_MS 50.0f        /* and falls this fast */
#define FS_LIGHT_OPEN_ABOVE_DB 9.0f         /* fully open this far above the floor */
#define FS_LIGHT_RATIO 2.0f                 /* expansion below that point */
#define FS_LIGHT_RELEASE_MS 120.0f          /* gain closes this slowly */
#define FS_LIGHT_LEVEL_MS 5.0f              /* level envelope smoothing */
/* Minimum search: when the lowest level of the last FS_LIGHT_MIN_WINDOW_MS
   (kept as FS_LIGHT_MIN_SUBWINDOWS sub-minima, so the window spans between
   (n - 1) / n of that and all of it) stands FS_LIGHT_FLOOR_JUMP_DB or more
   above the floor, the noise has risen and the floor jumps to that
   minimum.  Speech cannot do that: it pauses within the window. */
#define FS_LIGHT_MIN_WINDOW_MS 640.0f
#define FS_LIGHT_MIN_SUBWINDOWS 4u
#define FS_LIGHT_FLOOR_JUMP_DB 3.0f

static_assert(FS_LIGHT_RATIO > 1.0f, "an expander has a ratio above 1");
static_assert(FS_LIGHT_OPEN_ABOVE_DB > 0.0f, "open threshold above the floor");
static_assert(FS_LIGHT_RELEASE_MS > 0.0f && FS_LIGHT_LEVEL_MS > 0.0f &&
                  FS_LIGHT_FLOOR_FALL_MS > 0.0f && FS_LIGHT_FLOOR_RISE_DB_PER_S > 0.0f,
              "light tier time constants must be positive");
/* A hop under FS_SILENCE_DBFS (digital silence, a mute, a gate upstream,
   hiss no microphone makes) says nothing about the noise to the light tier
   either: it neither seeds nor moves the floor, nor does the hop after it,
   which may be partly silent. */
static_assert(FS_SILENCE_DBFS >= -115.0f, "silence: above fs_light's -120 dBFS level floor");
static_assert(FS_LIGHT_MIN_SUBWINDOWS >= 2u && FS_LIGHT_MIN_SUBWINDOWS <= 8u, "a few sub-minima");
static_assert(FS_LIGHT_MIN_WINDOW_MS * (FS_LIGHT_MIN_SUBWINDOWS - 1u) / FS_LIGHT_MIN_SUBWINDOWS >= 450.0f,
              "the shortest window outlasts a long syllable (400 ms) and the level smoothing");
static_assert(FS_LIGHT_MIN_WINDOW_MS <= 800.0f, "a louder noise is found within a second");
static_assert(FS_LIGHT_FLOOR_JUMP_DB >= 1.0f && FS_LIGHT_FLOOR_JUMP_DB < FS_LIGHT_OPEN_ABOVE_DB,
              "jump past the noise's own scatter, and always before the noise passes fully open");

/* Safety-net statistics and responses. */
#define FS_ARTIFACT_BAND_LOW_HZ 200.0f  /* musical-noise index: speech band */
#define FS_ARTIFACT_BAND_HIGH_HZ 8000.0f
#define FS_FLUX_RATIO_FLOOR 0.05f /* input flux below this counts as this (steady input) */
#define FS_TRIM_GLIDE 0.5f        /* per-hop approach of the output trim */

static_assert(FS_ARTIFACT_BAND_LOW_HZ < FS_ARTIFACT_BAND_HIGH_HZ, "artifact band");
static_assert(FS_TRIM_GLIDE > 0.0f && FS_TRIM_GLIDE <= 1.0f, "trim glide");

/* Learned tier features (docs/LEARNED.md, contract version 2: the
   training side reads the same numbers, so change both together). */
#define FS_FEATURE_EPS_PER_WINDOW_POWER 1e-10f /* eps: a bin of white noise at -100 dBFS */
#define FS_FEATURE_LEVEL_SCALE 0.1f            /* log band energies and noise */
#define FS_FEATURE_DELTA_SCALE 0.5f            /* their change since the last hop */
#define FS_FEATURE_LIMIT 8.0f                  /* every feature within +-this */
#define FS_PERIODICITY_MS 40.0f                /* the autocorrelation's window */
#define FS_PITCH_LOW_HZ 62.5f                  /* the lags searched */
#define FS_PITCH_HIGH_HZ 500.0f
#define FS_PITCH_REFERENCE_HZ 150.0f           /* pitch feature: log2(f0 / this) */
#define FS_PITCH_VOICED 0.3f                   /* pitch is 0 at or below this periodicity */
/* How the periodicity is measured (not part of the contract).  The input
   is low-passed (4th-order Butterworth) and kept at FS_PERIODICITY_RATE_HZ
   or more: one sample in the largest factor of the hop that keeps that
   rate (6 kHz at 48 and 96 kHz, 5.5 kHz at 44.1, 4 kHz at 32), where a
   40 ms window is 160..240 samples and the lags 8..96: a direct
   autocorrelation then costs a few thousand multiply-adds per hop at any
   rate.  Voiced speech keeps its fundamental and second harmonic under
   the cutoff; a high-pass takes DC and rumble off, which would otherwise
   correlate at every lag. */
#define FS_PERIODICITY_RATE_HZ 4000.0f
#define FS_PERIODICITY_LOWPASS_HZ 1200.0f
#define FS_PERIODICITY_HIGHPASS_HZ 40.0f
/* The pitch is the shortest lag whose correlation comes within this share
   of the largest: a periodic signal correlates as well at two periods as
   at one, and the shorter is its pitch. */
#define FS_PITCH_PEAK_SHARE 0.9f

/* The loudest band the input limit allows holds under e^40 (a sine
   clipped at FS_INPUT_LIMIT, at 192 kHz: about e^27); the quietest holds
   eps, e^-18 .. e^-16 with the rate. */
static_assert(FS_FEATURE_LIMIT > 0.0f && FS_FEATURE_LEVEL_SCALE * 40.0f < FS_FEATURE_LIMIT,
              "log levels of any band the input limit allows scale into the limit");
static_assert(FS_PITCH_LOW_HZ > 0.0f && FS_PITCH_LOW_HZ < FS_PITCH_REFERENCE_HZ && FS_PITCH_REFERENCE_HZ < FS_PITCH_HIGH_HZ,
              "pitch range around its reference");
static_assert(FS_PERIODICITY_MS * FS_PITCH_LOW_HZ >= 2000.0f, "the window holds two periods of the lowest pitch");
static_assert(FS_PITCH_VOICED > 0.0f && FS_PITCH_VOICED < 1.0f, "voicing threshold is a correlation");
static_assert(FS_PERIODICITY_LOWPASS_HZ > 2.0f * FS_PITCH_HIGH_HZ && FS_PERIODICITY_LOWPASS_HZ < 0.4f * FS_PERIODICITY_RATE_HZ,
              "the low-pass keeps the highest pitch's second harmonic and stays well under the kept rate's Nyquist");
static_assert(FS_PERIODICITY_RATE_HZ * 4.0f <= 22050.0f, "decimated by at least 4 at the lowest rate");
static_assert(FS_PERIODICITY_HIGHPASS_HZ < 0.75f * FS_PITCH_LOW_HZ, "the high-pass stays under the lowest pitch");
static_assert(FS_PITCH_PEAK_SHARE > 0.5f && FS_PITCH_PEAK_SHARE < 1.0f, "peak share");

/* Learned tier's gain stage (fs_learned_gain.h).  The share of the
   learned gains glides over FS_LEARNED_GLIDE_MS when the safety net moves
   it, in the gain domain, so a switch is a short crossfade.  Its starting
   share is FS_LEARNED_SHARE_DEFAULT: 1, the learned gains heard while the
   net trusts them and the user wants them.  Whether the user wants them
   unless told otherwise is FS_LEARNED_ON_BY_DEFAULT, the default of the
   plugin's `use_learned` control (the Turtle says the same; a test checks
   it): 0, the classical gains, while the shipped network still cuts the
   highs of some clean voices (README, "The learned tier"). */
#define FS_LEARNED_GLIDE_MS 10.0f
#define FS_LEARNED_SHARE_DEFAULT 1.0f
#define FS_LEARNED_ON_BY_DEFAULT 0
#define FS_LEARNED_SPEECH_LOW_HZ 300.0f /* bands whose centre lies here are */
#define FS_LEARNED_SPEECH_HIGH_HZ 4000.0f /* judged for flicker */

static_assert(FS_LEARNED_GLIDE_MS >= 5.0f && FS_LEARNED_GLIDE_MS <= 50.0f, "a crossfade, neither a click nor a drift");
static_assert(FS_LEARNED_SHARE_DEFAULT >= 0.0f && FS_LEARNED_SHARE_DEFAULT <= 1.0f, "a share");
static_assert(FS_LEARNED_SPEECH_LOW_HZ < FS_LEARNED_SPEECH_HIGH_HZ, "speech bands");

#endif

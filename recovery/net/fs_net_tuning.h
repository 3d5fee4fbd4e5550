/*
  fs_net_tuning: the safety net's constants in one place, checked at
  compile time.  Times are in milliseconds and become samples on the
  instance's own clock, so behaviour is the same at every sample rate.
*/
#ifndef FS_NET_TUNING_H
#define FS_NET_TUNING_H

#include <assert.h>

/* Output guard. */
#define FS_NET_LOOKAHEAD_MS 2.0   /* limiter look-ahead, taken from the tiers' latency */
#define FS_NET_RELEASE_MS 80.0    /* limiter release time constant */

/* Breakers. */
#define FS_NET_FAILURES_TO_OPEN 3u  /* soft findings within the window that open a breaker */
#define FS_NET_FAILURE_WINDOW_MS 500.0
#define FS_NET_COOLDOWN_MS 40.0     /* first cooldown */
#define FS_NET_COOLDOWN_CAP_MS 120.0  /* backoff cap for faults of the signal path */
#define FS_NET_COOLDOWN_DEADLINE_MS 400.0      /* first cooldown after an overrun: probing costs CPU */
#define FS_NET_COOLDOWN_CAP_DEADLINE_MS 4000.0 /* ...and its backoff cap */
#define FS_NET_JITTER 0.2f
#define FS_NET_PROBE_MS 100.0       /* clean shadow time before a tier is heard again */
#define FS_NET_QUARANTINE_AFTER 12u /* failed probes in a row */
#define FS_NET_CALM_MS 10000.0      /* closed and clean this long: backoff forgotten */

/* The learned tier's breaker: its own backoff cap, so a tier that fell
   back to the classical gains is heard learned again within 250 ms of the
   fault's end (cap with jitter, then the probe, then the share's glide). */
#define FS_NET_LEARNED_COOLDOWN_MS 40.0
#define FS_NET_LEARNED_COOLDOWN_CAP_MS 80.0
#define FS_NET_LEARNED_PROBE_MS 100.0

/* The learned tier's detectors (fs_learned_check), on each channel's
   shadow report of the network (fs_learned_gain.h).  Measured at 48 kHz,
   15 dB reduction, on the tests' speech-like material (clean, and in two
   levels of noise) and on host-test/demo/noisy_speech.flac (at its level
   and 20 dB down), 10 s or the whole file each:
   - Flicker: mean |ln g - ln g_prev| of the speech bands per hop, gains
     held to the floor, smoothed over about 50 ms; musical noise when it
     stays above the limit for FS_NET_LEARNED_FLICKER_HOLD_MS.  The initial,
     untrained weights reached 0.011 smoothed (0.025 in one hop); the classical
     gains' own band gains, which a trained network learns to resemble,
     reach 0.31 smoothed on the demo.  0.6 leaves about twice that; gains
     alternating between the floor and 1 reach 1.7 at 15 dB (and still
     0.69 at 6 dB).
   - Speech loss: the speech band's energy with learned gains over that
     with classical gains, smoothed over about 50 ms of voiced hops
     (periodicity above 0.5); the network throws voiced speech away when
     it stays below -10 dB for 100 ms of voiced input (pauses skipped).
     The initial, untrained weights reached -6.1 dB at worst and never
     -10 dB on a voiced hop; learned gains all at 0 (the floor) give about -15 dB on
     voiced speech.  These figures come from running the enhancer with the
     learned share at 1 and feeding each hop's report to fs_learned_check;
     tests/net/test_fs_supervisor.c checks 10 s of the speech-like material
     with the learned gains forced on gives no learned finding.  The
     trained weights shipped now do take clean voiced speech past -10 dB
     (after 8.8 s of it): a true finding, which the expected failure
     fs_supervisor_learned_clean_speech records; in noise they pass. */
#define FS_NET_LEARNED_FLICKER_SMOOTH_MS 50.0
#define FS_NET_LEARNED_FLICKER_LIMIT 0.6f
#define FS_NET_LEARNED_FLICKER_HOLD_MS 20.0
#define FS_NET_SPEECH_LOSS_SMOOTH_MS 50.0
#define FS_NET_SPEECH_LOSS_DB -10.0f
#define FS_NET_SPEECH_LOSS_HOLD_MS 100.0
#define FS_NET_SPEECH_VOICED 0.5f

/* Incidents. */
#define FS_NET_SETTLE_MS 50.0  /* a strategy's time to act before a recurrence counts against it */
#define FS_NET_VERIFY_MS 100.0 /* quiet time before an incident counts as fixed */

/* Graded responses. */
#define FS_NET_TRIM_STEP_DB -6.0f   /* output clipping: lower the full path by this much */
#define FS_NET_TRIM_MIN_DB -18.0f
#define FS_NET_PROTECTION_STEP 0.5f /* musical noise: raise floor and smoothing */
#define FS_NET_ADJUST_CALM_MS 5000.0 /* adjustments ease back after this long without the cause */

/* The enhancer's whole state is scanned every so many hops (cheaper checks
   run every hop: the noise estimate's sum, the output).  A scan reads all
   of the state, as much as a snapshot copies, so both are kept rare:
   64 hops is 0.34 s at 48 kHz. */
#define FS_NET_STATE_SCAN_HOPS 64u

/* Snapshots of the enhancer: taken after at least this many clean hops, on
   a hop whose whole-state scan passed, so every snapshot is known good. */
#define FS_NET_SNAPSHOT_HOPS 64u

/* Incident ring. */
#define FS_NET_RING_CAPACITY 1024u

/* Fault injection. */
#define FS_NET_CHAOS_STALL 1.5  /* chaos 4 stalls the full path for this share of the budget */
#define FS_NET_CHAOS_BOOST 2.0f /* chaos 5: +6 dB after the enhancer */
#define FS_NET_CHAOS_OVER_MS 1000.0 /* chaos off this long lifts quarantines it caused */
/* Chaos 3, musical noise (fs_fault.c): bins whose gain is under this many
   floors count as noise; they are carved down by the dip, and peaks of
   gain 1 are left among them, GAP_MIN to GAP_MIN + GAP_SPAN - 1 bins
   apart (about one noise bin in four of the speech band), in new places
   every hop.  The peaks stand 20 dB + the reduction (35 dB by default)
   over the carved floor.  Measured with `failsafe-host faults` on its
   generated material and on espeak-ng speech in white and pink noise:
   the musical-noise detector fires 1 to 64 ms into the fault, in pauses
   and in speech, at blocks 64, 256 and random up to 2048. */
#define FS_NET_CHAOS_MUSICAL_NOISE_LIKE 2.0f
#define FS_NET_CHAOS_MUSICAL_DIP 0.1f
#define FS_NET_CHAOS_MUSICAL_GAP_MIN 2u
#define FS_NET_CHAOS_MUSICAL_GAP_SPAN 4u
#define FS_NET_CHAOS_MUSICAL_MAX_PEAKS 64u

/* The deadline clock (fs_clock): the counter's rate is learnt over this
   span, checked again this often, and given up after this many checks in
   a row that found it moved by more than the tolerance.  The sane range of
   the rate covers counters from 10 MHz to 100 GHz. */
#define FS_NET_CLOCK_LEARN_MS 20.0
#define FS_NET_CLOCK_RECHECK_MS 1000.0
#define FS_NET_CLOCK_TOLERANCE 0.01
#define FS_NET_CLOCK_STRIKES 3u
#define FS_NET_CLOCK_MIN_NS_PER_TICK 0.01
#define FS_NET_CLOCK_MAX_NS_PER_TICK 100.0

static_assert(FS_NET_FAILURES_TO_OPEN >= 1 && FS_NET_FAILURES_TO_OPEN <= 8, "breaker ring holds at most 8");
static_assert(FS_NET_COOLDOWN_CAP_MS >= FS_NET_COOLDOWN_MS, "cap below first cooldown");
/* A fault of the signal path is heard back within 250 ms of its end: the
   cooldown under way when it ends (the jitter never takes one past the
   cap, fs_breaker.c), then a probe on a state rebuilt from a snapshot (so
   the fault's memory in the state cannot fail it: fs_policy_take_suspect),
   then 20 ms for the crossfade's first half at its default and a hop. */
static_assert(FS_NET_COOLDOWN_CAP_MS + FS_NET_PROBE_MS + 20.0 <= 250.0,
              "a transient fault must be heard back within 250 ms");
static_assert(FS_NET_LEARNED_COOLDOWN_CAP_MS >= FS_NET_LEARNED_COOLDOWN_MS, "cap below first cooldown");
static_assert(FS_NET_LEARNED_COOLDOWN_CAP_MS * (1.0 + FS_NET_JITTER) + FS_NET_LEARNED_PROBE_MS + 10.0 + 20.0 <= 250.0,
              "the learned gains are heard again within 250 ms of a fault's end (10 ms glide, 20 ms of hops)");
static_assert(FS_NET_LEARNED_FLICKER_LIMIT > 0.1f && FS_NET_LEARNED_FLICKER_LIMIT < 1.0f,
              "above what speech moves the gains by, below gains jumping by the floor");
static_assert(FS_NET_LEARNED_FLICKER_HOLD_MS < FS_NET_LEARNED_FLICKER_SMOOTH_MS,
              "several hops, not so many the smoothing could not carry them");
static_assert(FS_NET_SPEECH_LOSS_DB <= -6.0f && FS_NET_SPEECH_LOSS_DB >= -20.0f,
              "a loss no suppression of noise alone makes in voiced speech");
static_assert(FS_NET_SPEECH_LOSS_HOLD_MS >= 100.0 && FS_NET_SPEECH_LOSS_SMOOTH_MS <= FS_NET_SPEECH_LOSS_HOLD_MS,
              "speech lost for at least 100 ms, judged on the smoothed loss");
static_assert(FS_NET_SPEECH_VOICED > 0.3f && FS_NET_SPEECH_VOICED < 1.0f, "voiced: a clear period");
static_assert(FS_NET_VERIFY_MS >= FS_NET_SETTLE_MS, "verify after settle");
static_assert(FS_NET_COOLDOWN_DEADLINE_MS >= FS_NET_COOLDOWN_MS &&
                  FS_NET_COOLDOWN_CAP_DEADLINE_MS >= FS_NET_COOLDOWN_DEADLINE_MS,
              "an overrun waits at least as long as a fault of the signal");
static_assert(FS_NET_STATE_SCAN_HOPS >= 1 && FS_NET_SNAPSHOT_HOPS % FS_NET_STATE_SCAN_HOPS == 0,
              "snapshots are taken on scanned hops");
static_assert(FS_NET_CLOCK_LEARN_MS > 1.0 && FS_NET_CLOCK_RECHECK_MS >= FS_NET_CLOCK_LEARN_MS,
              "the rate is learnt over a span long against two readings' gap, and checked no faster");
static_assert(FS_NET_CLOCK_TOLERANCE > 0.0 && FS_NET_CLOCK_TOLERANCE < 0.1 && FS_NET_CLOCK_STRIKES >= 1,
              "a counter is given up only on a lasting change of rate");

#endif

/*
  fs_declick: click and crackle repair ahead of the spectral enhancer.

  A click (a bad contact, a digital glitch, a cable's or a mouth's
  crackle) is a burst from one sample to about a millisecond long, tens of
  dB above what surrounds it.  Smeared over a frame by the spectral path
  it becomes a broadband splat the suppressor cannot tell from speech, so
  it is repaired first, in the time domain and with no latency:

  - detection works on the second difference of the input (how far each
    sample departs from the line through the two before it), which lifts
    a broadband burst far above a voice, whose energy lies low.  The level
    it is measured against is the peak of that difference over the last
    FS_DECLICK_LEVEL_MS, clicks left out: a pitch period of the lowest
    voices, so each glottal pulse meets the pulses before it.  An event
    starts at a sample FS_DECLICK_DETECT_DB over the level (over a level
    that held within FS_DECLICK_STEADY_DB from hop to hop, as noise's
    does, FS_DECLICK_DETECT_STEADY_DB), from where the run of samples over
    the level that led to it began, and is over once nothing has come
    FS_DECLICK_EXTENT_DB over the level it rose from, and within
    FS_DECLICK_TRAIL_DB of the event's own peak, for FS_DECLICK_BRIDGE_MS
    (between the edges of a held value, its samples count by their size
    instead): a click on a word's onset ends where the click does, and the
    word does not carry it on.  A lone sample barely over that keeps an
    event open without making it longer: the noise's own peaks;
  - an event longer than FS_DECLICK_MAX_MS is sound, not a click: a
    plosive burst, or a word's first glottal pulse, whose formants ring
    on.  It is left alone and joins the level at once.  But where the
    signal had settled back (to the level it rose from, far under the
    peak) for FS_DECLICK_APART_MS within it, the part before is a click of
    its own, and the rest is judged by itself: two clicks close together,
    or a click just before a word.  Clicks that touch make one burst, and
    past FS_DECLICK_MAX_MS together pass as sound.  A burst
    FS_DECLICK_DETECT_DB over all an event held, half a click's length
    into it, is a click on what had just begun, and an event of its own;
    so is a burst that far over the level a sound has raised;
  - a click is replaced, FS_DECLICK_GUARD_MS beyond the samples found, by
    an autoregressive model's predictions, forward from the samples before
    it and backward from those after it, cross-faded (fs_ar_fill.h).  The
    model (FS_DECLICK_ORDER_MS) is fitted to the FS_DECLICK_FIT_MS of output
    before a hop's first click, only when there is one.

  Without a click the hop is passed through bit for bit, for about one
  vectorised pass over it.  The whole hop is look-ahead for the samples
  in it, but nothing beyond: an event still running at the end of a hop
  has its part there predicted forward, and is finished in the next hop,
  interpolated from that prediction.  Should it prove to be sound there
  (the onset of a plosive or a word in the last FS_DECLICK_MAX_MS of a
  hop), the rest is left alone, and what was repaired of it in that hop
  is handed back (fs_declick_revoked) for the caller to put back where it
  still holds that hop.  A burst only some 6 to 10 dB above steady noise
  around it that fades under the level within a millisecond can also be
  taken for a click.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_DECLICK_H
#define FS_DECLICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fs_declick fs_declick;

/* hop: the samples per process() call, 16 .. 8192.  NULL on failure. */
fs_declick *fs_declick_create(double sample_rate, uint32_t hop);
void fs_declick_destroy(fs_declick *declick);
void fs_declick_reset(fs_declick *declick);

/* One hop in place.  The samples must be sanitised (finite, bounded).
   Returns how many samples of this hop were repaired. */
uint32_t fs_declick_process(fs_declick *declick, float *hop);

/* After process(): samples of the hop before this one that were predicted
   over at its end, because an event ran past it, and that this hop has
   shown to be sound (a plosive or a word starting there).  Returns their
   count (usually 0), sets *from to the first one's index in that hop and
   *difference to what the repair took from each (input minus output):
   a caller that still holds that hop (an analysis window, the enhancer's
   STFT history) adds them back, and the onset is whole again there. */
uint32_t fs_declick_revoked(const fs_declick *declick, uint32_t *from, const float **difference);

/* Mutable state (recent output, level history, an open event) for
   snapshots: a whole number of floats. */
size_t fs_declick_state_size(const fs_declick *declick);
void fs_declick_save(const fs_declick *declick, void *dst);
void fs_declick_load(fs_declick *declick, const void *src);
bool fs_declick_state_is_finite(const fs_declick *declick);

#endif

/*
  fs_ar_fill: fills a gap in a signal by autoregressive prediction, the
  repair behind fs_declick.  A model of `order` coefficients is fitted
  (autocorrelation of a raised-cosine window of the `fit` samples before
  a gap, with a little white noise added so it stays stable, solved by
  Levinson-Durbin) and predicts the gap forward from the samples before
  it and backward from those after it, cross-faded.  One fit serves every
  gap near it: speech holds still over a hop.

  Samples in, predictions out, in float; the model is solved in double.
  The caller keeps the signal: this unit keeps only the model and its
  scratch, none of which carries from one fit to the next, so there is
  nothing to snapshot.

  Threading: create/destroy instantiation class, the rest audio class.
*/
#ifndef FS_AR_FILL_H
#define FS_AR_FILL_H

#include <stdint.h>

typedef struct fs_ar_fill fs_ar_fill;

/* order: model coefficients, 2 or more; fit: samples the model is fitted
   to, at least 4 * order; longest: the longest gap that will be filled;
   white: the white noise added to the fit, as a power ratio to the
   signal's.  NULL on failure. */
fs_ar_fill *fs_ar_fill_create(uint32_t order, uint32_t fit, uint32_t longest, double white);
void fs_ar_fill_destroy(fs_ar_fill *fill);

/* Fits the model's autocorrelation to the `fit` samples before gap[0]
   (which must be readable).  Every fs_ar_fill_gap() until the next fit
   uses it. */
void fs_ar_fill_fit(fs_ar_fill *fill, const float *gap);

/* Replaces w[from..to] (at most `longest` samples) by the fitted model's
   predictions, forward from the `order` samples before w[from] and
   backward from the `right` good samples after w[to] (0: forward only,
   nothing after it is known yet), cross-faded over the gap.  Those
   samples must be readable; the output is bounded and denormal-free. */
void fs_ar_fill_gap(fs_ar_fill *fill, float *w, int32_t from, int32_t to, uint32_t right);

#endif

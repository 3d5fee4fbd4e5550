/*
  fs_ar_fill: see the header for what it does.  Moved out of fs_declick,
  which decides where the gaps are; the arithmetic is unchanged, step for
  step, so the declicker's output is too.
*/
#include "fs_ar_fill.h"

#include "fs_compiler.h"
#include "fs_sanitize.h"
#include "fs_tuning.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fs_ar_fill {
  uint32_t order;    /* model coefficients */
  uint32_t fit;      /* samples a model is fitted to */
  double white;      /* white noise added to the fit, as a power ratio */
  float *window;     /* the fit window, then the windowed samples */
  float *forward;    /* order samples before a gap, then its forward prediction */
  float *backward;   /* a gap's backward prediction, then the samples after it */
  float *coef;       /* the model: x[n] ~ -sum coef[k] x[n-k], k = 1..order, */
  float *coef_short; /* ...and the same fit at a lower order, for a short right side */
  float *reversed;   /* coef[order], ..., coef[1]: the forward taps in memory order */
  double *acf;       /* order + 1 autocorrelation lags, then order + 1 Levinson terms */
};

fs_ar_fill *fs_ar_fill_create(uint32_t order, uint32_t fit, uint32_t longest, double white) {
  if (order < 2u || fit < 4u * order || longest < 1u) {
    return NULL;
  }
  fs_ar_fill *f = calloc(1, sizeof(*f));
  if (!f) {
    return NULL;
  }
  f->order = order;
  f->fit = fit;
  f->white = white;
  /* The float buffers in one block, each a whole number of floats. */
  const size_t floats = 2u * fit + 2u * longest + 5u * order + 2u;
  f->window = calloc(floats, sizeof(float));
  f->acf = calloc(2u * (order + 1u), sizeof(double));
  if (!f->window || !f->acf) {
    fs_ar_fill_destroy(f);
    return NULL;
  }
  f->forward = f->window + 2u * fit;
  f->backward = f->forward + order + longest;
  f->coef = f->backward + order + longest;
  f->coef_short = f->coef + order + 1u;
  f->reversed = f->coef_short + order + 1u;
  for (uint32_t i = 0; i < fit; ++i) {
    f->window[i] = (float)(0.5 - 0.5 * cos(2.0 * 3.14159265358979323846 * (i + 0.5) / fit));
  }
  return f;
}

void fs_ar_fill_destroy(fs_ar_fill *f) {
  if (f) {
    free(f->window);
    free(f->acf);
    free(f);
  }
}

/* The autocorrelation of the `fit` samples before `gap`, windowed: the
   model's fit, shared by every gap of a hop.  In float lanes, so it
   vectorises; the samples are scaled to a peak of 1 first and specks
   under 1e-12 of it cleared, so no product falls to the denormal range. */
void fs_ar_fill_fit(fs_ar_fill *f, const float *gap) {
  const uint32_t n = f->fit;
  const float *from = gap - n;
  float *windowed = f->window + n, peak = 0.0f;
  for (uint32_t i = 0; i < n; ++i) {
    peak = fs_maxf(peak, fabsf(from[i]));
  }
  const float scale = peak > 0.0f ? 1.0f / peak : 0.0f;
  for (uint32_t i = 0; i < n; ++i) {
    const float v = from[i] * scale * f->window[i];
    windowed[i] = fabsf(v) < 1e-12f ? 0.0f : v;
  }
  for (uint32_t k = 0; k <= f->order; ++k) {
    const float *later = windowed + k;
    const uint32_t length = n - k, whole = length - length % FS_SUM_LANES;
    float lane[FS_SUM_LANES] = {0.0f};
    for (uint32_t i = 0; i < whole; i += FS_SUM_LANES) {
      for (uint32_t j = 0; j < FS_SUM_LANES; ++j) {
        lane[j] += later[i + j] * windowed[i + j];
      }
    }
    for (uint32_t i = whole; i < length; ++i) {
      lane[i - whole] += later[i] * windowed[i];
    }
    f->acf[k] = 0.0;
    for (uint32_t j = 0; j < FS_SUM_LANES; ++j) {
      f->acf[k] += lane[j];
    }
  }
}

/* The model by Levinson-Durbin, in double so an ill-conditioned fit (a
   voice oversampled at 192 kHz) keeps its precision.  coef_short gets the
   recursion's order-`low` stage. */
static void solve_model(fs_ar_fill *f, uint32_t low) {
  const uint32_t p = f->order;
  const double *r = f->acf;
  double *a = f->acf + p + 1u;
  memset(a, 0, (p + 1u) * sizeof(double));
  memset(f->coef, 0, 2u * (p + 1u) * sizeof(float)); /* coef and coef_short */
  double error = r[0] * (1.0 + f->white);
  for (uint32_t i = 1; i <= p && error > 1e-9 * r[0]; ++i) { /* silence: predict silence */
    double acc = r[i];
    for (uint32_t j = 1; j < i; ++j) {
      acc += a[j] * r[i - j];
    }
    const double k = -acc / error;
    for (uint32_t j = 1; j <= i / 2; ++j) {
      const double low_j = a[j], high_j = a[i - j];
      a[j] = low_j + k * high_j;
      a[i - j] = high_j + k * low_j;
    }
    a[i] = k;
    error *= 1.0 - k * k;
    for (uint32_t j = 1; i == low && j <= i; ++j) {
      f->coef_short[j] = (float)a[j];
    }
  }
  for (uint32_t j = 1; j <= p; ++j) {
    f->coef[j] = f->reversed[p - j] = (float)a[j];
  }
}

/* One prediction, -sum c[j] h[j] over j < order, in eight lanes: with
   fewer the compiler keeps it scalar. */
static inline float predict(const float *c, const float *h, uint32_t order) {
  float sum[8] = {0.0f};
  const uint32_t whole = order & ~7u;
  for (uint32_t j = 0; j < whole; j += 8u) {
    for (uint32_t l = 0; l < 8u; ++l) {
      sum[l] -= c[j + l] * h[j + l];
    }
  }
  for (uint32_t j = whole; j < order; ++j) {
    sum[j - whole] -= c[j] * h[j];
  }
  return ((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7]));
}

/* One model serves both ways: a stationary process is predicted backward
   by the coefficients that predict it forward.  With fewer good samples
   after the gap than the model's order, the backward side uses the
   recursion's stage of that order. */
void fs_ar_fill_gap(fs_ar_fill *f, float *w, int32_t from, int32_t to, uint32_t right) {
  const uint32_t p = f->order, m = (uint32_t)(to - from + 1), q = right < p ? right : p;
  solve_model(f, q);
  float *fw = f->forward, *b = f->backward;
  memcpy(fw, w + from - p, p * sizeof(float));
  for (uint32_t i = 0; i < m; ++i) {
    fw[p + i] = predict(f->reversed, fw + i, p); /* taps over the p samples before */
  }
  memcpy(b + m, w + to + 1, q * sizeof(float));
  for (uint32_t i = m; i-- > 0;) {
    b[i] = predict((q < p ? f->coef_short : f->coef) + 1, b + i + 1, q);
  }
  for (uint32_t i = 0; i < m; ++i) {
    /* A smoothstep from forward to backward: within 1 % of a cos^2 fade,
       without a call to libm per sample. */
    const float t = (float)(i + 1) / (float)(m + 1), fade = q ? 1.0f - t * t * (3.0f - 2.0f * t) : 1.0f;
    const float v = b[i] + fade * (fw[p + i] - b[i]);
    w[from + (int32_t)i] = fs_flush_state(fs_minf(fs_maxf(v, -FS_INPUT_LIMIT), FS_INPUT_LIMIT));
  }
}

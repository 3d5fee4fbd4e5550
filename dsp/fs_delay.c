#include "fs_delay.h"

#include <stdlib.h>
#include <string.h>

struct fs_delay {
  uint32_t length; /* delay in samples */
  uint32_t write;  /* next write position in ring */
  float *ring;     /* length samples; empty when length == 0 */
};

fs_delay *fs_delay_create(uint32_t delay_samples) {
  fs_delay *d = calloc(1, sizeof(*d));
  if (!d) {
    return NULL;
  }
  d->length = delay_samples;
  if (delay_samples > 0) {
    d->ring = calloc(delay_samples, sizeof(float));
    if (!d->ring) {
      free(d);
      return NULL;
    }
  }
  return d;
}

void fs_delay_destroy(fs_delay *d) {
  if (d) {
    free(d->ring);
    free(d);
  }
}

void fs_delay_reset(fs_delay *d) {
  d->write = 0;
  if (d->length > 0) {
    memset(d->ring, 0, d->length * sizeof(float));
  }
}

uint32_t fs_delay_length(const fs_delay *d) { return d->length; }

void fs_delay_process(fs_delay *d, const float *in, float *out, uint32_t n) {
  if (d->length == 0) {
    if (out != in) {
      memmove(out, in, n * sizeof(float));
    }
    return;
  }
  /* The ring holds exactly `length` samples, the oldest at `write`.  In
     runs up to the ring's end: play the oldest samples out and put the new
     ones in their place. */
  uint32_t done = 0;
  while (done < n) {
    uint32_t run = d->length - d->write;
    if (run > n - done) {
      run = n - done;
    }
    float *slot = d->ring + d->write;
    if (in != out) {
      memcpy(out + done, slot, run * sizeof(float));
      memcpy(slot, in + done, run * sizeof(float));
    } else {
      /* In place: swap element by element, through registers. */
      for (uint32_t i = 0; i < run; ++i) {
        const float oldest = slot[i];
        slot[i] = in[done + i];
        out[done + i] = oldest;
      }
    }
    d->write += run;
    if (d->write == d->length) {
      d->write = 0;
    }
    done += run;
  }
}

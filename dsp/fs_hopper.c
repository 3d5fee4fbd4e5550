#include "fs_hopper.h"

#include <stdlib.h>
#include <string.h>

struct fs_hopper {
  uint32_t channels;
  uint32_t hop;
  uint32_t fill;  /* samples of the current hop already collected */
  uint32_t slots; /* input hops kept: the current one and past_hops before it */
  uint32_t slot;  /* the current one's */
  float *in_ring[FS_HOPPER_MAX_CHANNELS]; /* slots hops */
  float *in_hop[FS_HOPPER_MAX_CHANNELS];  /* the current hop's slot */
  float *out_hop[FS_HOPPER_MAX_CHANNELS]; /* output of the last processed hop */
};

fs_hopper *fs_hopper_create_with_history(uint32_t channels, uint32_t hop, uint32_t past_hops) {
  if (channels == 0 || channels > FS_HOPPER_MAX_CHANNELS || hop == 0 || past_hops > UINT32_MAX / hop - 1) {
    return NULL;
  }
  fs_hopper *h = calloc(1, sizeof(*h));
  if (!h) {
    return NULL;
  }
  h->channels = channels;
  h->hop = hop;
  h->slots = past_hops + 1;
  for (uint32_t c = 0; c < channels; ++c) {
    h->in_ring[c] = calloc((size_t)h->slots * hop, sizeof(float));
    h->out_hop[c] = calloc(hop, sizeof(float));
    if (!h->in_ring[c] || !h->out_hop[c]) {
      fs_hopper_destroy(h);
      return NULL;
    }
    h->in_hop[c] = h->in_ring[c];
  }
  return h;
}

fs_hopper *fs_hopper_create(uint32_t channels, uint32_t hop) { return fs_hopper_create_with_history(channels, hop, 0); }

void fs_hopper_destroy(fs_hopper *h) {
  if (!h) {
    return;
  }
  for (uint32_t c = 0; c < FS_HOPPER_MAX_CHANNELS; ++c) {
    free(h->in_ring[c]);
    free(h->out_hop[c]);
  }
  free(h);
}

void fs_hopper_reset(fs_hopper *h) {
  h->fill = 0;
  h->slot = 0;
  for (uint32_t c = 0; c < h->channels; ++c) {
    memset(h->in_ring[c], 0, (size_t)h->slots * h->hop * sizeof(float));
    memset(h->out_hop[c], 0, h->hop * sizeof(float));
    h->in_hop[c] = h->in_ring[c];
  }
}

float *fs_hopper_input_hop(fs_hopper *h, uint32_t channel, uint32_t ago) {
  const uint32_t slot = ago <= h->slot ? h->slot - ago : h->slot + h->slots - ago;
  return h->in_ring[channel] + (size_t)slot * h->hop;
}

/* After a hop: the next one is collected in the oldest slot. */
static void next_slot(fs_hopper *h) {
  h->slot = h->slot + 1 == h->slots ? 0 : h->slot + 1;
  for (uint32_t c = 0; c < h->channels; ++c) {
    h->in_hop[c] = h->in_ring[c] + (size_t)h->slot * h->hop;
  }
}

uint32_t fs_hopper_latency(const fs_hopper *h) { return h->hop - 1; }

uint32_t fs_hopper_fill(const fs_hopper *h) { return h->fill; }

/*
  Sample p of hop k (p = k*hop + i) plays out output sample p - (hop - 1).
  So at position i < hop-1 we play out_hop[i+1] of the previous hop, and at
  i == hop-1 we first process hop k, then play its out_hop[0].
*/
void fs_hopper_process(fs_hopper *h, const float *const *in, float *const *out, uint32_t n,
                       fs_hop_fn on_hop, void *context) {
  uint32_t done = 0;
  while (done < n) {
    uint32_t take = h->hop - h->fill;
    if (take > n - done) {
      take = n - done;
    }
    const int completes_hop = (h->fill + take == h->hop);
    /* Played from the previous hop's output: positions fill..fill+take-1,
       except the hop's last position, which waits for this hop. */
    const uint32_t from_previous = completes_hop ? take - 1 : take;

    /* Read every input before writing any output: hosts may hand us the
       same buffer for an input and an output, even across channels. */
    for (uint32_t c = 0; c < h->channels; ++c) {
      memcpy(h->in_hop[c] + h->fill, in[c] + done, take * sizeof(float));
    }
    for (uint32_t c = 0; c < h->channels; ++c) {
      memcpy(out[c] + done, h->out_hop[c] + h->fill + 1, from_previous * sizeof(float));
    }
    if (completes_hop) {
      on_hop(context, (const float *const *)h->in_hop, h->out_hop);
      for (uint32_t c = 0; c < h->channels; ++c) {
        out[c][done + take - 1] = h->out_hop[c][0];
      }
      if (h->slots > 1) {
        next_slot(h);
      }
      h->fill = 0;
    } else {
      h->fill += take;
    }
    done += take;
  }
}

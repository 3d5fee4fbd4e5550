/* The learner's model as a blob, both ways (see fs_learner.h for the API
   and the layout below). */
#include "fs_learner.h"
#include "fs_learner_model.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* ---- the blob -----------------------------------------------------------------

   bytes [0, 4)        "FSLM"
         [4, 8)        format version, u32 (FORMAT_VERSION)
         [8, 12)       payload length P, u32
         [12, 12 + P)  payload (layout below, visit_model)
         [12 + P, +4)  CRC-32 (IEEE, reflected) of bytes [0, 12 + P)
   Every number little-endian, floats as their IEEE-754 bits.  The payload
   states its cause and strategy counts, so a build with more causes (the
   numbers only ever grow) reads an older blob and ignores extra ones of a
   newer one.  One function describes the layout for both directions. */

enum { FORMAT_VERSION = 1, HEADER = 12, TRAILER = 4, MAX_DIMENSION = 256 };
static const uint8_t magic[4] = {'F', 'S', 'L', 'M'};

uint32_t fs_learner_crc32(const uint8_t *data, size_t len) {
  /* Half-byte table of the reflected polynomial 0xEDB88320. */
  static const uint32_t nibble[16] = {
      0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
      0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
      0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < len; ++i) {
    crc ^= data[i];
    crc = (crc >> 4) ^ nibble[crc & 15u];
    crc = (crc >> 4) ^ nibble[crc & 15u];
  }
  return ~crc;
}

typedef struct {
  bool reading;
  uint8_t *out; /* writing: bytes go here while they fit in cap */
  size_t cap;
  const uint8_t *in; /* reading */
  size_t len;
  size_t pos; /* advances even past the end, so writing measures */
} codec;

static void field_uint(codec *c, uint64_t *value, unsigned bytes) {
  if (c->reading) {
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i) {
      if (c->pos + i < c->len) v |= (uint64_t)c->in[c->pos + i] << (8u * i);
    }
    *value = v;
  } else if (c->pos + bytes <= c->cap) {
    for (unsigned i = 0; i < bytes; ++i) c->out[c->pos + i] = (uint8_t)(*value >> (8u * i));
  }
  c->pos += bytes;
}

static void field_u8(codec *c, uint8_t *v) {
  uint64_t x = *v;
  field_uint(c, &x, 1);
  *v = (uint8_t)x;
}

static void field_u32(codec *c, uint32_t *v) {
  uint64_t x = *v;
  field_uint(c, &x, 4);
  *v = (uint32_t)x;
}

static void field_u64(codec *c, uint64_t *v) { field_uint(c, v, 8); }

static void field_f32(codec *c, float *v) {
  uint32_t bits;
  memcpy(&bits, v, sizeof(bits));
  field_u32(c, &bits);
  memcpy(v, &bits, sizeof(bits));
}

static void field_f64(codec *c, double *v) {
  uint64_t bits;
  memcpy(&bits, v, sizeof(bits));
  field_u64(c, &bits);
  memcpy(v, &bits, sizeof(bits));
}

static void visit_readings(codec *c, reading_ring *r) {
  field_u32(c, &r->next);
  field_u32(c, &r->filled);
  for (int i = 0; i < RING; ++i) {
    field_f32(c, &r->value[i]);
    field_u8(c, &r->chaos[i]);
  }
}

/* The payload, for `causes` x `strategies` as stored; entries beyond this
   build's counts go to a scratch sink. */
static void visit_model(codec *c, fs_learner *l, uint32_t causes, uint32_t strategies) {
  uint32_t sink32 = 0;
  double sink64 = 0.0;
  field_u64(c, &l->seed);
  field_u32(c, &l->version);
  field_u32(c, &causes);
  field_u32(c, &strategies);
  for (uint32_t cause = 0; cause < causes; ++cause) {
    for (uint32_t s = 0; s < strategies; ++s) {
      bool ours = cause < FS_CAUSE_COUNT && s < FS_STRATEGY_COUNT;
      field_u32(c, ours ? &l->tries[cause][s] : &sink32);
      field_u32(c, ours ? &l->successes[cause][s] : &sink32);
    }
  }
  for (uint32_t cause = 0; cause < causes; ++cause) {
    bool ours = cause < FS_CAUSE_COUNT;
    field_u32(c, ours ? &l->outcomes[cause] : &sink32);
    field_u32(c, ours ? &l->incidents[cause] : &sink32);
    field_u32(c, ours ? &l->chaos_incidents[cause] : &sink32);
    field_u32(c, ours ? &l->reduction_count[cause] : &sink32);
    field_f64(c, ours ? &l->reduction_sum[cause] : &sink64);
  }
  field_u32(c, &l->small_block_overruns);
  field_u32(c, &l->min_overrun_block);
  field_f32(c, &l->max_clip_input_db);
  visit_readings(c, &l->musical_noise);
  visit_readings(c, &l->flux);
  field_u32(c, &l->deadline.next);
  field_u32(c, &l->deadline.filled);
  for (int i = 0; i < RING; ++i) {
    field_f32(c, &l->deadline.load[i]);
    field_f32(c, &l->deadline.budget[i]);
  }
}

static size_t payload_size(uint32_t causes, uint32_t strategies) {
  fs_learner scratch;
  fs_learner_set_defaults(&scratch, 0);
  codec sizing = {.reading = false};
  visit_model(&sizing, &scratch, causes, strategies);
  return sizing.pos;
}

size_t fs_learner_serialize(const fs_learner *l, uint8_t *buf, size_t cap) {
  size_t payload = payload_size(FS_CAUSE_COUNT, FS_STRATEGY_COUNT);
  size_t total = HEADER + payload + TRAILER;
  if (!l || !buf || cap < total) return total;
  codec c = {.reading = false, .out = buf, .cap = cap};
  uint32_t format = FORMAT_VERSION, length = (uint32_t)payload;
  memcpy(buf, magic, sizeof(magic));
  c.pos = sizeof(magic);
  field_u32(&c, &format);
  field_u32(&c, &length);
  fs_learner copy = *l; /* visit_model takes non-const for reading's sake */
  visit_model(&c, &copy, FS_CAUSE_COUNT, FS_STRATEGY_COUNT);
  uint32_t crc = fs_learner_crc32(buf, HEADER + payload);
  field_u32(&c, &crc);
  return total;
}

static bool ring_sane(const reading_ring *r) {
  if (r->next >= RING || r->filled > RING) return false;
  for (int i = 0; i < RING; ++i) {
    if (!isfinite(r->value[i]) || r->chaos[i] > 1u) return false;
  }
  return true;
}

/* What a valid checksum cannot promise: values this code could produce. */
static bool model_sane(const fs_learner *l) {
  for (int cause = 0; cause < FS_CAUSE_COUNT; ++cause) {
    for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
      if (l->successes[cause][s] > l->tries[cause][s]) return false;
      if (l->tries[cause][s] >= FS_LEARNER_WINDOW) return false;
    }
    if (l->chaos_incidents[cause] > l->incidents[cause]) return false;
    if (l->reduction_count[cause] > l->incidents[cause]) return false;
    if (!isfinite(l->reduction_sum[cause])) return false;
    if (l->reduction_count[cause] == 0 && l->reduction_sum[cause] != 0.0) return false;
  }
  /* Counters saturate at UINT32_MAX (fs_learner.c), so these hold even
     for a model loaded at the top.  Small-block overruns are deadline
     incidents, and the smallest overrunning block is then a small one. */
  if (l->small_block_overruns > l->incidents[FS_CAUSE_DEADLINE]) return false;
  if (l->small_block_overruns > 0 &&
      (l->min_overrun_block == 0 || l->min_overrun_block > FS_ANALYSIS_SMALL_BLOCK)) {
    return false;
  }
  /* Each ring reading is one incident of its cause. */
  if (l->deadline.filled > l->incidents[FS_CAUSE_DEADLINE]) return false;
  if (l->musical_noise.filled > l->incidents[FS_CAUSE_MUSICAL_NOISE]) return false;
  if (l->flux.filled > l->incidents[FS_CAUSE_SPECTRAL_FLUX]) return false;
  if (isnan(l->max_clip_input_db) || l->max_clip_input_db == INFINITY) return false;
  if (!ring_sane(&l->musical_noise) || !ring_sane(&l->flux)) return false;
  if (l->deadline.next >= RING || l->deadline.filled > RING) return false;
  for (int i = 0; i < RING; ++i) {
    if (!isfinite(l->deadline.load[i]) || !isfinite(l->deadline.budget[i])) return false;
  }
  return true;
}

static int decode(fs_learner *l, const uint8_t *buf, size_t len) {
  if (len >= sizeof(magic) && memcmp(buf, magic, sizeof(magic)) != 0) {
    return FS_LEARNER_ERR_MAGIC;
  }
  if (len < HEADER + TRAILER) return FS_LEARNER_ERR_TRUNCATED;
  codec c = {.reading = true, .in = buf, .len = len, .pos = sizeof(magic)};
  uint32_t format, payload;
  field_u32(&c, &format);
  field_u32(&c, &payload);
  if (payload > len - HEADER - TRAILER) return FS_LEARNER_ERR_TRUNCATED;
  if (payload < len - HEADER - TRAILER) return FS_LEARNER_ERR_CORRUPT; /* trailing bytes */
  c.pos = HEADER + payload;
  uint32_t stored_crc;
  field_u32(&c, &stored_crc);
  if (stored_crc != fs_learner_crc32(buf, HEADER + payload)) return FS_LEARNER_ERR_CHECKSUM;
  if (format > FORMAT_VERSION) return FS_LEARNER_ERR_VERSION;
  if (format == 0) return FS_LEARNER_ERR_CORRUPT;

  /* The dimensions sit after seed (8) and version (4). */
  if (payload < 20) return FS_LEARNER_ERR_CORRUPT;
  c.pos = HEADER + 12;
  uint32_t causes, strategies;
  field_u32(&c, &causes);
  field_u32(&c, &strategies);
  if (causes == 0 || causes > MAX_DIMENSION || strategies == 0 ||
      strategies > MAX_DIMENSION || payload_size(causes, strategies) != payload) {
    return FS_LEARNER_ERR_CORRUPT;
  }
  c.len = HEADER + payload; /* the CRC is not payload */
  c.pos = HEADER;
  visit_model(&c, l, causes, strategies);
  return model_sane(l) ? FS_LEARNER_OK : FS_LEARNER_ERR_CORRUPT;
}

int fs_learner_deserialize(fs_learner *l, const uint8_t *buf, size_t len) {
  if (!l) return FS_LEARNER_ERR_ARGUMENT;
  if (!buf) {
    fs_learner_reset(l);
    return FS_LEARNER_ERR_ARGUMENT;
  }
  fs_learner *scratch = malloc(sizeof(*scratch));
  if (!scratch) {
    fs_learner_reset(l);
    return FS_LEARNER_ERR_ARGUMENT;
  }
  fs_learner_set_defaults(scratch, l->seed);
  int result = decode(scratch, buf, len);
  if (result == FS_LEARNER_OK) {
    *l = *scratch; /* fresh session bookkeeping comes with it */
  } else {
    fs_learner_reset(l);
  }
  free(scratch);
  return result;
}

const char *fs_learner_error_name(int error) {
  switch (error) {
  case FS_LEARNER_OK: return "ok";
  case FS_LEARNER_ERR_ARGUMENT: return "bad argument";
  case FS_LEARNER_ERR_TRUNCATED: return "truncated";
  case FS_LEARNER_ERR_MAGIC: return "not a learner blob";
  case FS_LEARNER_ERR_CHECKSUM: return "checksum mismatch";
  case FS_LEARNER_ERR_VERSION: return "newer format version";
  case FS_LEARNER_ERR_CORRUPT: return "corrupt contents";
  default: return "unknown error";
  }
}

/* fs_rt_callback: see fs_rt_callback.h. */
#include "fs_rt_callback.h"

#include <sndfile.h>

#include <dlfcn.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t fs_rt_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void fs_rt_find_guard(fs_rt_guard *g) {
  *(void **)&g->arm = dlsym(RTLD_DEFAULT, "fs_rt_guard_arm");
  *(void **)&g->violations = dlsym(RTLD_DEFAULT, "fs_rt_guard_violations");
  *(void **)&g->reset = dlsym(RTLD_DEFAULT, "fs_rt_guard_reset");
  if (!g->arm || !g->violations || !g->reset) memset(g, 0, sizeof *g);
}


static uint32_t in_channels(const fs_rt_callback_state *s, int cond) {
  return cond == FS_RT_PLUGIN ? s->plugin->n_audio_in : FS_RT_MAX_AUDIO;
}

static uint32_t out_channels(const fs_rt_callback_state *s, int cond) {
  return cond == FS_RT_PLUGIN ? s->plugin->n_audio_out : FS_RT_MAX_AUDIO;
}

static void fill_inputs(fs_rt_callback_state *s, int cond, const float *device_in, uint32_t n) {
  const uint32_t channels = in_channels(s, cond);
  if (s->file) {
    const fs_rt_file *f = s->file;
    uint64_t pos = s->file_pos[cond];
    for (uint32_t i = 0; i < n; ++i) {
      const float *frame = f->samples + pos * f->channels;
      for (uint32_t c = 0; c < channels; ++c) s->in[c][i] = frame[c < f->channels ? c : f->channels - 1];
      if (++pos == f->frames) pos = 0; /* loops */
    }
    s->file_pos[cond] = pos;
  } else if (device_in && s->device_in > 0) {
    const uint32_t stride = (uint32_t)s->device_in;
    for (uint32_t c = 0; c < channels; ++c) {
      const uint32_t from = c < stride ? c : stride - 1;
      for (uint32_t i = 0; i < n; ++i) s->in[c][i] = device_in[i * stride + from];
    }
  } else {
    for (uint32_t c = 0; c < channels; ++c) memset(s->in[c], 0, n * sizeof(float));
  }
}

/* Runs the plugin over the block, split wherever the chaos schedule
 * changes value so that a fault starts and stops on its exact frame. */
static uint64_t run_plugin(fs_rt_callback_state *s, uint32_t n) {
  fs_rt_plugin *p = s->plugin;
  uint64_t spent = 0;
  uint32_t done = 0;
  while (done < n) {
    const uint64_t at = s->frame[FS_RT_PLUGIN] + done;
    const uint64_t edge = fs_rt_schedule_next_edge(s->schedule, at);
    const uint32_t len = edge - at < (uint64_t)(n - done) ? (uint32_t)(edge - at) : n - done;
    if (p->chaos && s->schedule->count > 0) *p->chaos = (float)fs_rt_schedule_mode_at(s->schedule, at);
    spent += fs_rt_plugin_run(p, s->in, s->out, done, len);
    done += len;
  }
  return spent;
}

/* The plugin's block, or the baseline's plain copy (the plugin is not
 * called at all: it pauses). */
static void process(fs_rt_callback_state *s, int cond, uint32_t n, fs_rt_block *b) {
  if (cond == FS_RT_PLUGIN && !s->calibrate) {
    b->run_ns = run_plugin(s, n);
    b->tier = fs_rt_plugin_output(s->plugin->tier);
    b->incidents = fs_rt_plugin_output(s->plugin->incidents);
    b->cause = fs_rt_plugin_output(s->plugin->cause);
  } else {
    for (uint32_t c = 0; c < FS_RT_MAX_AUDIO; ++c) memcpy(s->out[c], s->in[c], n * sizeof(float));
    b->run_ns = 0;
    b->tier = b->incidents = b->cause = NAN;
  }
}

/* Writes the block's outputs to the device, counting what a listener
 * would hear: non-finite samples (replaced by silence: a real speaker is
 * never fed NaN, whatever the plugin does) and the peak. */
static void write_outputs(fs_rt_callback_state *s, int cond, float *device_out, uint32_t n, fs_rt_block *b) {
  const uint32_t channels = out_channels(s, cond);
  float peak = 0.0f;
  uint32_t nonfinite = 0;
  for (uint32_t c = 0; c < channels; ++c) {
    for (uint32_t i = 0; i < n; ++i) {
      const float x = s->out[c][i];
      if (!isfinite(x)) {
        ++nonfinite;
        s->out[c][i] = 0.0f;
      } else if (fabsf(x) > peak) {
        peak = fabsf(x);
      }
    }
  }
  const uint32_t stride = (uint32_t)s->device_out;
  for (uint32_t d = 0; d < stride; ++d) {
    const float *from = s->out[d < channels ? d : channels - 1];
    for (uint32_t i = 0; i < n; ++i) device_out[i * stride + d] = from[i];
  }
  b->peak = peak;
  b->nonfinite = nonfinite;
}

/* The condition of callback seq, -1 once both have all their blocks.
 * Segments go baseline, plugin, plugin, baseline, and again (ABBA): a
 * drift of the machine's noise that is linear in time weighs on both
 * conditions alike, and the stream starts and ends on the baseline. */
static int condition_at(const fs_rt_callback_state *s, uint64_t seq) {
  const int plugin_left = s->filled[FS_RT_PLUGIN] < s->quota[FS_RT_PLUGIN];
  const int baseline_left = s->filled[FS_RT_BASELINE] < s->quota[FS_RT_BASELINE];
  if (!plugin_left || !baseline_left) return plugin_left ? FS_RT_PLUGIN : baseline_left ? FS_RT_BASELINE : -1;
  const uint64_t phase = (seq / s->segment_blocks) % 4;
  return phase == 1 || phase == 2 ? FS_RT_PLUGIN : FS_RT_BASELINE;
}

static uint8_t callbacks_since(uint64_t seq, uint64_t last_late) {
  if (last_late == 0 || seq + 1 - last_late >= FS_RT_NOT_LATE) return FS_RT_NOT_LATE;
  return (uint8_t)(seq + 1 - last_late);
}

/* The block's record, before the work. */
static fs_rt_block *open_block(fs_rt_callback_state *s, int cond, uint64_t seq, PaStreamCallbackFlags status,
                               const PaStreamCallbackTimeInfo *time_info) {
  if (seq % s->segment_blocks == 0 || cond != s->last_condition) ++s->segments[cond];
  s->last_condition = cond;
  fs_rt_block *b = &s->blocks[cond][s->filled[cond]];
  b->frame = s->frame[cond];
  b->seq = seq;
  b->status = (uint32_t)status;
  b->dac_time = time_info ? time_info->outputBufferDacTime : 0.0;
  b->chaos = cond == FS_RT_PLUGIN ? fs_rt_schedule_mode_at(s->schedule, s->frame[cond]) : 0;
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) b->since_late[c] = callbacks_since(seq, s->last_late[c]);
  return b;
}

/* The block's record, after the work: whether it ran late, and any
 * real-time violation the guard counted during it, charged to its
 * condition. */
static void close_block(fs_rt_callback_state *s, int cond, uint64_t seq, fs_rt_block *b, uint64_t start) {
  b->callback_ns = fs_rt_now_ns() - start;
  if (b->callback_ns > s->late_ns) s->last_late[cond] = seq + 1;
  if (s->guard_violations) {
    const unsigned long seen = s->guard_violations();
    s->violations[cond] += seen - s->violations_seen;
    s->violations_seen = seen;
  }
  ++s->filled[cond];
}

/* Records the callback thread's scheduling once, so the summary can say
 * whether the callback really ran real-time.  One system call, no lock. */
static void note_scheduling(fs_rt_callback_state *s) {
  struct sched_param param = {0};
  s->sched_policy = sched_getscheduler(0);
  s->sched_priority = sched_getparam(0, &param) == 0 ? param.sched_priority : -1;
  atomic_store(&s->sched_known, 1);
}

int fs_rt_callback(const void *input, void *output, unsigned long frame_count,
                   const PaStreamCallbackTimeInfo *time_info, PaStreamCallbackFlags status, void *user) {
  fs_rt_callback_state *s = user;
  if (!atomic_load_explicit(&s->sched_known, memory_order_relaxed)) note_scheduling(s);
  const uint64_t start = fs_rt_now_ns();
  if (s->guard_arm) s->guard_arm(1);
  const uint64_t seq = atomic_load_explicit(&s->count, memory_order_relaxed);
  const uint32_t n = (uint32_t)frame_count;
  const int cond = condition_at(s, seq);
  if (cond < 0 || n > s->frames) {
    memset(output, 0, frame_count * (size_t)s->device_out * sizeof(float));
    atomic_store(&s->done, 1);
    if (s->guard_arm) s->guard_arm(0);
    return paComplete;
  }
  fs_rt_block *b = open_block(s, cond, seq, status, time_info);
  fill_inputs(s, cond, input, n);
  process(s, cond, n, b);
  write_outputs(s, cond, output, n, b);
  s->frame[cond] += n;
  close_block(s, cond, seq, b, start);
  atomic_store_explicit(&s->count, seq + 1, memory_order_release);
  if (s->guard_arm) s->guard_arm(0);
  return paContinue;
}

/* ---- set-up, on the main thread ------------------------------------- */

int fs_rt_file_load(const char *path, double rate, fs_rt_file *f) {
  SF_INFO info = {0};
  SNDFILE *sf = sf_open(path, SFM_READ, &info);
  if (!sf) {
    fprintf(stderr, "failsafe-rt: cannot read %s: %s\n", path, sf_strerror(NULL));
    return -1;
  }
  if (info.samplerate != (int)rate) {
    fprintf(stderr, "failsafe-rt: %s is at %d Hz but the stream runs at %.0f Hz; it plays at the stream's rate\n",
            path, info.samplerate, rate);
  }
  f->frames = (uint64_t)info.frames;
  f->channels = (uint32_t)info.channels;
  f->samples = f->frames ? malloc(f->frames * f->channels * sizeof(float)) : NULL;
  const int ok = f->samples && sf_readf_float(sf, f->samples, info.frames) == info.frames;
  sf_close(sf);
  if (!ok) {
    fprintf(stderr, "failsafe-rt: %s is empty or unreadable\n", path);
    free(f->samples);
    f->samples = NULL;
    return -1;
  }
  return 0;
}

/* Writes one byte per page, so the pages are resident before the stream
 * starts.  Through a volatile pointer: the compiler knows calloc's memory
 * is zero and drops a memset of zeros, leaving the callback to fault the
 * pages in one by one (seen as VmRSS growing all through a run). */
static void touch_pages(void *memory, size_t bytes) {
  volatile unsigned char *p = memory;
  for (size_t i = 0; i < bytes; i += 4096) p[i] = 0;
  if (bytes) p[bytes - 1] = 0;
}

int fs_rt_callback_prepare(fs_rt_callback_state *s, const fs_rt_options *o) {
  const uint64_t blocks = (uint64_t)ceil(o->seconds * o->rate / o->frames);
  s->quota[FS_RT_PLUGIN] = blocks;
  s->quota[FS_RT_BASELINE] = o->bypass_baseline ? blocks : 0;
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) {
    if (!s->quota[c]) continue;
    s->blocks[c] = calloc(s->quota[c], sizeof *s->blocks[c]);
    if (!s->blocks[c]) return -1;
    touch_pages(s->blocks[c], s->quota[c] * sizeof *s->blocks[c]);
  }
  for (uint32_t c = 0; c < FS_RT_MAX_AUDIO; ++c) {
    s->in[c] = calloc(o->frames, sizeof(float));
    s->out[c] = calloc(o->frames, sizeof(float));
    if (!s->in[c] || !s->out[c]) return -1;
  }
  const double segment_blocks = llround(fs_rt_options_segment_seconds(o) * o->rate / o->frames);
  s->segment_blocks = o->bypass_baseline && segment_blocks >= 1.0 ? (uint64_t)segment_blocks : UINT64_MAX;
  s->frames = o->frames;
  s->calibrate = o->calibrate;
  s->late_ns = (uint64_t)(1e9 * o->frames / o->rate);
  s->last_condition = -1;
  return 0;
}

void fs_rt_callback_release(fs_rt_callback_state *s) {
  for (int c = 0; c < FS_RT_CONDITIONS; ++c) free(s->blocks[c]);
  for (uint32_t c = 0; c < FS_RT_MAX_AUDIO; ++c) {
    free(s->in[c]);
    free(s->out[c]);
  }
}

#include "fs_faults.h"

#include "fs_bench_material.h"
#include "fs_cause.h"
#include "fs_controls.h"
#include "fs_event.h"
#include "fs_event_ring.h"
#include "fs_supervisor.h"

#include <math.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2
#define MAX_MODES 10
#define MAX_WINDOWS (2 * MAX_MODES)
#define RETURN_MARK_MS 250.0
#define DEADLINE_MARK_MS 1000.0
#define SEEN_AFTER_END_S 0.25 /* an onset this soon after the window still counts */
#define CAMPAIGN_SECONDS 16.0
#define HOP_S (256.0 / 48000.0) /* the net's hop at 48 kHz */
#define PAUSE_AT 4.1
#define SPEECH_AT 12.6

void fs_faults_usage(FILE *out) {
  fputs("usage: failsafe-host faults [--modes LIST] [--block N | --random-blocks MAX] [--seed S]\n"
        "                            [--input FILE] [--fault-seconds S] [--live] [--json]\n"
        "\n"
        "The fault campaign with its marks: each chaos mode of LIST is switched on\n"
        "for one window in speech and one in a pause; per window it prints whether\n"
        "the net saw the fault (first cause, ms after the start), how long after the\n"
        "fault's end the full tier was heard again (the tier output as a host reads\n"
        "it after each run()), and for chaos 3 the injected artifact's level: the\n"
        "output minus that of the same run without chaos, its loudest 20 ms in dBFS\n"
        "and against the chaos-free output there.  Without --block or\n"
        "--random-blocks it runs 64, 256 and random lengths up to 2048.  Exit 1 when\n"
        "a mark is missed: back on full within 250 ms of a fault's end (1 s after a\n"
        "CPU stall), and chaos 3 seen in every window.\n"
        "\n"
        "options:\n"
        "  --modes LIST        chaos modes by number, comma-separated (default 1,2,3,4,5,6)\n"
        "  --block N           host block length\n"
        "  --random-blocks MAX random lengths 1..MAX\n"
        "  --seed S            seed of the random lengths (default 1)\n"
        "  --input FILE        mono 48 kHz WAV/FLAC instead of generated material, played\n"
        "                      again from its start until 16 s are over (the windows then\n"
        "                      say nothing about speech or pause)\n"
        "  --fault-seconds S   length of each window (default 0.8)\n"
        "  --live              freewheel off for every mode (default: only for chaos 4)\n"
        "  --json              one JSON object per window instead of the table\n"
        "  --help              this text\n",
        out);
}

typedef struct {
  double start_s, end_s;
  int mode;
  bool in_speech;
  /* measured */
  uint64_t end_at;      /* first call start at or after the end (chaos off) */
  bool ended;
  bool left_full;       /* the tier was not full at some reading from the start on */
  uint64_t last_away;   /* end of the last call after end_at with the tier not full */
  int cause;            /* first onset's cause, 0 none */
  double seen_ms;       /* after the start */
  bool musical_seen;
  double artifact_db, artifact_rel_db;
} window;

typedef struct {
  uint32_t fixed, random_max;
  uint64_t state;
} blocks;

static uint32_t next_block(blocks *b) {
  if (!b->random_max) {
    return b->fixed;
  }
  uint64_t z = (b->state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return (uint32_t)(z % b->random_max) + 1;
}

static int window_at(const window *w, size_t count, double seconds) {
  for (size_t k = 0; k < count; ++k) {
    if (seconds >= w[k].start_s && seconds < w[k].end_s) {
      return (int)k;
    }
  }
  return -1;
}

/* One run over x; chaos per the windows (or none when `windows` is NULL);
   output into y (same length, late by the plugin's latency). */
static bool trace = false;

static int run_once(const float *x, float *y, uint32_t frames, double rate, blocks pattern, window *windows,
                    size_t count, bool live) {
  int traced = -1;
  fs_supervisor *sup = fs_supervisor_create(rate, 1);
  if (!sup) {
    return -1;
  }
  fs_controls controls = fs_controls_default();
  fs_supervisor_set_host_period(sup, pattern.random_max ? pattern.random_max : pattern.fixed);
  controls.freewheel = !live;
  fs_supervisor_set_controls(sup, &controls);
  fs_supervisor_reset(sup);
  fs_event_ring *ring = fs_supervisor_events(sup);
  int last = -1;
  for (uint32_t pos = 0; pos < frames;) {
    uint32_t n = next_block(&pattern);
    n = n < frames - pos ? n : frames - pos;
    const double seconds = (double)pos / rate;
    const int k = windows ? window_at(windows, count, seconds) : -1;
    if (last >= 0 && k != last && !windows[last].ended) {
      windows[last].ended = true;
      windows[last].end_at = pos;
    }
    if (k >= 0) {
      last = k;
    }
    const int mode = k >= 0 ? windows[k].mode : 0;
    controls.chaos = (fs_chaos_mode)mode;
    controls.freewheel = !(live || mode == FS_CHAOS_CPU_STALL || (last >= 0 && windows[last].mode == FS_CHAOS_CPU_STALL));
    fs_supervisor_set_controls(sup, &controls);
    const float *in[1] = {x + pos};
    float *out[1] = {y + pos};
    fs_supervisor_process(sup, in, out, n);
    pos += n;
    fs_status status;
    fs_supervisor_status(sup, &status);
    fs_event e;
    const int now_state = (int)status.tier * 100 + (int)status.heading * 10 + (int)status.breaker[0];
    if (trace && windows && now_state != traced) {
      printf("  %9.4f s  chaos %d  tier %d heading %d full breaker %s\n", (double)pos / rate, mode, status.tier,
             status.heading, fs_breaker_state_name(status.breaker[0]));
      traced = now_state;
    }
    while (fs_event_ring_pop(ring, &e)) {
      if (trace && windows) {
        printf("  %9.4f s  event %u cause %s tier %u action %u (call ends %.4f s)\n", (double)e.position / rate, e.kind,
               fs_cause_name(e.cause), e.tier, e.action, (double)pos / rate);
      }
      if (!windows || e.kind != FS_EVENT_ONSET) {
        continue;
      }
      const double at = (double)e.position / rate;
      for (size_t j = 0; j < count; ++j) {
        window *w = &windows[j];
        /* A record's position is the start of the hop it began in: the
           hop that completes the fault's first call began before it. */
        if (at + HOP_S >= w->start_s && at < w->end_s + SEEN_AFTER_END_S) {
          if (!w->cause) {
            w->cause = e.cause;
            w->seen_ms = fmax(0.0, 1000.0 * (at - w->start_s));
          }
          w->musical_seen = w->musical_seen || e.cause == FS_CAUSE_MUSICAL_NOISE;
        }
      }
    }
    if (last >= 0 && status.tier != FS_TIER_FULL) {
      windows[last].left_full = true;
      if (windows[last].ended) {
        windows[last].last_away = pos;
      }
    }
  }
  if (last >= 0 && !windows[last].ended) {
    windows[last].ended = true;
    windows[last].end_at = frames;
  }
  fs_supervisor_destroy(sup);
  return 0;
}

/* The loudest 20 ms of (chaos - clean) inside the window, in dBFS and
   against the clean output over the same 20 ms. */
static void artifact(window *w, const float *chaos, const float *clean, uint32_t frames, double rate,
                     uint32_t latency) {
  const uint32_t seg = (uint32_t)(0.02 * rate);
  const uint64_t from = (uint64_t)(w->start_s * rate) + latency, to = (uint64_t)(w->end_s * rate) + latency;
  double best = 0.0, best_ref = 0.0;
  for (uint64_t s = from; s + seg <= to && s + seg <= frames; s += seg) {
    double d = 0.0, r = 0.0;
    for (uint32_t i = 0; i < seg; ++i) {
      const double e = (double)chaos[s + i] - (double)clean[s + i];
      d += e * e;
      r += (double)clean[s + i] * clean[s + i];
    }
    if (d > best) {
      best = d;
      best_ref = r;
    }
  }
  w->artifact_db = 10.0 * log10(best / seg + 1e-20);
  w->artifact_rel_db = 10.0 * log10((best + 1e-20) / (best_ref + 1e-20));
}

static uint32_t latency_of(double rate) {
  fs_supervisor *probe = fs_supervisor_create(rate, 1);
  const uint32_t latency = probe ? fs_supervisor_latency(probe) : 0;
  fs_supervisor_destroy(probe);
  return latency;
}

static int refuse(const char *message, const char *detail) {
  fprintf(stderr, "failsafe-host: faults: %s%s%s\n", message, detail ? " " : "", detail ? detail : "");
  return EXIT_USAGE;
}

static double return_ms(const window *w, double rate) {
  return w->last_away > w->end_at ? 1000.0 * (double)(w->last_away - w->end_at) / rate : 0.0;
}

static bool mark_missed(const window *w, double rate) {
  const double mark = w->mode == FS_CHAOS_CPU_STALL ? DEADLINE_MARK_MS : RETURN_MARK_MS;
  return return_ms(w, rate) > mark || (w->mode == FS_CHAOS_MUSICAL_NOISE && !w->musical_seen);
}

/* The campaign at one block pattern; returns the windows that missed a mark. */
static int campaign(const float *x, uint32_t frames, double rate, blocks pattern, const int *modes, size_t mode_count,
                    double fault_s, bool generated, bool live, bool json) {
  window w[MAX_WINDOWS];
  size_t count = 0;
  /* Each mode on a fresh instance (a backoff one mode earned would lengthen
     the next mode's cooldowns), over the same material.  The generated
     material has 4 s of voice then 2 s of pause every 6 s: one window from
     0.1 s into the first pause (at 4.1 s), one from 0.6 s into the third
     stretch of voice (at 12.6 s), more than 5 s apart so a graded response
     to the first (eased back after 5 s of calm) is over before the second,
     and each followed by more than 1 s without chaos (an experiment is
     over after 1 s). */
  const uint32_t needed = (uint32_t)(CAMPAIGN_SECONDS * rate);
  if (frames < needed) {
    fprintf(stderr, "failsafe-host: faults: the material is %.1f s, the campaign needs %.1f s\n", frames / rate,
            needed / rate);
    return -1;
  }
  float *y = malloc(frames * sizeof(float)), *clean = malloc(frames * sizeof(float));
  bool ok = y && clean && run_once(x, clean, frames, rate, pattern, NULL, 0, live) == 0;
  for (size_t m = 0; ok && m < mode_count; ++m) {
    window *mine = &w[count];
    for (int place = 0; place < 2; ++place) {
      const double start = place == 0 ? PAUSE_AT : SPEECH_AT;
      w[count++] = (window){.start_s = start, .end_s = start + fault_s, .mode = modes[m], .in_speech = place == 1};
    }
    ok = run_once(x, y, frames, rate, pattern, mine, 2, live) == 0;
    for (size_t k = 0; ok && k < 2; ++k) {
      artifact(&mine[k], y, clean, frames, rate, latency_of(rate));
    }
  }
  if (!ok) {
    free(y);
    free(clean);
    return -1;
  }
  int missed = 0;
  char label[32];
  if (pattern.random_max) {
    snprintf(label, sizeof label, "random<=%u", pattern.random_max);
  } else {
    snprintf(label, sizeof label, "%u", pattern.fixed);
  }
  for (size_t k = 0; k < count; ++k) {
    const bool miss = mark_missed(&w[k], rate);
    missed += miss;
    const char *where = !generated ? "file" : w[k].in_speech ? "speech" : "pause";
    if (json) {
      printf("{\"blocks\":\"%s\",\"mode\":%d,\"where\":\"%s\",\"start_s\":%.2f,\"end_s\":%.2f,\"cause\":%d,"
             "\"seen_ms\":%.1f,\"musical_seen\":%s,\"left_full\":%s,\"return_ms\":%.1f,\"artifact_dbfs\":%.1f,"
             "\"artifact_rel_db\":%.1f,\"missed\":%s}\n",
             label, w[k].mode, where, w[k].start_s, w[k].end_s, w[k].cause, w[k].cause ? w[k].seen_ms : -1.0,
             w[k].musical_seen ? "true" : "false", w[k].left_full ? "true" : "false", return_ms(&w[k], rate),
             w[k].artifact_db, w[k].artifact_rel_db, miss ? "true" : "false");
    } else {
      char seen[32] = "-";
      if (w[k].cause) {
        snprintf(seen, sizeof seen, "%s@%.0fms", fs_cause_name((fs_cause)w[k].cause), w[k].seen_ms);
      }
      printf("%-11s %-9s %-6s %6.2f-%-6.2f %-26s %-4s %8.1f", label, fs_chaos_name(w[k].mode), where, w[k].start_s,
             w[k].end_s, seen, w[k].left_full ? "yes" : "no", return_ms(&w[k], rate));
      if (w[k].mode == FS_CHAOS_MUSICAL_NOISE) {
        printf("  %7.1f %7.1f", w[k].artifact_db, w[k].artifact_rel_db);
      } else {
        printf("  %7s %7s", "", "");
      }
      printf("  %s\n", miss ? "MISSED" : "ok");
    }
  }
  free(y);
  free(clean);
  return missed;
}

static size_t parse_modes(const char *list, int *modes) {
  size_t count = 0;
  const char *p = list;
  while (*p && count < MAX_MODES) {
    char *end = NULL;
    const long m = strtol(p, &end, 10);
    if (end == p || m < 1 || m >= FS_CHAOS_COUNT) {
      return 0;
    }
    modes[count++] = (int)m;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') {
      return 0;
    }
  }
  return *p ? 0 : count;
}

int fs_faults_main(int argc, char **argv) {
  int modes[MAX_MODES] = {1, 2, 3, 4, 5, 6};
  size_t mode_count = 6;
  long block = 0, random_max = 0;
  unsigned long long seed = 1;
  const char *input = NULL;
  double fault_s = 0.8;
  bool live = false, json = false;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!strcmp(a, "--json")) {
      json = true;
    } else if (!strcmp(a, "--trace")) {
      trace = true; /* undocumented: state changes and incident records as they come */
    } else if (!strcmp(a, "--live")) {
      live = true;
    } else if (!strcmp(a, "--modes") && has_value) {
      mode_count = parse_modes(argv[++i], modes);
      if (!mode_count) {
        return refuse("--modes wants chaos numbers 1..9, comma-separated, at most 10:", argv[i]);
      }
    } else if (!strcmp(a, "--block") && has_value) {
      block = strtol(argv[++i], NULL, 10);
      if (block < 1 || block > 8192) {
        return refuse("--block must be 1..8192", NULL);
      }
    } else if (!strcmp(a, "--random-blocks") && has_value) {
      random_max = strtol(argv[++i], NULL, 10);
      if (random_max < 1 || random_max > 8192) {
        return refuse("--random-blocks must be 1..8192", NULL);
      }
    } else if (!strcmp(a, "--seed") && has_value) {
      seed = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "--input") && has_value) {
      input = argv[++i];
    } else if (!strcmp(a, "--fault-seconds") && has_value) {
      fault_s = strtod(argv[++i], NULL);
      if (!(fault_s >= 0.05 && fault_s <= 1.5)) {
        return refuse("--fault-seconds must be 0.05..1.5", NULL);
      }
    } else {
      return refuse("unknown or incomplete option", a);
    }
  }
  if (block && random_max) {
    return refuse("--block and --random-blocks exclude each other", NULL);
  }
  const double rate = 48000.0;
  uint32_t frames = (uint32_t)(CAMPAIGN_SECONDS * rate);
  float *x = NULL;
  if (input) {
    SF_INFO info = {0};
    SNDFILE *f = sf_open(input, SFM_READ, &info);
    if (!f) {
      return refuse("cannot read", input);
    }
    if (info.channels != 1 || info.samplerate != 48000 || info.frames <= 0 || info.frames > 48000L * 3600) {
      sf_close(f);
      return refuse("needs a mono 48 kHz file of at most an hour:", input);
    }
    const uint32_t length = (uint32_t)info.frames;
    frames = length > frames ? length : frames; /* a short file is played again until the campaign is over */
    x = malloc(frames * sizeof(float));
    if (x) {
      sf_readf_float(f, x, length);
      for (uint32_t i = length; i < frames; ++i) {
        x[i] = x[i - length];
      }
    }
    sf_close(f);
  } else {
    x = fs_bench_material(frames);
  }
  if (!x) {
    return refuse("out of memory", NULL);
  }
  blocks patterns[3] = {{.fixed = 64}, {.fixed = 256}, {.random_max = 2048, .state = seed}};
  size_t pattern_count = 3;
  if (block || random_max) {
    patterns[0] = (blocks){.fixed = (uint32_t)block, .random_max = (uint32_t)random_max, .state = seed};
    pattern_count = 1;
  }
  if (!json) {
    printf("%-11s %-9s %-6s %-13s %-26s %-4s %8s  %7s %7s\n", "blocks", "chaos", "where", "window s",
           "seen (first cause)", "away", "back ms", "art dB", "re out");
  }
  int missed = 0;
  for (size_t p = 0; p < pattern_count; ++p) {
    const int m = campaign(x, frames, rate, patterns[p], modes, mode_count, fault_s, input == NULL, live, json);
    if (m < 0) {
      free(x);
      return refuse("the campaign could not run (out of memory or material too short)", NULL);
    }
    missed += m;
  }
  if (!json) {
    printf("%d window%s missed a mark\n", missed, missed == 1 ? "" : "s");
  }
  free(x);
  return missed ? 1 : 0;
}

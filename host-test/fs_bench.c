#include "fs_bench.h"
#include "fs_bench_material.h"

#include "fs_enhancer.h"
#include "fs_fpu.h"
#include "fs_hopper.h"
#include "fs_supervisor.h"
#include "fs_tuning.h"

#include <math.h>
#include <sndfile.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXIT_USAGE 2
#define MAX_ROUNDS 100

void fs_bench_usage(FILE *out) {
  fputs("usage: failsafe-host bench [--input FILE] [--seconds S] [--block N] [--rounds R]\n"
        "                           [--only full|net] [--learned] [--json]\n"
        "\n"
        "Measures what the safety net costs: the full path alone (hop framer and\n"
        "enhancer) against the whole supervisor around the same enhancer, on the\n"
        "same material, interleaved in one run.  One untimed pass of each warms\n"
        "caches first, and the order alternates from round to round, so neither\n"
        "side pays for going first.  Both run as the plugin's run() runs them,\n"
        "with denormals flushed (FTZ/DAZ), which is not the net's doing.\n"
        "\n"
        "options:\n"
        "  --input FILE  mono WAV/FLAC to process (default: generated noisy speech-like\n"
        "                material, 48 kHz)\n"
        "  --seconds S   length of generated material (default 5)\n"
        "  --block N     host block length (default 256)\n"
        "  --rounds R    interleaved rounds, the median is reported (default 61)\n"
        "  --only WHICH  run only `full` or `net` (for instruction counts)\n"
        "  --learned     both sides with the learned gains heard (the plugin's\n"
        "                use_learned control on); without it, the plugin's default\n"
        "  --json        one JSON object instead of text\n"
        "  --help        this text\n",
        out);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct {
  fs_enhancer *enhancer;
} full_only;

static void full_hop(void *context, const float *const *in, float *const *out) {
  full_only *f = context;
  fs_enhancer_process_hop(f->enhancer, in[0], out[0]);
}

/* One pass of each kind; returns seconds.  Each pass runs with denormals
   flushed, as run() sets them for the whole call: that is the plugin's
   real-time rule for any processing, and so it is not counted as the
   net's cost (the supervisor finds the flags set and leaves them). */
static double pass_full(fs_hopper *hopper, full_only *f, const float *x, float *y, uint32_t frames, uint32_t block) {
  const fs_fpu_state fpu = fs_fpu_flush_denormals();
  const double start = now_seconds();
  for (uint32_t done = 0; done < frames; done += block) {
    const uint32_t n = frames - done < block ? frames - done : block;
    const float *in[1] = {x + done};
    float *out[1] = {y + done};
    fs_hopper_process(hopper, in, out, n, full_hop, f);
  }
  const double seconds = now_seconds() - start;
  fs_fpu_restore(fpu);
  return seconds;
}

static double pass_net(fs_supervisor *sup, const float *x, float *y, uint32_t frames, uint32_t block) {
  const fs_fpu_state fpu = fs_fpu_flush_denormals();
  const double start = now_seconds();
  for (uint32_t done = 0; done < frames; done += block) {
    const uint32_t n = frames - done < block ? frames - done : block;
    const float *in[1] = {x + done};
    float *out[1] = {y + done};
    fs_supervisor_process(sup, in, out, n);
  }
  const double seconds = now_seconds() - start;
  fs_fpu_restore(fpu);
  return seconds;
}

static int compare_doubles(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int refuse(const char *message, const char *detail) {
  fprintf(stderr, "failsafe-host: bench: %s%s%s\n", message, detail ? " " : "", detail ? detail : "");
  return EXIT_USAGE;
}

int fs_bench_main(int argc, char **argv) {
  const char *input = NULL, *only = NULL;
  /* Many short rounds rather than a few long ones: on a shared machine a
     disturbance spoils the round it falls in, and the median of many
     paired rounds shrugs off more of them. */
  double seconds = 5.0;
  long block = 256, rounds = 61;
  bool json = false, learned = FS_LEARNED_ON_BY_DEFAULT;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const bool has_value = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fs_bench_usage(stdout);
      return 0;
    } else if (!strcmp(a, "--json")) {
      json = true;
    } else if (!strcmp(a, "--learned")) {
      learned = true;
    } else if (!strcmp(a, "--input") && has_value) {
      input = argv[++i];
    } else if (!strcmp(a, "--only") && has_value) {
      only = argv[++i];
      if (strcmp(only, "full") && strcmp(only, "net")) {
        return refuse("--only takes full or net, not", only);
      }
    } else if (!strcmp(a, "--seconds") && has_value) {
      seconds = strtod(argv[++i], NULL);
      if (!(seconds >= 1.0 && seconds <= 3600.0)) {
        return refuse("--seconds must be 1..3600", NULL);
      }
    } else if (!strcmp(a, "--block") && has_value) {
      block = strtol(argv[++i], NULL, 10);
      if (block < 1 || block > 8192) {
        return refuse("--block must be 1..8192", NULL);
      }
    } else if (!strcmp(a, "--rounds") && has_value) {
      rounds = strtol(argv[++i], NULL, 10);
      if (rounds < 1 || rounds > MAX_ROUNDS) {
        return refuse("--rounds must be 1..100", NULL);
      }
    } else {
      return refuse("unknown or incomplete option", a);
    }
  }

  double rate = 48000.0;
  uint32_t frames = 0;
  float *x = NULL;
  if (input) {
    SF_INFO info = {0};
    SNDFILE *f = sf_open(input, SFM_READ, &info);
    if (!f) {
      return refuse("cannot read", input);
    }
    if (info.channels != 1 || info.frames <= 0 || info.frames > 48000L * 3600) {
      sf_close(f);
      return refuse("needs a mono file of at most an hour:", input);
    }
    frames = (uint32_t)info.frames;
    rate = info.samplerate;
    x = malloc(frames * sizeof(float));
    if (x) {
      sf_readf_float(f, x, frames);
    }
    sf_close(f);
  } else {
    frames = (uint32_t)(seconds * rate);
    x = fs_bench_material(frames);
  }
  float *y = malloc(frames * sizeof(float));
  fs_enhancer *enhancer = fs_enhancer_create(rate);
  fs_hopper *hopper = enhancer ? fs_hopper_create(1, fs_enhancer_geometry(enhancer)->hop) : NULL;
  fs_supervisor *sup = fs_supervisor_create(rate, 1);
  if (!x || !y || !enhancer || !hopper || !sup) {
    free(x);
    free(y);
    fs_enhancer_destroy(enhancer);
    fs_hopper_destroy(hopper);
    fs_supervisor_destroy(sup);
    return refuse("out of memory, or the rate is outside 22050..192000 Hz", NULL);
  }
  /* Real-time conditions for the net: deadline detection on, but with the
     whole period as budget so a busy machine does not trip it mid-run. */
  fs_controls controls = fs_controls_default();
  controls.budget_pct = 100.0f;
  controls.learned = learned;
  fs_supervisor_set_controls(sup, &controls);
  if (only) {
    /* --only is for instruction counts under valgrind, some 50 times
       slower than the machine: a one-second period keeps the deadline
       detector on, checking the clock as always, without letting the
       slowdown trip it (which would skip hops and make counts vary). */
    fs_supervisor_set_host_period(sup, (uint32_t)rate);
  }
  fs_supervisor_reset(sup);
  /* The full path alone plays the gains the net plays: the learned ones
     at the share it allows, or the classical ones. */
  fs_enhancer_set_learned_share(enhancer, learned ? FS_LEARNED_SHARE_DEFAULT : 0.0f);
  fs_enhancer_reset(enhancer);
  fs_enhancer_set_reduction(enhancer, controls.reduction_db);
  full_only full = {enhancer};

  double full_ns[MAX_ROUNDS], net_ns[MAX_ROUNDS], ratio[MAX_ROUNDS], cost[MAX_ROUNDS];
  const bool run_full = !only || !strcmp(only, "full"), run_net = !only || !strcmp(only, "net");
  if (!only) {
    /* Untimed: first-touch page faults, cold caches and lazy binding
       would otherwise land on whichever side runs first.  (--only runs
       are for instruction counts and stay one pass per round.) */
    pass_full(hopper, &full, x, y, frames, (uint32_t)block);
    pass_net(sup, x, y, frames, (uint32_t)block);
  }
  for (long r = 0; r < rounds; ++r) {
    full_ns[r] = net_ns[r] = 0.0;
    for (int k = 0; k < 2; ++k) {
      const bool full_turn = (k == 0) == (r % 2 == 0); /* full first in even rounds */
      if (full_turn && run_full) {
        full_ns[r] = 1e9 * pass_full(hopper, &full, x, y, frames, (uint32_t)block) / frames;
      } else if (!full_turn && run_net) {
        net_ns[r] = 1e9 * pass_net(sup, x, y, frames, (uint32_t)block) / frames;
      }
    }
    ratio[r] = full_ns[r] > 0.0 ? net_ns[r] / full_ns[r] : 0.0;
    cost[r] = net_ns[r] - full_ns[r];
  }
  fs_status status;
  fs_supervisor_status(sup, &status);
  qsort(full_ns, (size_t)rounds, sizeof(double), compare_doubles);
  qsort(net_ns, (size_t)rounds, sizeof(double), compare_doubles);
  qsort(ratio, (size_t)rounds, sizeof(double), compare_doubles);
  qsort(cost, (size_t)rounds, sizeof(double), compare_doubles);
  const long mid = rounds / 2;
  const double overhead = 100.0 * (ratio[mid] - 1.0);
  if (json) {
    printf("{\"frames\":%u,\"sample_rate\":%.0f,\"block\":%ld,\"rounds\":%ld,"
           "\"full_ns_per_sample\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f},"
           "\"net_ns_per_sample\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f},"
           "\"overhead_pct\":{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f},"
           "\"net_cost_ns_per_sample\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f},\"incidents\":%u}\n",
           frames, rate, block, rounds, full_ns[mid], full_ns[0], full_ns[rounds - 1], net_ns[mid], net_ns[0],
           net_ns[rounds - 1], overhead, 100.0 * (ratio[0] - 1.0), 100.0 * (ratio[rounds - 1] - 1.0), cost[mid],
           cost[0], cost[rounds - 1], status.incidents);
  } else {
    printf("material     %s, %u frames at %.0f Hz, host block %ld, %ld rounds\n", input ? input : "generated",
           frames, rate, block, rounds);
    printf("full path    %.2f ns/sample (median; %.2f..%.2f)\n", full_ns[mid], full_ns[0], full_ns[rounds - 1]);
    printf("with net     %.2f ns/sample (median; %.2f..%.2f)\n", net_ns[mid], net_ns[0], net_ns[rounds - 1]);
    if (!only) {
      printf("overhead     %.2f %% (median of per-round ratios; %.2f..%.2f)\n", overhead,
             100.0 * (ratio[0] - 1.0), 100.0 * (ratio[rounds - 1] - 1.0));
      printf("net cost     %.2f ns/sample (median of per-round differences; %.2f..%.2f)\n", cost[mid], cost[0],
             cost[rounds - 1]);
    }
    printf("incidents    %u\n", status.incidents);
  }
  free(x);
  free(y);
  fs_enhancer_destroy(enhancer);
  fs_hopper_destroy(hopper);
  fs_supervisor_destroy(sup);
  return 0;
}

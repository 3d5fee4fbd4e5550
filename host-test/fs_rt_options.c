/* fs_rt_options: see fs_rt_options.h. */
#include "fs_rt_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out) {
  fputs("usage: failsafe-rt [options]\n"
        "Runs an LV2 plugin inside a PortAudio callback stream and prints a JSON summary.\n"
        "  --plugin URI          plugin to load from LV2_PATH (default urn:failsafe:enhancer)\n"
        "  --seconds N           stream length (default 5)\n"
        "  --frames N            frames per buffer (default 128)\n"
        "  --rate HZ             sample rate (default 48000)\n"
        "  --set SYM=VAL         set a control input (repeatable)\n"
        "  --chaos SCHEDULE      MODE@START-END,... e.g. 4@2s-3s,1@5s-5.5s (times in s or ms)\n"
        "  --input FILE          play a WAV/FLAC file (looped) instead of the device's input\n"
        "  --bypass-baseline     also run a plain copy for as long, in the same stream: segments\n"
        "                        alternate baseline, plugin, plugin, baseline... (the plugin pauses\n"
        "                        in the baseline's; its chaos times count its own segments only)\n"
        "  --segment-seconds N   segment length with --bypass-baseline (default 1, or half of\n"
        "                        --seconds when that is shorter)\n"
        "  --calibrate           as --bypass-baseline, but the plugin's segments run the plain\n"
        "                        copy too: how evenly the harness splits the server's own xruns\n"
        "  --start-jack          start a private dummy jackd and use PortAudio's JACK host API;\n"
        "                        real-time (SCHED_FIFO) when the process may use it\n"
        "  --no-realtime         start that jackd without real-time scheduling\n"
        "  --keep-cpus-awake     while the stream runs, keep every CPU out of its idle state (an\n"
        "                        idle-priority spinner per CPU, and /dev/cpu_dma_latency at 0 where\n"
        "                        permitted): a virtual machine's halted vCPU wakes late, and the\n"
        "                        server's cycle with it; costs power, for measurements\n"
        "  --host-api NAME       host API to use (JACK, ALSA, OSS; default: the default devices')\n"
        "  --device NAME|INDEX   device of that host API (default: its default device)\n"
        "  --json FILE           also write the summary to FILE\n"
        "  --blocks-csv FILE     write the plugin's per-block records to FILE\n"
        "  --baseline-csv FILE   write the baseline's per-block records to FILE\n"
        "  --list-devices        list PortAudio's devices and exit\n"
        "  --verbose             keep the host APIs' start-up chatter on stderr\n"
        "With the test suite's fs_rt_guard.so preloaded (LD_PRELOAD), every callback is checked for\n"
        "allocations, locks, sleeps and file I/O, counted as \"rt_violations\".\n"
        "Exit status: 0 ran, 1 error, 2 no host API offers a device.\n",
        out);
}

static int parse_number(const char *text, double min, double max, double *value) {
  char *end = NULL;
  const double v = strtod(text, &end);
  if (end == text || *end || !(v >= min && v <= max)) return -1;
  *value = v;
  return 0;
}

int fs_rt_options_parse(int argc, char **argv, fs_rt_options *o) {
  *o = (fs_rt_options){.uri = "urn:failsafe:enhancer", .seconds = 5.0, .frames = 128, .rate = 48000.0};
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    double number = 0.0;
    int takes_value = 1;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 1;
    } else if (!strcmp(a, "--bypass-baseline")) {
      o->bypass_baseline = 1, takes_value = 0;
    } else if (!strcmp(a, "--start-jack")) {
      o->start_jack = 1, takes_value = 0;
    } else if (!strcmp(a, "--calibrate")) {
      o->calibrate = o->bypass_baseline = 1, takes_value = 0;
    } else if (!strcmp(a, "--no-realtime")) {
      o->no_realtime = 1, takes_value = 0;
    } else if (!strcmp(a, "--keep-cpus-awake")) {
      o->keep_cpus_awake = 1, takes_value = 0;
    } else if (!strcmp(a, "--list-devices")) {
      o->list_devices = 1, takes_value = 0;
    } else if (!strcmp(a, "--verbose")) {
      o->verbose = 1, takes_value = 0;
    } else if (!v) {
      fprintf(stderr, "failsafe-rt: %s needs a value (see --help)\n", a);
      return -1;
    } else if (!strcmp(a, "--plugin")) {
      o->uri = v;
    } else if (!strcmp(a, "--seconds")) {
      if (parse_number(v, 0.01, 86400.0, &o->seconds) != 0) goto bad;
    } else if (!strcmp(a, "--segment-seconds")) {
      if (parse_number(v, 0.05, 86400.0, &o->segment_seconds) != 0) goto bad;
    } else if (!strcmp(a, "--frames")) {
      if (parse_number(v, 16, 8192, &number) != 0) goto bad;
      o->frames = (uint32_t)number;
    } else if (!strcmp(a, "--rate")) {
      if (parse_number(v, 8000, 384000, &o->rate) != 0) goto bad;
    } else if (!strcmp(a, "--set")) {
      if (o->set_count == FS_RT_MAX_SETS || !strchr(v, '=')) goto bad;
      o->sets[o->set_count++] = v;
    } else if (!strcmp(a, "--chaos")) {
      o->chaos = v;
    } else if (!strcmp(a, "--input")) {
      o->input_path = v;
    } else if (!strcmp(a, "--json")) {
      o->json_path = v;
    } else if (!strcmp(a, "--blocks-csv")) {
      o->blocks_csv = v;
    } else if (!strcmp(a, "--baseline-csv")) {
      o->baseline_csv = v;
    } else if (!strcmp(a, "--host-api")) {
      o->host_api = v;
    } else if (!strcmp(a, "--device")) {
      o->device = v;
    } else {
      fprintf(stderr, "failsafe-rt: unknown option %s (see --help)\n", a);
      return -1;
    }
    i += takes_value;
    continue;
  bad:
    fprintf(stderr, "failsafe-rt: bad value '%s' for %s (see --help)\n", v, a);
    return -1;
  }
  return 0;
}

/* Segment length: the option, else 1 s, or half the run when that is
 * shorter so even a short run gets one whole baseline-plugin-plugin-
 * baseline round.  The server's own xruns on a loaded or virtual machine
 * come in bursts of a few within two or three seconds; segments shorter
 * than a burst split it between the conditions instead of handing it
 * whole to one of them.  1 s is still long next to a block, so the
 * plugin's pauses (one per two segments) are rare next to its blocks. */
double fs_rt_options_segment_seconds(const fs_rt_options *o) {
  if (o->segment_seconds > 0.0) return o->segment_seconds;
  return o->seconds / 2.0 < 1.0 ? o->seconds / 2.0 : 1.0;
}

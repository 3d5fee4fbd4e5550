/* failsafe-host: an offline LV2 host for testing and measuring plugins.
 *
 * main() only dispatches: each subcommand owns its options and usage.
 * Every failure ends in one stderr line "failsafe-host: ..." and exit
 * status 2, so scripts can tell a refused run from a crash. */
#include "fs_host_process.h"
#include "fs_bench.h"
#include "fs_faults.h"
#include "fs_report.h"
#include "fs_controls.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 2, ERR_SIZE = 1024 };

typedef struct fs_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
  void (*usage)(FILE *out);
} fs_command;

/* ---- process ---------------------------------------------------------- */

static void process_usage(FILE *out) {
  fputs(
    "usage: failsafe-host process IN OUT [options]\n"
    "\n"
    "Runs an LV2 plugin found on LV2_PATH over the sound file IN (WAV, FLAC,\n"
    "... anything libsndfile reads) and writes OUT in the same format, rate\n"
    "and channel count unless OUT's extension names another container.\n"
    "The plugin's latency is compensated: OUT is time-aligned with IN and as\n"
    "long.  Freewheeling (lv2:freeWheeling) is on, as in a DAW's export.\n"
    "\n"
    "options:\n"
    "  --uri URI            plugin (default: urn:failsafe:enhancer for mono,\n"
    "                       urn:failsafe:enhancer:stereo for stereo files)\n"
    "  --block N            run() N frames at a time (default 1024)\n"
    "  --random-blocks MAX  random block lengths 1..MAX instead\n"
    "  --seed S             seed of the random lengths (default 1)\n"
    "  --set SYM=VAL        set a control input by symbol; repeatable;\n"
    "                       the value is passed through unclamped\n"
    "  --chaos MODE@START-END[,MODE@START-END...]\n"
    "                       drive the plugin's 'chaos' control on a schedule:\n"
    "                       MODE from the blocks starting at START seconds of\n"
    "                       IN until END, its usual value elsewhere (a --set\n"
    "                       chaos=... or 0); repeatable.  MODE is 0..9 or a\n"
    "                       name: off, nan, runaway, musical, stall, clip,\n"
    "                       denormal, learned_nan, learned_flicker,\n"
    "                       learned_mute.  e.g. --chaos runaway@1-2,nan@3.5-4\n"
    "  --in-place           audio output buffers are the input buffers\n"
    "  --sync-worker        run the plugin's work() inside schedule_work()\n"
    "                       instead of on a worker thread\n"
    "  --state-in DIR       restore a saved plugin state before processing\n"
    "  --state-out DIR      save the plugin state after processing\n"
    "  --raw                no latency compensation: OUT is the plugin's raw\n"
    "                       output, as long as IN\n"
    "  --json FILE          write a JSON summary (- for stdout, which then\n"
    "                       replaces the text summary)\n"
    "  --timeline FILE      draw the run as SVG: input and output level,\n"
    "                       the plugin's tier, health and incidents (from\n"
    "                       its 'tier', 'health', 'incidents' and 'cause'\n"
    "                       outputs) and the chaos schedule, against time.\n"
    "                       Blocks are then cut into run() calls of at most\n"
    "                       10 ms so the outputs are read that often\n"
    "  --quiet              no text summary, no plugin notes, no progress\n"
    "                       bar (the bar shows only when stderr is a\n"
    "                       terminal and IN is longer than 5 s)\n"
    "  --help               this text\n"
    "\n"
    "exit status: 0 done, 2 refused (bad options, unreadable input,\n"
    "unknown plugin, plugin refused the sample rate...).\n",
    out);
}

static int usage_error(const char *message, const char *argument) {
  if (argument) fprintf(stderr, "failsafe-host: %s '%s'\n", message, argument);
  else fprintf(stderr, "failsafe-host: %s\n", message);
  return EXIT_USAGE;
}

/* Whole-string unsigned parse within 1..max. */
static bool parse_count(const char *text, unsigned long long max,
                        unsigned long long *value) {
  if (!text || !*text || *text == '-' || *text == '+') return false;
  char *end;
  errno = 0;
  unsigned long long parsed = strtoull(text, &end, 10);
  if (errno || *end || parsed < 1 || parsed > max) return false;
  *value = parsed;
  return true;
}

static bool parse_seed(const char *text, unsigned long long *value) {
  if (!text || !*text || *text == '-' || *text == '+') return false;
  char *end;
  errno = 0;
  *value = strtoull(text, &end, 10);
  return !errno && !*end;
}

/* "sym=val": val is any strtod number, nan and inf included on purpose. */
static bool parse_setting(char *text, fs_control_setting *setting) {
  char *equals = strchr(text, '=');
  if (!equals || equals == text || equals[1] == '\0') return false;
  *equals = '\0';
  char *end;
  double value = strtod(equals + 1, &end);
  if (*end) {
    *equals = '=';
    return false;
  }
  setting->symbol = text;
  setting->value = value;
  return true;
}

/* Non-negative seconds, the whole of text. */
static bool parse_seconds(const char *text, double *value) {
  if (!*text || *text == '-' || *text == '+') return false;
  char *end;
  *value = strtod(text, &end);
  return !*end && isfinite(*value) && *value >= 0;
}

/* One "MODE@START-END"; text is split in place. */
static bool parse_chaos_window(char *text, fs_chaos_window *window) {
  char *at = strchr(text, '@');
  if (!at) return false;
  *at = '\0';
  char *dash = strchr(at + 1, '-');
  if (!dash) return false;
  *dash = '\0';
  /* Chaos modes by name (the net's list), so a schedule reads as what it
     does; or by number. */
  const int named = fs_chaos_from_name(text);
  if (named >= 0) {
    window->mode = named;
  } else {
    char *end;
    window->mode = strtod(text, &end);
    if (!*text || *end || !isfinite(window->mode)) return false;
  }
  return parse_seconds(at + 1, &window->start_s) &&
         parse_seconds(dash + 1, &window->end_s) &&
         window->start_s < window->end_s;
}

/* Appends every window of a comma-separated schedule to *windows. */
static bool parse_chaos_schedule(const char *text, fs_chaos_window **windows,
                                 size_t *count) {
  char *copy = strdup(text);
  if (!copy) return false;
  bool ok = true;
  char *saveptr = NULL;
  for (char *item = strtok_r(copy, ",", &saveptr); item && ok;
       item = strtok_r(NULL, ",", &saveptr)) {
    fs_chaos_window window;
    fs_chaos_window *grown = realloc(*windows, (*count + 1) * sizeof *grown);
    ok = grown && parse_chaos_window(item, &window);
    if (grown) *windows = grown;
    if (ok) (*windows)[(*count)++] = window;
  }
  /* An empty schedule or a trailing comma is a typo, not "no chaos". */
  size_t length = strlen(text);
  if (length == 0 || text[length - 1] == ',' || text[0] == ',') ok = false;
  free(copy);
  return ok;
}

/* Returns the option's value: "--opt=value" or the next argument. */
static const char *option_value(int argc, char **argv, int *i,
                                const char *inline_value) {
  if (inline_value) return inline_value;
  if (*i + 1 >= argc) return NULL;
  return argv[++*i];
}

static int run_process(int argc, char **argv) {
  fs_process_options options = {.seed = 1};
  fs_control_setting *settings = calloc((size_t)argc + 1, sizeof *settings);
  fs_chaos_window *chaos = NULL;
  const char *positional[2] = {NULL, NULL};
  int positional_count = 0;
  int status = EXIT_USAGE;
  bool saw_block = false;
  if (!settings) return usage_error("out of memory", NULL);

  for (int i = 1; i < argc; i++) {
    char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      process_usage(stdout);
      status = 0;
      goto done;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
      if (positional_count == 2) {
        usage_error("unexpected argument", arg);
        goto done;
      }
      positional[positional_count++] = arg;
      continue;
    }
    /* Split "--name=value". */
    char name[64];
    const char *inline_value = NULL;
    char *equals = strchr(arg, '=');
    size_t name_length = equals ? (size_t)(equals - arg) : strlen(arg);
    if (name_length >= sizeof name) {
      usage_error("unknown option", arg);
      goto done;
    }
    memcpy(name, arg, name_length);
    name[name_length] = '\0';
    if (equals) inline_value = equals + 1;

    bool is_flag = true;
    if (strcmp(name, "--raw") == 0) options.raw = true;
    else if (strcmp(name, "--quiet") == 0) options.quiet = true;
    else if (strcmp(name, "--in-place") == 0) options.in_place = true;
    else if (strcmp(name, "--sync-worker") == 0) options.sync_worker = true;
    else is_flag = false;
    if (is_flag) {
      if (inline_value) {
        usage_error("option takes no value", arg);
        goto done;
      }
      continue;
    }

    const char *value = option_value(argc, argv, &i, inline_value);
    if (strcmp(name, "--uri") != 0 && strcmp(name, "--block") != 0 &&
        strcmp(name, "--random-blocks") != 0 && strcmp(name, "--seed") != 0 &&
        strcmp(name, "--set") != 0 && strcmp(name, "--json") != 0 &&
        strcmp(name, "--state-in") != 0 && strcmp(name, "--state-out") != 0 &&
        strcmp(name, "--chaos") != 0 && strcmp(name, "--timeline") != 0) {
      usage_error("unknown option", arg);
      goto done;
    }
    if (!value || !*value) {
      usage_error("missing value for", name);
      goto done;
    }
    unsigned long long number;
    if (strcmp(name, "--uri") == 0) {
      options.uri = value;
    } else if (strcmp(name, "--block") == 0) {
      if (!parse_count(value, FS_PROCESS_MAX_BLOCK, &number)) {
        usage_error("--block wants 1..1048576 frames", value);
        goto done;
      }
      options.block = (uint32_t)number;
      saw_block = true;
    } else if (strcmp(name, "--random-blocks") == 0) {
      if (!parse_count(value, FS_PROCESS_MAX_BLOCK, &number)) {
        usage_error("--random-blocks wants 1..1048576 frames", value);
        goto done;
      }
      options.random_blocks_max = (uint32_t)number;
    } else if (strcmp(name, "--seed") == 0) {
      if (!parse_seed(value, &number)) {
        usage_error("--seed wants a non-negative integer", value);
        goto done;
      }
      options.seed = number; /* ignored with fixed blocks */
    } else if (strcmp(name, "--set") == 0) {
      /* argv strings are ours to split in place. */
      char *copy = (char *)value;
      if (!parse_setting(copy, &settings[options.setting_count])) {
        usage_error("--set wants SYMBOL=NUMBER", value);
        goto done;
      }
      options.setting_count++;
    } else if (strcmp(name, "--chaos") == 0) {
      if (!parse_chaos_schedule(value, &chaos, &options.chaos_count)) {
        usage_error("--chaos wants MODE@START-END[,...] with START < END in "
                    "seconds", value);
        goto done;
      }
    } else if (strcmp(name, "--timeline") == 0) {
      options.timeline_path = value;
    } else if (strcmp(name, "--json") == 0) {
      options.json_path = value;
    } else if (strcmp(name, "--state-in") == 0) {
      options.state_in = value;
    } else {
      options.state_out = value;
    }
  }

  if (positional_count != 2) {
    usage_error("process wants IN and OUT (see failsafe-host process --help)",
                NULL);
    goto done;
  }
  if (saw_block && options.random_blocks_max) {
    usage_error("--block and --random-blocks exclude each other", NULL);
    goto done;
  }
  if (!options.random_blocks_max && !options.block) options.block = 1024;
  options.input_path = positional[0];
  options.output_path = positional[1];
  options.settings = settings;
  options.chaos = chaos;

  char err[ERR_SIZE] = "";
  status = fs_process_run(&options, err, sizeof err);
  if (status != 0) fprintf(stderr, "failsafe-host: %s\n", err);

done:
  free(settings);
  free(chaos);
  return status;
}

/* ---- dispatch --------------------------------------------------------- */

static const fs_command commands[] = {
  {"process", "run a plugin over a sound file", run_process, process_usage},
  {"report", "analyse an incident journal: patterns and recommendations",
   fs_report_main, fs_report_usage},
  {"bench", "measure what the safety net costs over the full path",
   fs_bench_main, fs_bench_usage},
  {"faults", "the fault campaign: faults seen, time back to full, per block size",
   fs_faults_main, fs_faults_usage},
};
enum { COMMAND_COUNT = sizeof commands / sizeof *commands };

static void main_usage(FILE *out) {
  fputs("usage: failsafe-host COMMAND [options]\n"
        "       failsafe-host COMMAND --help\n"
        "\n"
        "An offline LV2 host: runs plugins from LV2_PATH like a DAW does,\n"
        "with the features a real host offers (urid, options, bounded block\n"
        "length, log, worker, state).\n"
        "\n"
        "commands:\n",
        out);
  for (int i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fputs("\n"
        "environment:\n"
        "  LV2_PATH          where plugins are searched; it replaces lilv's\n"
        "                    default list, so keep /usr/lib/lv2 in it\n"
        "  FAILSAFE_JOURNAL  where failsafe writes its incident journal (else\n"
        "                    $XDG_STATE_HOME/failsafe/, else\n"
        "                    ~/.local/state/failsafe/); read it with `report`\n"
        "\n"
        "examples:\n"
        "  failsafe-host process in.flac out.wav --set reduction=20\n"
        "  failsafe-host process in.flac out.wav --timeline run.svg \\\n"
        "      --chaos runaway@1-2,nan@3-3.5\n"
        "  failsafe-host report ~/.local/state/failsafe/journal.jsonl\n",
        out);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    main_usage(stderr);
    return EXIT_USAGE;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
      strcmp(argv[1], "help") == 0) {
    main_usage(stdout);
    return 0;
  }
  for (int i = 0; i < COMMAND_COUNT; i++) {
    if (strcmp(argv[1], commands[i].name) != 0) continue;
    /* Every subcommand answers --help the same way, built or not. */
    for (int a = 2; a < argc; a++) {
      if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
        commands[i].usage(stdout);
        return 0;
      }
    }
    return commands[i].run(argc - 1, argv + 1);
  }
  /* The usage, folded into the one error line scripts expect. */
  fprintf(stderr, "failsafe-host: unknown command '%s'; commands:", argv[1]);
  for (int i = 0; i < COMMAND_COUNT; i++)
    fprintf(stderr, " %s", commands[i].name);
  fprintf(stderr, " (failsafe-host --help)\n");
  return EXIT_USAGE;
}

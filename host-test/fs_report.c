#include "fs_report.h"

#include "fs_analysis.h"
#include "fs_cause.h"
#include "fs_journal_reader.h"
#include "fs_json_text.h"
#include "fs_learner.h"
#include "fs_strategy.h"
#include "fs_taxonomy.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
  EXIT_REFUSED = 2,
  LINE_MAX_BYTES = 64 * 1024, /* journal lines are < 8 KiB; longer is junk */
};

/* ---- reading the journal ------------------------------------------------- */

typedef struct {
  fs_analysis analysis;
  fs_learner *learner;
  uint64_t incident_lines, model_lines, malformed;
  uint64_t dropped_before; /* sessions already closed */
  uint64_t dropped_session;
} report;

/* One line into buf; *too_long when it did not fit (the rest is consumed).
   false at end of file with nothing read. */
static bool read_line(FILE *in, char *buf, size_t cap, size_t *len, bool *too_long) {
  int c;
  *len = 0;
  *too_long = false;
  bool any = false;
  while ((c = getc(in)) != EOF) {
    any = true;
    if (c == '\n') break;
    if (*len < cap) {
      buf[(*len)++] = (char)c;
    } else {
      *too_long = true;
    }
  }
  return any;
}

static void take_line(report *rep, const char *text, size_t len) {
  fs_journal_line line;
  switch (fs_journal_parse_line(text, len, &line)) {
  case FS_JOURNAL_LINE_MALFORMED: ++rep->malformed; break;
  case FS_JOURNAL_LINE_BLANK: break;
  case FS_JOURNAL_LINE_INCIDENT:
    ++rep->incident_lines;
    fs_analysis_add(&rep->analysis, &line.event);
    fs_learner_observe(rep->learner, &line.event);
    break;
  case FS_JOURNAL_LINE_MODEL:
    ++rep->model_lines;
    if (line.has_dropped) {
      if (line.dropped_events < rep->dropped_session) { /* a new session's counter */
        rep->dropped_before += rep->dropped_session;
      }
      rep->dropped_session = line.dropped_events;
    }
    break;
  }
}

/* ---- printing ---------------------------------------------------------- */

static void print_number_or_null(FILE *out, double value) {
  if (isfinite(value)) {
    fprintf(out, "%.6g", value);
  } else {
    fputs("null", out);
  }
}

static void print_json_string(FILE *out, const char *text) { fs_json_put_string(out, text); }

static const char *best_name(const report *rep, int cause) {
  int best = fs_learner_best_strategy(rep->learner, cause);
  return best >= 0 ? fs_strategy_name(best) : NULL;
}

static void print_json(const report *rep, const int *causes, int n,
                       const fs_recommendation *advice, size_t n_advice, FILE *out) {
  fputs("{\"patterns\":[", out);
  for (int i = 0; i < n; ++i) {
    const fs_cause_pattern *p = &rep->analysis.cause[causes[i]];
    const char *best = best_name(rep, causes[i]);
    fprintf(out, "%s{\"cause\":", i ? "," : "");
    print_json_string(out, fs_cause_name(causes[i]));
    fprintf(out, ",\"count\":%u,\"best_strategy\":", p->incidents);
    if (best) {
      print_json_string(out, best);
    } else {
      fputs("null", out);
    }
    fputs(",\"recovery_rate\":", out);
    print_number_or_null(out, fs_analysis_recovery_rate(p));
    fputs(",\"mean_to_safe_ms\":", out);
    print_number_or_null(out, fs_analysis_mean_to_safe_ms(p));
    fputs(",\"mean_to_full_ms\":", out);
    print_number_or_null(out, fs_analysis_mean_to_full_ms(p));
    fputc('}', out);
  }
  fputs("],\"recommendations\":[", out);
  for (size_t i = 0; i < n_advice; ++i) {
    fprintf(out, "%s{\"action\":", i ? "," : "");
    print_json_string(out, advice[i].action);
    fputs(",\"description\":", out);
    print_json_string(out, advice[i].description);
    fputc('}', out);
  }
  fprintf(out, "],\"dropped_events\":%llu}\n",
          (unsigned long long)(rep->dropped_before + rep->dropped_session));
}

static void print_ms(FILE *out, double ms) {
  if (isfinite(ms)) {
    fprintf(out, " %10.1f ms", ms);
  } else {
    fprintf(out, " %13s", "-");
  }
}

static double share(uint32_t part, uint32_t whole) {
  return whole ? 100.0 * part / whole : 0.0;
}

static void print_context(const fs_analysis *a, int cause, FILE *out) {
  const fs_cause_pattern *p = &a->cause[cause];
  fprintf(out, "    %s fault, %s severity", fs_fault_class_name(fs_taxonomy_class(cause)),
          fs_severity_name(fs_taxonomy_severity(cause)));
  if (p->escalations) fprintf(out, "; %u escalations", p->escalations);
  if (p->bursts) fprintf(out, "; %u bursts (longest %u)", p->bursts, p->longest_burst);
  fputc('\n', out);
  if (!p->incidents) return;
  double block_share;
  uint32_t block = fs_analysis_dominant_block(p, &block_share);
  if (block) fprintf(out, "    %.0f %% at block %u", 100.0 * block_share, block);
  fprintf(out, "%s%.0f %% at small blocks (all causes %.0f %%), %.0f %% at high load (%.0f %%), "
               "%.0f %% with hot input (%.0f %%)\n",
          block ? "; " : "    ", share(p->at_small_block, p->incidents),
          share(a->at_small_block, a->incidents), share(p->at_high_load, p->incidents),
          share(a->at_high_load, a->incidents), share(p->at_hot_input, p->incidents),
          share(a->at_hot_input, a->incidents));
}

static void print_text(const report *rep, const char *path, const int *causes, int n,
                       const fs_recommendation *advice, size_t n_advice, FILE *out) {
  fprintf(out, "failure patterns in %s (%llu records)\n", path,
          (unsigned long long)rep->incident_lines);
  if (n == 0) {
    fputs("  none\n", out);
  } else {
    fprintf(out, "  %-16s %6s  %-8s %9s %13s %13s\n", "cause", "count", "best", "recovered",
            "to safe", "back to full");
  }
  for (int i = 0; i < n; ++i) {
    const fs_cause_pattern *p = &rep->analysis.cause[causes[i]];
    const char *best = best_name(rep, causes[i]);
    double rate = fs_analysis_recovery_rate(p);
    fprintf(out, "  %-16s %6u  %-8s ", fs_cause_name(causes[i]), p->incidents,
            best ? best : "-");
    if (isfinite(rate)) {
      fprintf(out, "%7.1f %%", 100.0 * rate);
    } else {
      fprintf(out, "%9s", "-");
    }
    print_ms(out, fs_analysis_mean_to_safe_ms(p));
    print_ms(out, fs_analysis_mean_to_full_ms(p));
    fputc('\n', out);
    print_context(&rep->analysis, causes[i], out);
  }
  fputs("recommendations\n", out);
  if (n_advice == 0) fputs("  none\n", out);
  for (size_t i = 0; i < n_advice; ++i) {
    fprintf(out, "  - %s (%s)\n", advice[i].description, advice[i].action);
  }
  fprintf(out, "dropped events: %llu\n",
          (unsigned long long)(rep->dropped_before + rep->dropped_session));
  fprintf(out, "malformed lines skipped: %llu\n", (unsigned long long)rep->malformed);
}

/* ---- the command --------------------------------------------------------- */

void fs_report_usage(FILE *out) {
  fputs("usage: failsafe-host report JOURNAL [--json]\n"
        "\n"
        "Prints the failure patterns of an incident journal (count, best\n"
        "recovery, recovery rate, mean time to safe output and back to full,\n"
        "per cause) and prevention advice.  Malformed lines are skipped and\n"
        "counted.\n"
        "\n"
        "options:\n"
        "  --json   one JSON object instead of text\n"
        "  --help   this text\n"
        "\n"
        "exit status: 0 done, 2 refused (bad options, unreadable journal).\n",
        out);
}

static int refuse(FILE *err, const char *message, const char *argument, const char *reason) {
  fprintf(err, "failsafe-host: %s", message);
  if (argument) fprintf(err, " '%s'", argument);
  if (reason) fprintf(err, ": %s", reason);
  fputc('\n', err);
  return EXIT_REFUSED;
}

int fs_report_run(int argc, char **argv, FILE *out, FILE *err) {
  const char *path = NULL;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--json") == 0) {
      json = true;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fs_report_usage(out);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return refuse(err, "report: unknown option", argv[i], NULL);
    } else if (path) {
      return refuse(err, "report: more than one journal given:", argv[i], NULL);
    } else {
      path = argv[i];
    }
  }
  if (!path) {
    return refuse(err, "report: no journal given (usage: report JOURNAL [--json])", NULL, NULL);
  }

  FILE *in = fopen(path, "r");
  if (!in) return refuse(err, "cannot open journal", path, strerror(errno));
  report *rep = calloc(1, sizeof(*rep));
  char *buf = malloc(LINE_MAX_BYTES);
  if (rep) rep->learner = fs_learner_create(0);
  if (!rep || !buf || !rep->learner) {
    fclose(in);
    free(buf);
    if (rep) fs_learner_destroy(rep->learner);
    free(rep);
    return refuse(err, "report: out of memory", NULL, NULL);
  }
  fs_analysis_init(&rep->analysis);
  size_t len;
  bool too_long;
  while (read_line(in, buf, LINE_MAX_BYTES, &len, &too_long)) {
    if (too_long) {
      ++rep->malformed;
    } else {
      take_line(rep, buf, len);
    }
  }
  int read_error = ferror(in) ? errno : 0;
  fclose(in);
  free(buf);

  int status = 0;
  if (read_error) {
    status = refuse(err, "cannot read journal", path, strerror(read_error));
  } else {
    int causes[FS_CAUSE_COUNT];
    int n = fs_analysis_rank_causes(&rep->analysis, causes, FS_CAUSE_COUNT);
    fs_recommendation advice[FS_CAUSE_COUNT + 2];
    size_t n_advice = fs_learner_recommendations(rep->learner, advice,
                                                 sizeof(advice) / sizeof(advice[0]));
    if (json) {
      print_json(rep, causes, n, advice, n_advice, out);
      if (rep->malformed) {
        fprintf(err, "failsafe-host: report: skipped %llu malformed lines in '%s'\n",
                (unsigned long long)rep->malformed, path);
      }
    } else {
      print_text(rep, path, causes, n, advice, n_advice, out);
    }
  }
  fs_learner_destroy(rep->learner);
  free(rep);
  return status;
}

int fs_report_main(int argc, char **argv) { return fs_report_run(argc, argv, stdout, stderr); }

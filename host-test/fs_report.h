/* fs_report: `failsafe-host report JOURNAL [--json]`.
 *
 * Reads an incident journal (JSON Lines written by fs_journal, possibly
 * spanning several sessions) and prints the failure patterns per cause
 * (count, best recovery, recovery rate, mean time to safe output, mean
 * time back to full) and the prevention advice the learner draws from
 * them.  Lines that are not valid journal records are skipped and
 * counted; they never stop the report.
 *
 * --json prints exactly
 *   {"patterns":[{"cause":..,"count":..,"best_strategy":..,
 *     "recovery_rate":..,"mean_to_safe_ms":..,"mean_to_full_ms":..}],
 *    "recommendations":[{"action":..,"description":..}],
 *    "dropped_events":N}
 * with null where there is nothing to measure.  dropped_events adds up
 * the figures of the model lines, one session after another (a figure
 * lower than the one before starts a new session).
 *
 * Lines are read back with recovery/worker/fs_journal_reader.h.
 *
 * Exit status: 0 done, 2 refused (bad options, unreadable journal) after
 * one stderr line "failsafe-host: ...".
 *
 * Threading: a command-line tool; not for plugin threads. */
#ifndef FS_REPORT_H
#define FS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* argv[0] is "report". */
int fs_report_main(int argc, char **argv);

/* The report command's usage text. */
void fs_report_usage(FILE *out);

/* The same, printing to out and err instead of stdout and stderr. */
int fs_report_run(int argc, char **argv, FILE *out, FILE *err);

#endif

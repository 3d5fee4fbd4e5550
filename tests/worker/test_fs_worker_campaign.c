/* Ten minutes of trouble, one incident a second, through the whole worker
   path: the audio side pushes records into the ring on the sample clock,
   the worker drains it every ~100 ms, feeds the learner, writes the journal
   (rotating) and publishes a new table, which the audio side picks up for
   the next incident.  Nothing may be dropped or lost, and the journal must
   read back cleanly.  Simulated time only: no threads, no sleeping.
   And configuration incidents (controls out of range), as the supervisor
   records them, reach the journal through the worker and the report's
   advice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>

#include "fs_event_ring.h"
#include "fs_journal.h"
#include "fs_journal_reader.h"
#include "fs_learner.h"
#include "fs_report.h"
#include "fs_worker.h"
#include "worker_test.h"

#include <string.h>

enum {
  RATE = 48000,
  BLOCK = 256,
  DRAIN_EVERY = RATE / 10, /* the worker wakes every 100 ms */
  MINUTES = 10,
  RING_CAPACITY = 64,
  PENDING_MAX = 32
};

/* Records the audio side will push once the clock reaches `at`. */
typedef struct {
  uint64_t at[PENDING_MAX];
  fs_event event[PENDING_MAX];
  int count;
} pending;

static void schedule(pending *p, uint64_t at, const fs_event *e) {
  assert_true(p->count < PENDING_MAX);
  p->at[p->count] = at;
  p->event[p->count++] = *e;
}

/* Which strategy truly fixes each cause in this run (the learner does not
   know): only the fixing one works. */
static bool fixes(int cause, int strategy) {
  switch (cause) {
  case FS_CAUSE_DEADLINE: return strategy == FS_STRATEGY_BYPASS;
  case FS_CAUSE_MUSICAL_NOISE: return strategy == FS_STRATEGY_LIGHT;
  case FS_CAUSE_STATE_CORRUPT: return strategy == FS_STRATEGY_REBUILD;
  default: return strategy != FS_STRATEGY_NONE;
  }
}

static const uint16_t causes[] = {FS_CAUSE_DEADLINE, FS_CAUSE_MUSICAL_NOISE,
                                  FS_CAUSE_STATE_CORRUPT, FS_CAUSE_INPUT_CLIPPED,
                                  FS_CAUSE_SPECTRAL_FLUX};

/* One incident starting at `start`: onset, then per failed strategy an
   OUTCOME 0 and an escalating onset 50 ms apart, the OUTCOME 1, and the
   RECOVERED record 400 ms later. */
static void script_incident(pending *p, const fs_strategy_table *table, uint32_t id,
                            uint64_t start, uint64_t *rng) {
  uint16_t cause = causes[test_random64(rng) % (sizeof(causes) / sizeof(causes[0]))];
  const uint8_t *order = table->order[cause];
  uint64_t t = start;
  for (unsigned step = 0; step < FS_STRATEGY_STEPS; ++step) {
    fs_event onset = test_event(FS_EVENT_ONSET, id, cause, order[step]);
    onset.position = start;
    onset.block = BLOCK;
    onset.to_safe = RATE / 100;
    schedule(p, t, &onset);
    bool fixed = fixes(cause, order[step]);
    fs_event outcome = test_outcome(id, cause, order[step], fixed);
    outcome.position = start;
    t += RATE / 20;
    schedule(p, t, &outcome);
    if (fixed) break;
  }
  fs_event back = test_event(FS_EVENT_RECOVERED, id, cause, order[0]);
  back.position = start;
  back.to_safe = RATE / 100;
  back.to_full = (uint32_t)(t + RATE * 2 / 5 - start);
  schedule(p, t + RATE * 2 / 5, &back);
}

static void ten_minutes_drop_nothing(void **state) {
  (void)state;
  char dir[200], path[300];
  test_make_dir(dir, sizeof(dir), "campaign");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);

  fs_event_ring *ring = fs_event_ring_create(RING_CAPACITY);
  fs_learner *learner = fs_learner_create(7);
  /* Small files so the run rotates; enough of them to keep every line. */
  fs_journal *journal = fs_journal_open(path, 128 * 1024, 16);
  fs_strategy_table published, in_force;
  fs_learner_build_table(learner, &published);
  in_force = published;

  pending p = {.count = 0};
  uint64_t rng = 1;
  uint64_t pushed = 0, popped = 0, outcomes = 0, models = 0, drains = 0;
  uint32_t most_waiting = 0, incidents = 0;
  const uint64_t end = (uint64_t)MINUTES * 60u * RATE;
  uint64_t next_drain = DRAIN_EVERY;
  for (uint64_t clock = 0; clock < end + RATE; clock += BLOCK) {
    /* Audio side, one block: start an incident each second, push what is due. */
    if (clock % RATE < BLOCK && clock < end) {
      script_incident(&p, &in_force, ++incidents, clock, &rng);
    }
    for (int i = 0; i < p.count;) {
      if (p.at[i] < clock + BLOCK) {
        fs_event_ring_push(ring, &p.event[i]);
        ++pushed;
        p.at[i] = p.at[p.count - 1];
        p.event[i] = p.event[--p.count];
      } else {
        ++i;
      }
    }
    uint32_t waiting = fs_event_ring_size(ring);
    if (waiting > most_waiting) most_waiting = waiting;

    /* Worker side: drain, learn, journal, publish. */
    if (clock + BLOCK >= next_drain) {
      next_drain += DRAIN_EVERY;
      ++drains;
      fs_event e;
      bool learned = false;
      while (fs_event_ring_pop(ring, &e)) {
        ++popped;
        fs_learner_observe(learner, &e);
        assert_int_equal(fs_journal_write_event(journal, &e), 0);
        if (e.kind == FS_EVENT_OUTCOME) {
          ++outcomes;
          learned = true;
        }
      }
      if (learned) {
        fs_learner_build_table(learner, &published);
        in_force = published; /* the double buffer flipping at a hop, in effect */
      }
      if (drains % 600 == 0) { /* a model snapshot every minute */
        fs_journal_write_model(journal, learner, &published, fs_event_ring_dropped(ring));
        ++models;
      }
    }
  }
  uint64_t dropped = fs_event_ring_dropped(ring);
  print_message("# %u incidents, %llu records, %llu outcomes, %llu drains; dropped %llu; "
                "most waiting in the ring %u of %u; journal %llu lines, %llu rotations, "
                "%llu errors\n",
                incidents, (unsigned long long)pushed, (unsigned long long)outcomes,
                (unsigned long long)drains, (unsigned long long)dropped, most_waiting,
                fs_event_ring_capacity(ring), (unsigned long long)fs_journal_lines(journal),
                (unsigned long long)fs_journal_rotations(journal),
                (unsigned long long)fs_journal_errors(journal));
  assert_int_equal(incidents, MINUTES * 60);
  assert_true(pushed >= 1800);
  assert_int_equal(dropped, 0);
  assert_int_equal(popped, pushed);
  assert_int_equal(p.count, 0);
  assert_int_equal(fs_journal_errors(journal), 0);
  assert_int_equal(fs_journal_lines(journal), pushed + models);
  assert_true(fs_journal_rotations(journal) >= 1);
  for (size_t c = 0; c < sizeof(causes) / sizeof(causes[0]); ++c) {
    int best = fs_learner_best_strategy(learner, causes[c]);
    assert_true(fixes(causes[c], best));
  }

  /* Every line of every file reads back as a record. */
  uint64_t lines = 0, malformed = 0;
  for (unsigned generation = 0; generation <= 16; ++generation) {
    char name[320];
    if (generation == 0) snprintf(name, sizeof(name), "%s", path);
    else snprintf(name, sizeof(name), "%s/journal.%u.jsonl", dir, generation);
    FILE *f = fopen(name, "r");
    if (!f) continue;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) > 0) {
      fs_journal_line parsed;
      ++lines;
      malformed += fs_journal_parse_line(line, (size_t)len, &parsed) == FS_JOURNAL_LINE_MALFORMED;
    }
    free(line);
    fclose(f);
  }
  assert_int_equal(lines, pushed + models);
  assert_int_equal(malformed, 0);

  fs_journal_close(journal);
  fs_learner_destroy(learner);
  fs_event_ring_destroy(ring);
  test_remove_tree(dir);
}

/* Three controls sent out of range, one at a time: each the supervisor's
   configuration incident (onset with the control's bit, report only; the
   outcome and recovery 100 ms later), through the ring and the worker
   into the journal, where the report finds the pattern and advises
   reviewing the controls. */
static void configuration_incidents_reach_the_journal(void **state) {
  (void)state;
  char dir[200], path[300];
  test_make_dir(dir, sizeof(dir), "config");
  snprintf(path, sizeof(path), "%s/journal.jsonl", dir);
  fs_event_ring *ring = fs_event_ring_create(RING_CAPACITY);
  const fs_worker_config config = {.seed = 1, .journal = true, .journal_dir = dir};
  fs_worker *worker = fs_worker_create(ring, &config);
  assert_non_null(worker);
  for (uint32_t id = 1; id <= 3; ++id) {
    fs_event onset = test_event(FS_EVENT_ONSET, id, FS_CAUSE_CONFIGURATION, FS_STRATEGY_NONE);
    onset.position = id * (uint64_t)RATE;
    onset.detector = 18; /* FS_DETECTOR_CONTROLS */
    onset.value = (float)(1u << id);
    onset.threshold = onset.value;
    fs_event outcome = test_outcome(id, FS_CAUSE_CONFIGURATION, FS_STRATEGY_NONE, 1);
    outcome.position = onset.position;
    fs_event back = test_event(FS_EVENT_RECOVERED, id, FS_CAUSE_CONFIGURATION, FS_STRATEGY_NONE);
    back.position = onset.position;
    back.to_full = RATE / 10;
    assert_true(fs_event_ring_push(ring, &onset));
    assert_true(fs_event_ring_push(ring, &outcome));
    assert_true(fs_event_ring_push(ring, &back));
    fs_strategy_table table;
    fs_worker_drain(worker, &table);
  }
  fs_worker_stats stats;
  fs_worker_stats_get(worker, &stats);
  assert_int_equal(stats.records, 9);
  assert_int_equal(stats.journal_errors, 0);
  fs_worker_destroy(worker);
  fs_event_ring_destroy(ring);

  char *argv[] = {"report", path, NULL};
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  FILE *err = fopen("/dev/null", "w");
  assert_int_equal(fs_report_run(2, argv, out, err), 0);
  fclose(out);
  fclose(err);
  assert_non_null(strstr(text, "configuration"));
  assert_non_null(strstr(text, "extreme control values tripped the net 3 times"));
  free(text);
  test_remove_tree(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(ten_minutes_drop_nothing),
      cmocka_unit_test(configuration_incidents_reach_the_journal),
  };
  return cmocka_run_group_tests_name("fs_worker_campaign", tests, NULL, NULL);
}

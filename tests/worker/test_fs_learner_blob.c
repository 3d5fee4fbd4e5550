/* fs_learner state blob: a round trip restores the model exactly; random
   bytes, every single-bit flip, every truncation, trailing bytes, a future
   version and impossible contents all load defaults with an error code;
   counters loaded at their top saturate instead of wrapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <string.h>

#include "fs_learner.h"
#include "worker_test.h"

/* A learner with evidence everywhere the blob has room for. */
static fs_learner *trained(uint64_t seed) {
  fs_learner *l = fs_learner_create(seed);
  uint64_t rng = seed;
  for (uint32_t id = 1; id <= 3000; ++id) {
    uint16_t cause = (uint16_t)(1 + test_random64(&rng) % (FS_CAUSE_COUNT - 1));
    fs_event onset = test_event(FS_EVENT_ONSET, id, cause, 2);
    onset.value = (float)(0.1 + test_unit64(&rng));
    onset.dsp_load = (float)(150.0 * test_unit64(&rng));
    onset.block = 16u << (test_random64(&rng) % 5);
    onset.input_db = (float)(-20.0 * test_unit64(&rng));
    onset.chaos = (uint8_t)(test_random64(&rng) % 4 == 0);
    fs_learner_observe(l, &onset);
    uint8_t action = (uint8_t)(test_random64(&rng) % FS_STRATEGY_COUNT);
    fs_event outcome = test_outcome(id, cause, action, test_unit64(&rng) < 0.2 + 0.15 * action);
    fs_learner_observe(l, &outcome);
  }
  fs_strategy_table table;
  fs_learner_build_table(l, &table);
  return l;
}

static bool is_default(fs_learner *l) {
  for (int c = 0; c < FS_CAUSE_COUNT; ++c) {
    if (fs_learner_incidents(l, c)) return false;
    for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
      if (fs_learner_tries(l, c, s) || fs_learner_successes(l, c, s)) return false;
    }
  }
  fs_strategy_table got, builtin;
  fs_learner_build_table(l, &got);
  fs_strategy_table_default(&builtin);
  return memcmp(got.order, builtin.order, sizeof(got.order)) == 0 &&
         got.budget_scale == builtin.budget_scale &&
         got.musical_noise_threshold == builtin.musical_noise_threshold &&
         got.flux_threshold == builtin.flux_threshold && got.start_on_light_hops == 0 &&
         got.preemptive_trim_db == 0.0f && got.version == 1;
}

static void crc_matches_the_standard(void **state) {
  (void)state;
  assert_int_equal(fs_learner_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
  assert_int_equal(fs_learner_crc32(NULL, 0), 0);
}

static void round_trip_restores_the_ranking(void **state) {
  (void)state;
  fs_learner *a = trained(11);
  uint8_t blob[FS_LEARNER_BLOB_MAX], again[FS_LEARNER_BLOB_MAX];
  size_t size = fs_learner_serialize(a, NULL, 0);
  assert_true(size > 16 && size <= FS_LEARNER_BLOB_MAX);
  assert_int_equal(fs_learner_serialize(a, blob, size - 1), size); /* too small: not written */
  assert_int_equal(fs_learner_serialize(a, blob, sizeof(blob)), size);
  assert_memory_equal(blob, "FSLM", 4);
  print_message("# blob: %zu bytes\n", size);

  fs_learner *b = fs_learner_create(999); /* another session, another seed */
  assert_int_equal(fs_learner_deserialize(b, blob, size), FS_LEARNER_OK);
  for (int c = 0; c < FS_CAUSE_COUNT; ++c) {
    assert_int_equal(fs_learner_best_strategy(a, c), fs_learner_best_strategy(b, c));
    assert_int_equal(fs_learner_incidents(a, c), fs_learner_incidents(b, c));
    for (int s = 0; s < FS_STRATEGY_COUNT; ++s) {
      assert_int_equal(fs_learner_tries(a, c, s), fs_learner_tries(b, c, s));
      assert_int_equal(fs_learner_successes(a, c, s), fs_learner_successes(b, c, s));
    }
  }
  /* Same tables from here on, exploration schedule and versions included. */
  for (int i = 0; i < 100; ++i) {
    fs_event outcome = test_outcome(5000u + (uint32_t)i, FS_CAUSE_MUSICAL_NOISE,
                                    FS_STRATEGY_LIGHT, i % 3 != 0);
    fs_learner_observe(a, &outcome);
    fs_learner_observe(b, &outcome);
    fs_strategy_table ta, tb;
    fs_learner_build_table(a, &ta);
    fs_learner_build_table(b, &tb);
    assert_memory_equal(&ta, &tb, sizeof(ta));
  }
  assert_int_equal(fs_learner_serialize(b, again, sizeof(again)), size);
  assert_int_equal(fs_learner_serialize(a, blob, sizeof(blob)), size);
  assert_memory_equal(blob, again, size);
  fs_learner_destroy(a);
  fs_learner_destroy(b);
}

static void every_truncation_loads_defaults(void **state) {
  (void)state;
  fs_learner *a = trained(12);
  uint8_t blob[FS_LEARNER_BLOB_MAX];
  size_t size = fs_learner_serialize(a, blob, sizeof(blob));
  fs_learner *b = trained(13);
  for (size_t len = 0; len < size; ++len) {
    /* A heap copy of exactly len bytes: the sanitizers see any overread. */
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, blob, len);
    int result = fs_learner_deserialize(b, copy, len);
    free(copy);
    assert_true(result < 0);
    assert_int_equal(result, FS_LEARNER_ERR_TRUNCATED);
    assert_true(is_default(b));
  }
  print_message("# truncations: %zu lengths, all refused\n", size);
  fs_learner_destroy(a);
  fs_learner_destroy(b);
}

static void every_bit_flip_is_caught(void **state) {
  (void)state;
  fs_learner *a = trained(14);
  uint8_t blob[FS_LEARNER_BLOB_MAX];
  size_t size = fs_learner_serialize(a, blob, sizeof(blob));
  fs_learner *b = fs_learner_create(1);
  size_t flips = 0;
  for (size_t bit = 0; bit < size * 8u; ++bit) {
    blob[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    int result = fs_learner_deserialize(b, blob, size);
    blob[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    assert_true(result < 0);
    ++flips;
  }
  assert_true(is_default(b));
  assert_int_equal(fs_learner_deserialize(b, blob, size), FS_LEARNER_OK); /* unflipped: fine */
  print_message("# bit flips: %zu, all refused\n", flips);
  fs_learner_destroy(a);
  fs_learner_destroy(b);
}

static void random_bytes_never_crash(void **state) {
  (void)state;
  fs_learner *b = fs_learner_create(1);
  uint64_t rng = 2024;
  uint8_t junk[3000];
  unsigned refused = 0;
  const unsigned rounds = 20000;
  for (unsigned round = 0; round < rounds; ++round) {
    size_t len = (size_t)(test_random64(&rng) % sizeof(junk));
    for (size_t i = 0; i < len; ++i) junk[i] = (uint8_t)test_random64(&rng);
    if (round % 2) memcpy(junk, "FSLM", len < 4 ? len : 4); /* get past the magic */
    refused += fs_learner_deserialize(b, junk, len) < 0;
  }
  assert_int_equal(refused, rounds);
  assert_true(is_default(b));
  print_message("# random blobs: %u, all refused\n", rounds);
  fs_learner_destroy(b);
}

/* Re-stamps a modified blob with a valid checksum. */
static void reseal(uint8_t *blob, size_t size) {
  uint32_t crc = fs_learner_crc32(blob, size - 4);
  for (int i = 0; i < 4; ++i) blob[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
}

static void future_version_and_impossible_contents(void **state) {
  (void)state;
  fs_learner *a = trained(15);
  uint8_t blob[FS_LEARNER_BLOB_MAX + 8];
  size_t size = fs_learner_serialize(a, blob, FS_LEARNER_BLOB_MAX);
  fs_learner *b = trained(16);

  uint8_t future[FS_LEARNER_BLOB_MAX];
  memcpy(future, blob, size);
  future[4] = 2; /* format version 2, correctly sealed */
  reseal(future, size);
  assert_int_equal(fs_learner_deserialize(b, future, size), FS_LEARNER_ERR_VERSION);
  assert_true(is_default(b));

  /* Payload starts at 12: seed 8, version 4, dimensions 8, then tries and
     successes of (cause 0, strategy 0): successes > tries is impossible. */
  uint8_t impossible[FS_LEARNER_BLOB_MAX];
  memcpy(impossible, blob, size);
  memset(impossible + 12 + 20, 0, 4);
  impossible[12 + 24] = 7;
  reseal(impossible, size);
  assert_int_equal(fs_learner_deserialize(b, impossible, size), FS_LEARNER_ERR_CORRUPT);

  /* A dimension that does not match the length. */
  uint8_t dims[FS_LEARNER_BLOB_MAX];
  memcpy(dims, blob, size);
  dims[12 + 12] = 200;
  reseal(dims, size);
  assert_int_equal(fs_learner_deserialize(b, dims, size), FS_LEARNER_ERR_CORRUPT);

  uint8_t other[FS_LEARNER_BLOB_MAX];
  memcpy(other, blob, size);
  other[0] = 'X';
  assert_int_equal(fs_learner_deserialize(b, other, size), FS_LEARNER_ERR_MAGIC);

  blob[size] = 0; /* one stray byte after the checksum */
  assert_int_equal(fs_learner_deserialize(b, blob, size + 1), FS_LEARNER_ERR_CORRUPT);
  assert_int_equal(fs_learner_deserialize(b, NULL, size), FS_LEARNER_ERR_ARGUMENT);
  assert_int_equal(fs_learner_deserialize(NULL, blob, size), FS_LEARNER_ERR_ARGUMENT);
  assert_true(is_default(b));
  assert_int_equal(fs_learner_deserialize(b, blob, size), FS_LEARNER_OK);
  assert_false(is_default(b));
  assert_string_equal(fs_learner_error_name(FS_LEARNER_ERR_VERSION), "newer format version");
  fs_learner_destroy(a);
  fs_learner_destroy(b);
}

/* Garbage that passes the checksum (a sealed random payload of the right
   size): refused as corrupt, or accepted only if every value is one the
   learner could hold, and then it builds valid tables. */
static void sealed_garbage_is_checked(void **state) {
  (void)state;
  fs_learner *a = fs_learner_create(1);
  uint8_t blob[FS_LEARNER_BLOB_MAX];
  size_t size = fs_learner_serialize(a, blob, sizeof(blob));
  uint64_t rng = 77;
  unsigned refused = 0;
  const unsigned rounds = 5000;
  for (unsigned round = 0; round < rounds; ++round) {
    uint8_t junk[FS_LEARNER_BLOB_MAX];
    memcpy(junk, blob, size);
    /* Keep the header and the dimensions; scramble some of the rest. */
    unsigned bytes = 1u + (unsigned)(test_random64(&rng) % 64u);
    for (unsigned i = 0; i < bytes; ++i) {
      size_t at = 12 + 20 + (size_t)(test_random64(&rng) % (size - 12 - 20 - 4));
      junk[at] = (uint8_t)test_random64(&rng);
    }
    reseal(junk, size);
    int result = fs_learner_deserialize(a, junk, size);
    assert_true(result == FS_LEARNER_OK || result == FS_LEARNER_ERR_CORRUPT);
    refused += result != FS_LEARNER_OK;
    fs_strategy_table table;
    fs_learner_build_table(a, &table);
    for (int c = 0; c < FS_CAUSE_COUNT; ++c) {
      for (unsigned i = 0; i < FS_STRATEGY_STEPS; ++i) {
        assert_true(table.order[c][i] < FS_STRATEGY_COUNT);
      }
    }
    assert_true(table.budget_scale >= 0.5f && table.budget_scale <= 2.0f);
    assert_true(table.musical_noise_threshold >= FS_DEFAULT_MUSICAL_NOISE_THRESHOLD);
  }
  print_message("# sealed garbage: %u blobs, %u refused as corrupt\n", rounds, refused);
  fs_learner_destroy(a);
}

/* Offsets into a blob of this build (see fs_learner_blob.c): the payload
   starts at 12 with seed 8, version 4, dimensions 8, then tries and
   successes per (cause, strategy), then per cause outcomes, incidents,
   chaos incidents, reduction count (u32 each) and reduction sum (f64). */
static size_t per_cause_at(int cause, unsigned field) {
  return 12u + 20u + (size_t)FS_CAUSE_COUNT * FS_STRATEGY_COUNT * 8u + (size_t)cause * 24u + 4u * field;
}

static void put_u32(uint8_t *blob, size_t at, uint32_t value) {
  for (int i = 0; i < 4; ++i) blob[at + (size_t)i] = (uint8_t)(value >> (8 * i));
}

/* A model whose counters were loaded at UINT32_MAX: the next incident
   (injected or not) and the next outcome saturate instead of wrapping to
   0, so the blob saved after them loads again with the model intact
   (a wrapped incidents count would fall below chaos_incidents and the
   whole model would be thrown away as corrupt). */
static void counters_saturate_at_the_top(void **state) {
  (void)state;
  const int cause = FS_CAUSE_OUTPUT_CLIPPING;
  fs_learner *a = fs_learner_create(3);
  for (uint32_t id = 1; id <= 4; ++id) {
    fs_event onset = test_event(FS_EVENT_ONSET, id, (uint16_t)cause, FS_STRATEGY_ADJUST);
    onset.chaos = id % 2 ? 5 : 0; /* two injected: chaos_incidents 2 */
    fs_learner_observe(a, &onset);
    fs_learner_observe(a, &(fs_event){.kind = FS_EVENT_OUTCOME, .id = id, .cause = (uint16_t)cause,
                                      .action = FS_STRATEGY_ADJUST, .success = 1});
  }
  uint8_t blob[FS_LEARNER_BLOB_MAX];
  size_t size = fs_learner_serialize(a, blob, sizeof(blob));
  put_u32(blob, per_cause_at(cause, 0), UINT32_MAX); /* outcomes */
  put_u32(blob, per_cause_at(cause, 1), UINT32_MAX); /* incidents */
  put_u32(blob, per_cause_at(cause, 3), UINT32_MAX - 1); /* reduction count */
  reseal(blob, size);
  fs_learner *b = fs_learner_create(4);
  assert_int_equal(fs_learner_deserialize(b, blob, size), FS_LEARNER_OK);
  assert_int_equal(fs_learner_incidents(b, cause), UINT32_MAX);

  for (uint32_t id = 10; id <= 13; ++id) {
    fs_event onset = test_event(FS_EVENT_ONSET, id, (uint16_t)cause, FS_STRATEGY_ADJUST);
    onset.chaos = id == 10 ? 5 : 0;
    fs_learner_observe(b, &onset);
    fs_learner_observe(b, &(fs_event){.kind = FS_EVENT_OUTCOME, .id = id, .cause = (uint16_t)cause,
                                      .action = FS_STRATEGY_ADJUST, .success = 1});
  }
  assert_int_equal(fs_learner_incidents(b, cause), UINT32_MAX);
  fs_recommendation advice[FS_CAUSE_COUNT];
  assert_true(fs_learner_recommendations(b, advice, FS_CAUSE_COUNT) > 0);
  fs_strategy_table table;
  fs_learner_build_table(b, &table);
  assert_int_equal(table.order[cause][0], FS_STRATEGY_ADJUST);

  uint8_t again[FS_LEARNER_BLOB_MAX];
  size_t again_size = fs_learner_serialize(b, again, sizeof(again));
  fs_learner *c = fs_learner_create(5);
  assert_int_equal(fs_learner_deserialize(c, again, again_size), FS_LEARNER_OK);
  assert_int_equal(fs_learner_incidents(c, cause), UINT32_MAX);
  assert_int_equal(fs_learner_tries(c, cause, FS_STRATEGY_ADJUST), 8);
  fs_learner_destroy(a);
  fs_learner_destroy(b);
  fs_learner_destroy(c);
}

/* Contents a checksum cannot vouch for but this code could never write:
   refused, whatever their bytes. */
static void loader_refuses_what_no_run_could_write(void **state) {
  (void)state;
  fs_learner *a = fs_learner_create(6);
  fs_event onset = test_event(FS_EVENT_ONSET, 1, FS_CAUSE_DEADLINE, FS_STRATEGY_LIGHT);
  onset.block = 32;
  fs_learner_observe(a, &onset);
  uint8_t blob[FS_LEARNER_BLOB_MAX], bad[FS_LEARNER_BLOB_MAX];
  size_t size = fs_learner_serialize(a, blob, sizeof(blob));
  const size_t after_causes = per_cause_at(FS_CAUSE_COUNT, 0);
  fs_learner *b = fs_learner_create(7);

  /* Small-block overruns beyond the deadline incidents. */
  memcpy(bad, blob, size);
  put_u32(bad, after_causes, 2);
  reseal(bad, size);
  assert_int_equal(fs_learner_deserialize(b, bad, size), FS_LEARNER_ERR_CORRUPT);
  /* A smallest overrunning block that is not a small one. */
  memcpy(bad, blob, size);
  put_u32(bad, after_causes + 4, 4096);
  reseal(bad, size);
  assert_int_equal(fs_learner_deserialize(b, bad, size), FS_LEARNER_ERR_CORRUPT);
  /* More chaos incidents than incidents. */
  memcpy(bad, blob, size);
  put_u32(bad, per_cause_at(FS_CAUSE_DEADLINE, 2), 2);
  reseal(bad, size);
  assert_int_equal(fs_learner_deserialize(b, bad, size), FS_LEARNER_ERR_CORRUPT);
  /* A reduction sum without any reduction counted. */
  memcpy(bad, blob, size);
  put_u32(bad, per_cause_at(FS_CAUSE_INPUT_CLIPPED, 4) + 4, 0x40240000u); /* 10.0 */
  reseal(bad, size);
  assert_int_equal(fs_learner_deserialize(b, bad, size), FS_LEARNER_ERR_CORRUPT);
  /* Untouched, it loads. */
  assert_int_equal(fs_learner_deserialize(b, blob, size), FS_LEARNER_OK);
  assert_int_equal(fs_learner_incidents(b, FS_CAUSE_DEADLINE), 1);
  fs_learner_destroy(a);
  fs_learner_destroy(b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(crc_matches_the_standard),
      cmocka_unit_test(round_trip_restores_the_ranking),
      cmocka_unit_test(every_truncation_loads_defaults),
      cmocka_unit_test(every_bit_flip_is_caught),
      cmocka_unit_test(random_bytes_never_crash),
      cmocka_unit_test(future_version_and_impossible_contents),
      cmocka_unit_test(sealed_garbage_is_checked),
      cmocka_unit_test(counters_saturate_at_the_top),
      cmocka_unit_test(loader_refuses_what_no_run_could_write),
  };
  return cmocka_run_group_tests_name("fs_learner_blob", tests, NULL, NULL);
}

/*
  Integration: the built bundle, loaded through lilv from LV2_PATH, the way
  hosts load it.  No features are passed, like lv2apply does.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <lilv/lilv.h>
#include <lv2/core/lv2.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fs_cause.h"
#include "fs_controls.h"
#include "fs_ports.h"
#include "test_random.h"

#define MONO "urn:failsafe:enhancer"
#define STEREO "urn:failsafe:enhancer:stereo"
#define N_PORTS_MAX FS_PORT_COUNT_STEREO

static LilvWorld *world;
static const LilvPlugins *plugins;

static int setup(void **state) {
  (void)state;
  world = lilv_world_new();
  lilv_world_load_all(world);
  plugins = lilv_world_get_all_plugins(world);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  lilv_world_free(world);
  return 0;
}

static const LilvPlugin *find(const char *uri) {
  LilvNode *node = lilv_new_uri(world, uri);
  const LilvPlugin *p = lilv_plugins_get_by_uri(plugins, node);
  lilv_node_free(node);
  return p;
}

/* A plugin instance with every port connected to its own buffer. */
typedef struct {
  LilvInstance *instance;
  float controls[N_PORTS_MAX];
  uint32_t n_ports;
  uint32_t channels;
} rig;

static void rig_open(rig *r, const char *uri, double rate, float *const *audio_in, float *const *audio_out) {
  const LilvPlugin *p = find(uri);
  assert_non_null(p);
  r->n_ports = lilv_plugin_get_num_ports(p);
  r->channels = r->n_ports == FS_PORT_COUNT_STEREO ? 2 : 1;
  float defaults[N_PORTS_MAX];
  lilv_plugin_get_port_ranges_float(p, NULL, NULL, defaults);
  r->instance = lilv_plugin_instantiate(p, rate, NULL);
  assert_non_null(r->instance);
  for (uint32_t i = 0; i < 13; ++i) {
    r->controls[i] = isnan(defaults[i]) ? 0.0f : defaults[i];
    lilv_instance_connect_port(r->instance, i, &r->controls[i]);
  }
  for (uint32_t c = 0; c < r->channels; ++c) {
    lilv_instance_connect_port(r->instance, 13 + 2 * c, audio_in[c]);
    lilv_instance_connect_port(r->instance, 14 + 2 * c, audio_out[c]);
  }
  r->controls[fs_port_learned(r->channels)] = -1.0f; /* run() must write it */
  lilv_instance_connect_port(r->instance, fs_port_learned(r->channels), &r->controls[fs_port_learned(r->channels)]);
  const uint32_t use_learned = fs_port_use_learned(r->channels);
  r->controls[use_learned] = defaults[use_learned];
  lilv_instance_connect_port(r->instance, use_learned, &r->controls[use_learned]);
  lilv_instance_activate(r->instance);
}

static void rig_close(rig *r) {
  lilv_instance_deactivate(r->instance);
  lilv_instance_free(r->instance);
}

static void both_plugins_have_the_public_ports(void **state) {
  (void)state;
  const char *const uris[] = {MONO, STEREO};
  for (int k = 0; k < 2; ++k) {
    const LilvPlugin *p = find(uris[k]);
    assert_non_null(p);
    assert_int_equal(lilv_plugin_get_num_ports(p), k == 0 ? FS_PORT_COUNT_MONO : FS_PORT_COUNT_STEREO);
    float mins[N_PORTS_MAX], maxs[N_PORTS_MAX], defs[N_PORTS_MAX];
    lilv_plugin_get_port_ranges_float(p, mins, maxs, defs);
    /* plugin/fs_ports.h and the Turtle agree on every control port. */
    for (uint32_t i = 0; i < FS_PORT_IN_0; ++i) {
      LilvNode *sym = lilv_new_string(world, fs_port_symbol(i));
      const LilvPort *port = lilv_plugin_get_port_by_symbol(p, sym);
      lilv_node_free(sym);
      assert_non_null(port);
      assert_int_equal(lilv_port_get_index(p, port), i);
      if (i < FS_PORT_CONTROL_INPUTS) {
        /* The Turtle and the clamping code agree on every range. */
        const fs_control_range *range = fs_control_range_of((fs_control_id)i);
        assert_float_equal(mins[i], range->minimum, 0.0f);
        assert_float_equal(maxs[i], range->maximum, 0.0f);
        assert_float_equal(defs[i], range->fallback, 0.0f);
      }
    }
    /* The learned share, appended after the audio ports. */
    LilvNode *learned_sym = lilv_new_string(world, "learned");
    const LilvPort *learned = lilv_plugin_get_port_by_symbol(p, learned_sym);
    lilv_node_free(learned_sym);
    assert_non_null(learned);
    assert_int_equal(lilv_port_get_index(p, learned), fs_port_learned(k == 0 ? 1u : 2u));
    assert_int_equal(lilv_port_get_index(p, learned), k == 0 ? 15u : 17u);
    assert_float_equal(mins[fs_port_learned(k == 0 ? 1u : 2u)], 0.0f, 0.0f);
    assert_float_equal(maxs[fs_port_learned(k == 0 ? 1u : 2u)], 1.0f, 0.0f);
    /* The use_learned control after it, whose range the clamping code shares. */
    LilvNode *use_sym = lilv_new_string(world, "use_learned");
    const LilvPort *use = lilv_plugin_get_port_by_symbol(p, use_sym);
    lilv_node_free(use_sym);
    assert_non_null(use);
    const uint32_t use_index = fs_port_use_learned(k == 0 ? 1u : 2u);
    assert_int_equal(lilv_port_get_index(p, use), use_index);
    assert_int_equal(use_index, k == 0 ? 16u : 18u);
    const fs_control_range *use_range = fs_control_range_of(FS_CONTROL_LEARNED);
    assert_float_equal(mins[use_index], use_range->minimum, 0.0f);
    assert_float_equal(maxs[use_index], use_range->maximum, 0.0f);
    assert_float_equal(defs[use_index], use_range->fallback, 0.0f);
    LilvNode *latency = lilv_new_uri(world, LV2_CORE__latency);
    LilvNode *enabled = lilv_new_uri(world, LV2_CORE__enabled);
    LilvNode *freewheel = lilv_new_uri(world, LV2_CORE__freeWheeling);
    LilvNode *output = lilv_new_uri(world, LV2_CORE__OutputPort);
    LilvNode *control = lilv_new_uri(world, LV2_CORE__ControlPort);
    LilvNode *hard_rt = lilv_new_uri(world, LV2_CORE__hardRTCapable);
    const LilvPort *lat = lilv_plugin_get_port_by_designation(p, output, latency);
    assert_non_null(lat);
    assert_int_equal(lilv_port_get_index(p, lat), FS_PORT_LATENCY);
    assert_true(lilv_plugin_has_latency(p));
    assert_int_equal(lilv_plugin_get_latency_port_index(p), FS_PORT_LATENCY);
    LilvNode *input = lilv_new_uri(world, LV2_CORE__InputPort);
    assert_int_equal(lilv_port_get_index(p, lilv_plugin_get_port_by_designation(p, input, enabled)), FS_PORT_ENABLED);
    assert_int_equal(lilv_port_get_index(p, lilv_plugin_get_port_by_designation(p, input, freewheel)),
                     FS_PORT_FREEWHEEL);
    /* The chaos port's scale points are the modes of fs_controls.h. */
    const LilvPort *chaos = lilv_plugin_get_port_by_index(p, FS_PORT_CHAOS);
    LilvScalePoints *points = lilv_port_get_scale_points(p, chaos);
    assert_non_null(points);
    assert_int_equal(lilv_scale_points_size(points), FS_CHAOS_COUNT);
    uint32_t seen = 0;
    LILV_FOREACH (scale_points, i, points) {
      const float value = lilv_node_as_float(lilv_scale_point_get_value(lilv_scale_points_get(points, i)));
      assert_true(value >= 0.0f && value < (float)FS_CHAOS_COUNT && value == floorf(value));
      seen |= 1u << (uint32_t)value;
    }
    assert_int_equal(seen, (1u << FS_CHAOS_COUNT) - 1u);
    lilv_scale_points_free(points);
    /* The cause port's scale points are the causes of fs_cause.h, and its
       range ends at the last one. */
    const LilvPort *cause = lilv_plugin_get_port_by_index(p, FS_PORT_CAUSE);
    points = lilv_port_get_scale_points(p, cause);
    assert_non_null(points);
    assert_int_equal(lilv_scale_points_size(points), FS_CAUSE_COUNT);
    seen = 0;
    LILV_FOREACH (scale_points, i, points) {
      const float value = lilv_node_as_float(lilv_scale_point_get_value(lilv_scale_points_get(points, i)));
      assert_true(value >= 0.0f && value < (float)FS_CAUSE_COUNT && value == floorf(value));
      seen |= 1u << (uint32_t)value;
    }
    assert_int_equal(seen, (1u << FS_CAUSE_COUNT) - 1u);
    lilv_scale_points_free(points);
    assert_float_equal(maxs[FS_PORT_CAUSE], (float)(FS_CAUSE_COUNT - 1), 0.0f);
    /* Nothing is required: the plugin runs in hosts with no features. */
    LilvNodes *required = lilv_plugin_get_required_features(p);
    assert_int_equal(lilv_nodes_size(required), 0);
    lilv_nodes_free(required);
    LilvNodes *optional = lilv_plugin_get_optional_features(p);
    assert_true(lilv_nodes_contains(optional, hard_rt));
    lilv_nodes_free(optional);
    lilv_node_free(latency);
    lilv_node_free(enabled);
    lilv_node_free(freewheel);
    lilv_node_free(output);
    lilv_node_free(input);
    lilv_node_free(control);
    lilv_node_free(hard_rt);
  }
}

static void latency_is_reported_and_exact(void **state) {
  (void)state;
  const double rates[] = {44100.0, 48000.0, 96000.0};
  static float x[16384], y[16384];
  for (int k = 0; k < 3; ++k) {
    float *in[1] = {x}, *out[1] = {y};
    rig r;
    rig_open(&r, MONO, rates[k], in, out);
    r.controls[1] = 0.0f; /* reduction 0: the enhancer must be transparent */
    lilv_instance_run(r.instance, 0);
    const uint32_t latency = (uint32_t)r.controls[7];
    assert_true(latency > 0 && latency <= 512u * (uint32_t)(rates[k] / 44100.0));
    /* The learned share is shown: nothing heard before the first hop. */
    assert_float_equal(r.controls[fs_port_learned(1)], 0.0f, 0.0f);
    memset(x, 0, sizeof(x));
    x[3000] = 0.5f;
    lilv_instance_run(r.instance, 16384);
    uint32_t peak = 0;
    for (uint32_t i = 0; i < 16384; ++i) {
      if (fabsf(y[i]) > fabsf(y[peak])) {
        peak = i;
      }
    }
    assert_int_equal(peak, 3000 + latency);
    /* ...then 0 by default: the classical gains (use_learned off)... */
    assert_float_equal(r.controls[fs_port_learned(1)], 0.0f, 0.0f);
    /* ...and 1 with use_learned on, from the next hop. */
    r.controls[fs_port_use_learned(1)] = 1.0f;
    lilv_instance_run(r.instance, 4096);
    assert_float_equal(r.controls[fs_port_learned(1)], 1.0f, 0.0f);
    rig_close(&r);
  }
}

/* Runs the mono plugin over a test signal with the given block pattern. */
static void run_pattern(float *out_all, uint32_t len, uint32_t block, int random, int in_place) {
  static float x[96000], buf_in[8192], buf_out[8192];
  for (uint32_t i = 0; i < len; ++i) {
    x[i] = 0.3f * sinf((float)i * 0.031f) * (float)((i / 4800) % 2) + 0.02f * sinf((float)i * 1.7f);
  }
  float *in[1] = {buf_in}, *out[1] = {in_place ? buf_in : buf_out};
  rig r;
  rig_open(&r, MONO, 48000.0, in, out);
  r.controls[6] = 1.0f; /* freewheel, like an offline render: exact results */
  uint32_t done = 0, rng = 5;
  while (done < len) {
    uint32_t n = block;
    if (random) {
      n = 1 + (test_random(&rng) >> 8) % block;
    }
    if (n > len - done) {
      n = len - done;
    }
    memcpy(buf_in, x + done, n * sizeof(float));
    lilv_instance_run(r.instance, n);
    memcpy(out_all + done, out[0], n * sizeof(float));
    lilv_instance_run(r.instance, 0);
    done += n;
  }
  rig_close(&r);
}

static void any_block_pattern_gives_the_same_output(void **state) {
  (void)state;
  enum { LEN = 96000 };
  static float ref[LEN], got[LEN];
  run_pattern(ref, LEN, 1, 0, 0);
  const uint32_t blocks[] = {37, 256, 4096, 8192};
  for (int k = 0; k < 4; ++k) {
    run_pattern(got, LEN, blocks[k], 0, 0);
    assert_memory_equal(ref, got, sizeof(ref));
  }
  run_pattern(got, LEN, 8192, 1, 0);
  assert_memory_equal(ref, got, sizeof(ref));
  run_pattern(got, LEN, 1000, 1, 1);
  assert_memory_equal(ref, got, sizeof(ref));
}

static void hostile_controls_and_input_stay_safe(void **state) {
  (void)state;
  static float l[4096], r_[4096], ol[4096], or_[4096];
  float *in[2] = {l, r_}, *out[2] = {ol, or_};
  rig r;
  rig_open(&r, STEREO, 48000.0, in, out);
  const float hostile[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 0.0f};
  uint32_t rng = 17;
  for (int round = 0; round < 200; ++round) {
    for (uint32_t i = 0; i < 7; ++i) {
      r.controls[i] = hostile[(test_random(&rng) >> 10) % 6];
    }
    r.controls[fs_port_use_learned(2)] = hostile[(test_random(&rng) >> 10) % 6];
    for (uint32_t i = 0; i < 4096; ++i) {
      l[i] = ((int32_t)test_random(&rng)) * (200.0f / 2147483648.0f); /* up to +46 dBFS */
      r_[i] = (i % 97 == 0) ? NAN : l[i];
    }
    const uint32_t n = 1 + round * 20;
    lilv_instance_run(r.instance, n);
    for (uint32_t i = 0; i < n; ++i) {
      assert_true(isfinite(ol[i]) && isfinite(or_[i]));
      assert_true(fabsf(ol[i]) <= 1.0f && fabsf(or_[i]) <= 1.0f);
    }
    for (uint32_t i = 7; i < 13; ++i) {
      assert_true(isfinite(r.controls[i]));
    }
  }
  rig_close(&r);
}

static void unsupported_rate_is_refused_cleanly(void **state) {
  (void)state;
  const LilvPlugin *p = find(MONO);
  assert_null(lilv_plugin_instantiate(p, 8000.0, NULL));
  assert_null(lilv_plugin_instantiate(p, 400000.0, NULL));
  LilvInstance *ok = lilv_plugin_instantiate(p, 22050.0, NULL);
  assert_non_null(ok);
  lilv_instance_free(ok);
  ok = lilv_plugin_instantiate(p, 192000.0, NULL);
  assert_non_null(ok);
  lilv_instance_free(ok);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(both_plugins_have_the_public_ports),
      cmocka_unit_test(latency_is_reported_and_exact),
      cmocka_unit_test(any_block_pattern_gives_the_same_output),
      cmocka_unit_test(hostile_controls_and_input_stay_safe),
      cmocka_unit_test(unsupported_rate_is_refused_cleanly),
  };
  return cmocka_run_group_tests_name("lv2_plugin", tests, setup, teardown);
}

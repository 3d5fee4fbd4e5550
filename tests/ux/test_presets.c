/* The factory presets, loaded the way a host loads them: found through the
 * plugin's related resources, read with lilv_state_new_from_world and
 * applied with lilv_state_restore onto a running instance.  Each must set
 * exactly the values the table below promises, on both plugins, and leave
 * the host's bypass alone. */
#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/presets/presets.h>
#include <lv2/urid/urid.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum { PRESET_COUNT = 4, BLOCK = 256, MAX_URIDS = 256, MAX_PORTS = 32 };

typedef struct preset_values {
  const char *slug; /* the end of the preset's URI */
  const char *label;
  float reduction, ceiling, xfade, budget;
} preset_values;

/* What the presets promise (see ttl/presets.ttl for the reasons). */
static const preset_values expected[PRESET_COUNT] = {
  {"broadcast-voice", "Broadcast voice", 18, -1, 10, 50},
  {"podcast-gentle", "Podcast gentle", 9, -1, 30, 80},
  {"live-strong", "Live strong", 25, -2, 5, 30},
  {"safety-only", "Safety only", 0, -1, 10, 50},
};

typedef struct plugin_case {
  const char *uri;
  const char *preset_prefix;
} plugin_case;

static const plugin_case mono = {"urn:failsafe:enhancer",
                                 "urn:failsafe:preset:"};
static const plugin_case stereo = {"urn:failsafe:enhancer:stereo",
                                   "urn:failsafe:preset:stereo:"};

/* ---- a minimal urid map, as every host has ---------------------------- */

static char *urids[MAX_URIDS];
static uint32_t urid_count;

static LV2_URID map_uri(LV2_URID_Map_Handle handle, const char *uri) {
  (void)handle;
  for (uint32_t i = 0; i < urid_count; i++)
    if (strcmp(urids[i], uri) == 0) return i + 1;
  if (urid_count == MAX_URIDS) return 0;
  urids[urid_count] = strdup(uri);
  return ++urid_count;
}

static LV2_URID_Map urid_map = {NULL, map_uri};
static LV2_Feature map_feature = {LV2_URID__map, &urid_map};
static const LV2_Feature *features[] = {&map_feature, NULL};

/* ---- one instance with every port connected --------------------------- */

typedef struct fixture {
  LilvWorld *world;
  const LilvPlugin *plugin;
  LilvInstance *instance;
  float controls[MAX_PORTS];
  float audio[MAX_PORTS][BLOCK];
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  f->world = lilv_world_new();
  lilv_world_load_all(f->world);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  lilv_world_free(f->world);
  free(f);
  for (uint32_t i = 0; i < urid_count; i++) free(urids[i]);
  urid_count = 0;
  return 0;
}

static void open_plugin(fixture *f, const char *uri) {
  LilvNode *node = lilv_new_uri(f->world, uri);
  f->plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(f->world),
                                      node);
  lilv_node_free(node);
  assert_non_null(f->plugin);
  uint32_t ports = lilv_plugin_get_num_ports(f->plugin);
  assert_true(ports <= MAX_PORTS);
  f->instance = lilv_plugin_instantiate(f->plugin, 48000, features);
  assert_non_null(f->instance);
  LilvNode *audio_class = lilv_new_uri(f->world, LV2_CORE__AudioPort);
  for (uint32_t i = 0; i < ports; i++) {
    const LilvPort *port = lilv_plugin_get_port_by_index(f->plugin, i);
    /* NaN everywhere: a value the preset did not set stays visibly unset. */
    f->controls[i] = NAN;
    if (lilv_port_is_a(f->plugin, port, audio_class))
      lilv_instance_connect_port(f->instance, i, f->audio[i]);
    else
      lilv_instance_connect_port(f->instance, i, &f->controls[i]);
  }
  lilv_node_free(audio_class);
}

static void close_plugin(fixture *f) {
  lilv_instance_free(f->instance);
  f->instance = NULL;
}

/* lilv_state_restore hands each port value here, by symbol. */
typedef struct restore_target {
  fixture *f;
  LV2_URID float_type;
  int calls;
} restore_target;

static void set_port_value(const char *symbol, void *user_data,
                           const void *value, uint32_t size, uint32_t type) {
  restore_target *target = user_data;
  fixture *f = target->f;
  LilvNode *node = lilv_new_string(f->world, symbol);
  const LilvPort *port = lilv_plugin_get_port_by_symbol(f->plugin, node);
  lilv_node_free(node);
  assert_non_null(port);
  assert_int_equal(type, target->float_type);
  assert_int_equal(size, sizeof(float));
  f->controls[lilv_port_get_index(f->plugin, port)] = *(const float *)value;
  target->calls++;
}

/* The value cell of a control port, by symbol. */
static float *cell(fixture *f, const char *symbol) {
  LilvNode *node = lilv_new_string(f->world, symbol);
  const LilvPort *port = lilv_plugin_get_port_by_symbol(f->plugin, node);
  lilv_node_free(node);
  assert_non_null(port);
  return &f->controls[lilv_port_get_index(f->plugin, port)];
}

static float control(fixture *f, const char *symbol) {
  return *cell(f, symbol);
}

/* ---- the checks ------------------------------------------------------- */

/* The plugin's related presets are exactly the four of the table. */
static void check_preset_list(fixture *f, const plugin_case *c) {
  open_plugin(f, c->uri);
  LilvNode *preset_class = lilv_new_uri(f->world, LV2_PRESETS__Preset);
  LilvNodes *presets = lilv_plugin_get_related(f->plugin, preset_class);
  assert_non_null(presets);
  assert_int_equal(lilv_nodes_size(presets), PRESET_COUNT);
  for (int i = 0; i < PRESET_COUNT; i++) {
    char uri[128];
    snprintf(uri, sizeof uri, "%s%s", c->preset_prefix, expected[i].slug);
    LilvNode *node = lilv_new_uri(f->world, uri);
    assert_true(lilv_nodes_contains(presets, node));
    lilv_node_free(node);
  }
  lilv_nodes_free(presets);
  lilv_node_free(preset_class);
  close_plugin(f);
}

static void check_preset(fixture *f, const plugin_case *c,
                         const preset_values *want) {
  open_plugin(f, c->uri);
  char uri[128];
  snprintf(uri, sizeof uri, "%s%s", c->preset_prefix, want->slug);
  LilvNode *preset = lilv_new_uri(f->world, uri);
  assert_int_equal(lilv_world_load_resource(f->world, preset) >= 0, 1);

  /* A label and a comment that says why, as hosts show them. */
  LilvNode *label_pred = lilv_new_uri(f->world, LILV_NS_RDFS "label");
  LilvNode *comment_pred = lilv_new_uri(f->world, LILV_NS_RDFS "comment");
  LilvNode *label = lilv_world_get(f->world, preset, label_pred, NULL);
  LilvNode *comment = lilv_world_get(f->world, preset, comment_pred, NULL);
  assert_non_null(label);
  assert_string_equal(lilv_node_as_string(label), want->label);
  assert_non_null(comment);
  assert_true(strlen(lilv_node_as_string(comment)) > 40);

  LilvState *state = lilv_state_new_from_world(f->world, &urid_map, preset);
  assert_non_null(state);
  restore_target target = {f, map_uri(NULL, LV2_ATOM__Float), 0};
  lilv_state_restore(state, f->instance, set_port_value, &target, 0,
                     features);
  assert_int_equal(target.calls, 5);
  assert_float_equal(control(f, "reduction"), want->reduction, 1e-6);
  assert_float_equal(control(f, "ceiling"), want->ceiling, 1e-6);
  assert_float_equal(control(f, "xfade"), want->xfade, 1e-6);
  assert_float_equal(control(f, "budget"), want->budget, 1e-6);
  assert_float_equal(control(f, "chaos"), 0, 0);
  /* Bypass is the host's button, not the preset's. */
  assert_true(isnan(control(f, "enabled")));

  /* And the plugin runs on them: the outputs come back finite. */
  *cell(f, "enabled") = 1;
  *cell(f, "freewheel") = 0;
  lilv_instance_activate(f->instance);
  lilv_instance_run(f->instance, BLOCK);
  lilv_instance_deactivate(f->instance);
  assert_true(isfinite(control(f, "latency")));
  assert_true(isfinite(control(f, "health")));

  lilv_state_free(state);
  lilv_node_free(label);
  lilv_node_free(comment);
  lilv_node_free(label_pred);
  lilv_node_free(comment_pred);
  lilv_node_free(preset);
  close_plugin(f);
}

static void mono_presets_listed(void **state) {
  check_preset_list(*state, &mono);
}

static void stereo_presets_listed(void **state) {
  check_preset_list(*state, &stereo);
}

static void mono_presets_restore(void **state) {
  for (int i = 0; i < PRESET_COUNT; i++)
    check_preset(*state, &mono, &expected[i]);
}

static void stereo_presets_restore(void **state) {
  for (int i = 0; i < PRESET_COUNT; i++)
    check_preset(*state, &stereo, &expected[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(mono_presets_listed, setup, teardown),
    cmocka_unit_test_setup_teardown(stereo_presets_listed, setup, teardown),
    cmocka_unit_test_setup_teardown(mono_presets_restore, setup, teardown),
    cmocka_unit_test_setup_teardown(stereo_presets_restore, setup, teardown),
  };
  return cmocka_run_group_tests_name("presets", tests, NULL, NULL);
}

/*
  Integration: the inline display (the strip chart hosts draw in their
  mixer), through lilv on the built bundle, as such a host uses it: the
  plugin gets the queue_draw feature, asks for redraws from run(), and the
  host renders from its own thread into the plugin's buffer.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <lilv/lilv.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MONO "urn:failsafe:enhancer"
#define IDISP "http://harrisonconsoles.com/lv2/inlinedisplay#"

/* The extension's types, as hosts declare them. */
typedef struct {
  unsigned char *data;
  int width;
  int height;
  int stride;
} surface;

typedef struct {
  surface *(*render)(LV2_Handle instance, uint32_t w, uint32_t max_h);
} display_interface;

typedef struct {
  void *handle;
  void (*queue_draw)(void *handle);
} queue;

static uint32_t redraws;
static void queue_draw(void *handle) {
  (void)handle;
  redraws++;
}

/* Distinct colours in the picture. */
static uint32_t count_colour(const surface *s, uint32_t argb) {
  uint32_t n = 0;
  for (int y = 0; y < s->height; ++y) {
    const uint32_t *row = (const uint32_t *)(s->data + (size_t)y * (size_t)s->stride);
    for (int x = 0; x < s->width; ++x) {
      n += row[x] == argb;
    }
  }
  return n;
}

static void strip_chart_shows_tiers_and_incidents(void **state) {
  (void)state;
  LilvWorld *world = lilv_world_new();
  lilv_world_load_all(world);
  LilvNode *uri = lilv_new_uri(world, MONO);
  const LilvPlugin *plugin = lilv_plugins_get_by_uri(lilv_world_get_all_plugins(world), uri);
  assert_non_null(plugin);

  queue q = {NULL, queue_draw};
  LV2_Feature queue_feature = {IDISP "queue_draw", &q};
  const LV2_Feature *features[] = {&queue_feature, NULL};
  LilvInstance *instance = lilv_plugin_instantiate(plugin, 48000.0, features);
  assert_non_null(instance);
  const display_interface *display = lilv_instance_get_extension_data(instance, IDISP "interface");
  assert_non_null(display);

  float controls[13];
  lilv_plugin_get_port_ranges_float(plugin, NULL, NULL, controls);
  for (uint32_t i = 0; i < 13; ++i) {
    controls[i] = isnan(controls[i]) ? 0.0f : controls[i];
    lilv_instance_connect_port(instance, i, &controls[i]);
  }
  controls[6] = 1.0f; /* freewheel */
  static float in[512], out[512];
  lilv_instance_connect_port(instance, 13, in);
  lilv_instance_connect_port(instance, 14, out);
  lilv_instance_activate(instance);

  /* 6 s: clean, a second of runaway gain (the light tier takes over), clean. */
  for (uint32_t block = 0; block < 48000 * 6 / 512; ++block) {
    const uint32_t ms = block * 512 / 48;
    controls[5] = (ms >= 2000 && ms < 3000) ? 2.0f : 0.0f;
    for (uint32_t i = 0; i < 512; ++i) {
      in[i] = 0.3f * sinf((float)(block * 512 + i) * 0.05f) * (float)((ms / 300) % 2);
    }
    lilv_instance_run(instance, 512);
  }
  assert_true(redraws >= 20 && redraws <= 70); /* about ten a second, not every block */

  surface *s = display->render(lilv_instance_get_handle(instance), 200, 80);
  assert_non_null(s);
  assert_int_equal(s->width, 200);
  assert_true(s->height >= 16 && s->height <= 80);
  assert_true(s->stride >= 4 * s->width);
  assert_true(count_colour(s, 0xff2e8b57u) > 0); /* full tier */
  assert_true(count_colour(s, 0xffd9a21bu) > 0); /* light tier while the fault lasted */
  assert_true(count_colour(s, 0xffffffffu) > 0); /* an incident tick */

  /* Any size a host asks for is honoured within the buffer's bounds. */
  s = display->render(lilv_instance_get_handle(instance), 4000, 4000);
  assert_true(s->width <= 512 && s->height <= 128);
  s = display->render(lilv_instance_get_handle(instance), 1, 1);
  assert_true(s->width >= 1 && s->height >= 1);

  lilv_instance_deactivate(instance);
  lilv_instance_free(instance);

  /* Without the host feature nothing is drawn, and nothing breaks. */
  instance = lilv_plugin_instantiate(plugin, 48000.0, NULL);
  display = lilv_instance_get_extension_data(instance, IDISP "interface");
  assert_non_null(display);
  assert_null(display->render(lilv_instance_get_handle(instance), 200, 80));
  lilv_instance_free(instance);
  lilv_node_free(uri);
  lilv_world_free(world);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(strip_chart_shows_tiers_and_incidents),
  };
  return cmocka_run_group_tests_name("lv2_inline_display", tests, NULL, NULL);
}

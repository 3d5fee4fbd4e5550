/* fs_host_ports: see fs_host_ports.h. */
#include "fs_host_ports.h"

#include <lv2/atom/atom.h>
#include <lv2/resize-port/resize-port.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Atom ports without rsz:minimumSize get this much room. */
enum { FS_ATOM_DEFAULT_CAPACITY = 65536 };

static float node_float_or_nan(const LilvNode *node) {
  if (node && (lilv_node_is_float(node) || lilv_node_is_int(node)))
    return lilv_node_as_float(node);
  return NAN;
}

int fs_host_ports_build(fs_host_port_table *t, LilvWorld *world,
                        const LilvPlugin *plugin, char *err, size_t err_size) {
  LilvNode *input_class = lilv_new_uri(world, LV2_CORE__InputPort);
  LilvNode *output_class = lilv_new_uri(world, LV2_CORE__OutputPort);
  LilvNode *control_class = lilv_new_uri(world, LV2_CORE__ControlPort);
  LilvNode *audio_class = lilv_new_uri(world, LV2_CORE__AudioPort);
  LilvNode *cv_class = lilv_new_uri(world, LV2_CORE__CVPort);
  LilvNode *atom_class = lilv_new_uri(world, LV2_ATOM__AtomPort);
  LilvNode *optional = lilv_new_uri(world, LV2_CORE__connectionOptional);
  LilvNode *minimum_size = lilv_new_uri(world, LV2_RESIZE_PORT__minimumSize);
  LilvNode *latency = lilv_new_uri(world, LV2_CORE__latency);
  int status = 0;

  t->port_count = lilv_plugin_get_num_ports(plugin);
  t->port = calloc(t->port_count ? t->port_count : 1,
                       sizeof *t->port);
  t->audio_in = calloc(t->port_count + 1, sizeof *t->audio_in);
  t->audio_out = calloc(t->port_count + 1, sizeof *t->audio_out);
  if (!t->port || !t->audio_in || !t->audio_out) {
    snprintf(err, err_size, "out of memory");
    status = -1;
    goto done;
  }

  for (uint32_t i = 0; i < t->port_count; i++) {
    const LilvPort *lilv_port = lilv_plugin_get_port_by_index(plugin, i);
    fs_port *port = &t->port[i];
    port->index = i;
    port->symbol = lilv_node_as_string(lilv_port_get_symbol(plugin, lilv_port));
    port->is_input = lilv_port_is_a(plugin, lilv_port, input_class);
    bool is_output = lilv_port_is_a(plugin, lilv_port, output_class);
    port->connection_optional =
        lilv_port_has_property(plugin, lilv_port, optional);

    if (!port->is_input && !is_output) port->kind = FS_PORT_UNSUPPORTED;
    else if (lilv_port_is_a(plugin, lilv_port, control_class))
      port->kind = FS_PORT_CONTROL;
    else if (lilv_port_is_a(plugin, lilv_port, audio_class))
      port->kind = FS_PORT_AUDIO;
    else if (lilv_port_is_a(plugin, lilv_port, cv_class))
      port->kind = FS_PORT_CV;
    else if (lilv_port_is_a(plugin, lilv_port, atom_class))
      port->kind = FS_PORT_ATOM;
    else
      port->kind = FS_PORT_UNSUPPORTED;

    if (port->kind == FS_PORT_UNSUPPORTED && !port->connection_optional) {
      snprintf(err, err_size, "plugin %s: port '%s' is of a kind this host "
               "cannot connect", lilv_node_as_uri(lilv_plugin_get_uri(plugin)),
               port->symbol);
      status = -1;
      goto done;
    }

    LilvNode *def = NULL, *min = NULL, *max = NULL;
    lilv_port_get_range(plugin, lilv_port, &def, &min, &max);
    port->default_value = node_float_or_nan(def);
    port->minimum = node_float_or_nan(min);
    port->maximum = node_float_or_nan(max);
    lilv_node_free(def);
    lilv_node_free(min);
    lilv_node_free(max);
    /* A control without a default starts at its minimum, else at 0. */
    port->value = isfinite(port->default_value) ? port->default_value
                  : isfinite(port->minimum)     ? port->minimum
                                                : 0.0f;

    if (port->kind == FS_PORT_ATOM) {
      LilvNodes *sizes = lilv_port_get_value(plugin, lilv_port, minimum_size);
      int requested = 0;
      if (sizes && lilv_nodes_size(sizes) > 0)
        requested = lilv_node_as_int(lilv_nodes_get_first(sizes));
      lilv_nodes_free(sizes);
      port->atom_capacity = requested > (int)FS_ATOM_DEFAULT_CAPACITY
                                ? (uint32_t)requested
                                : FS_ATOM_DEFAULT_CAPACITY;
    }
    if (port->kind == FS_PORT_AUDIO) {
      if (port->is_input) t->audio_in[t->audio_in_count++] = i;
      else t->audio_out[t->audio_out_count++] = i;
    }
  }

  /* The latency output: by designation first, as the spec now prefers,
   * then the older lv2:reportsLatency property. */
  t->latency_index = -1;
  const LilvPort *latency_port =
      lilv_plugin_get_port_by_designation(plugin, output_class, latency);
  if (latency_port)
    t->latency_index = lilv_port_get_index(plugin, latency_port);
  else if (lilv_plugin_has_latency(plugin))
    t->latency_index = lilv_plugin_get_latency_port_index(plugin);
  if (t->latency_index >= 0 &&
      t->port[t->latency_index].kind != FS_PORT_CONTROL)
    t->latency_index = -1;

done:
  lilv_node_free(input_class);
  lilv_node_free(output_class);
  lilv_node_free(control_class);
  lilv_node_free(audio_class);
  lilv_node_free(cv_class);
  lilv_node_free(atom_class);
  lilv_node_free(optional);
  lilv_node_free(minimum_size);
  lilv_node_free(latency);
  return status;
}

int fs_host_ports_allocate(fs_host_port_table *t, uint32_t block,
                           bool in_place) {
  uint32_t audio_in_seen = 0, audio_out_seen = 0;
  for (uint32_t i = 0; i < t->port_count; i++) {
    fs_port *port = &t->port[i];
    if (port->kind == FS_PORT_AUDIO && !port->is_input &&
        in_place && audio_out_seen < t->audio_in_count) {
      /* Output k reuses input k's memory: the plugin reads and writes the
       * same buffer, as in a host that processes in place. */
      port->buffer = NULL; /* filled after the inputs exist, below */
    } else if (port->kind == FS_PORT_AUDIO || port->kind == FS_PORT_CV) {
      port->buffer = calloc(block, sizeof *port->buffer);
      if (!port->buffer) return -1;
      port->owns_buffer = true;
    } else if (port->kind == FS_PORT_ATOM) {
      port->atom = calloc(1, port->atom_capacity);
      if (!port->atom) return -1;
    }
    if (port->kind == FS_PORT_AUDIO) {
      if (port->is_input) audio_in_seen++;
      else audio_out_seen++;
    }
  }
  for (uint32_t c = 0; c < t->audio_out_count; c++) {
    fs_port *out = &t->port[t->audio_out[c]];
    if (!out->buffer) out->buffer = t->port[t->audio_in[c]].buffer;
  }
  return 0;
}

void fs_host_ports_connect(const fs_host_port_table *t,
                           LilvInstance *instance) {
  for (uint32_t i = 0; i < t->port_count; i++) {
    fs_port *port = &t->port[i];
    void *data = NULL;
    switch (port->kind) {
      case FS_PORT_CONTROL: data = &port->value; break;
      case FS_PORT_AUDIO:
      case FS_PORT_CV: data = port->buffer; break;
      case FS_PORT_ATOM: data = port->atom; break;
      case FS_PORT_UNSUPPORTED: data = NULL; break;
    }
    lilv_instance_connect_port(instance, i, data);
  }
}

/* Atom inputs carry an empty sequence; atom outputs offer their whole
 * capacity, as the atom extension asks before every run(). */
void fs_host_ports_prepare_atoms(fs_host_port_table *t, LV2_URID sequence_type,
                                 LV2_URID chunk_type) {
  for (uint32_t i = 0; i < t->port_count; i++) {
    fs_port *port = &t->port[i];
    if (port->kind != FS_PORT_ATOM) continue;
    LV2_Atom_Sequence *sequence = port->atom;
    if (port->is_input) {
      sequence->atom.size = sizeof(LV2_Atom_Sequence_Body);
      sequence->atom.type = sequence_type;
      sequence->body.unit = 0;
      sequence->body.pad = 0;
    } else {
      sequence->atom.size = port->atom_capacity - sizeof(LV2_Atom);
      sequence->atom.type = chunk_type;
    }
  }
}

void fs_host_ports_free(fs_host_port_table *t) {
  for (uint32_t i = 0; i < t->port_count; i++) {
    if (t->port[i].owns_buffer) free(t->port[i].buffer);
    free(t->port[i].atom);
  }
  free(t->port);
  free(t->audio_in);
  free(t->audio_out);
  memset(t, 0, sizeof *t);
}

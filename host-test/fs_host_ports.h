/* fs_host_ports: the port table of one hosted plugin.
 *
 * Ports are sorted by class (control, audio, CV, atom) and direction, with
 * the control values' cells and the buffers the host connects them to.
 * Built from lilv's description before instantiation, so a port the host
 * cannot connect is refused before the plugin is loaded.  Main thread,
 * except fs_host_ports_prepare_atoms (processing thread, real-time safe). */
#ifndef FS_HOST_PORTS_H
#define FS_HOST_PORTS_H

#include <lilv/lilv.h>
#include <lv2/urid/urid.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum fs_port_kind {
  FS_PORT_CONTROL,
  FS_PORT_AUDIO,
  FS_PORT_CV,
  FS_PORT_ATOM,
  FS_PORT_UNSUPPORTED, /* left unconnected; only allowed when optional */
} fs_port_kind;

typedef struct fs_port {
  const char *symbol; /* owned by lilv */
  uint32_t index;
  fs_port_kind kind;
  bool is_input;
  bool connection_optional;
  /* Control ports: the cell the plugin reads or writes. */
  float value;
  float minimum, maximum, default_value; /* NaN when the TTL has none */
  /* Audio/CV: block buffer; atom: a sequence buffer of atom_capacity. */
  float *buffer;
  bool owns_buffer;
  void *atom;
  uint32_t atom_capacity;
} fs_port;

typedef struct fs_host_port_table {
  fs_port *port;
  uint32_t port_count;
  uint32_t *audio_in; /* port indices, in port order */
  uint32_t audio_in_count;
  uint32_t *audio_out;
  uint32_t audio_out_count;
  int64_t latency_index; /* -1: none */
} fs_host_port_table;

/* Reads the ports and their ranges; a control without a default starts at
 * its minimum, else at 0.  Returns -1 with a reason in err. */
int fs_host_ports_build(fs_host_port_table *t, LilvWorld *world,
                        const LilvPlugin *plugin, char *err, size_t err_size);
/* Block buffers for audio and CV, sequences for atoms; in place, audio
 * output k shares input k's buffer.  -1 when out of memory. */
int fs_host_ports_allocate(fs_host_port_table *t, uint32_t block,
                           bool in_place);
void fs_host_ports_connect(const fs_host_port_table *t,
                           LilvInstance *instance);
/* Before every run(): atom inputs carry an empty sequence, atom outputs
 * offer their whole capacity. */
void fs_host_ports_prepare_atoms(fs_host_port_table *t, LV2_URID sequence_type,
                                 LV2_URID chunk_type);
void fs_host_ports_free(fs_host_port_table *t);

#endif

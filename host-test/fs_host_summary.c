/* fs_host_summary: see fs_host_summary.h. */
#include "fs_host_summary.h"

#include "fs_json.h"

#include <math.h>
#include <stdio.h>

static void write_controls_json(fs_json *json, fs_host *host) {
  fs_json_object_begin(json);
  for (uint32_t i = 0; i < fs_host_port_count(host); i++) {
    const fs_port *port = fs_host_port(host, i);
    if (port->kind != FS_PORT_CONTROL) continue;
    fs_json_key(json, port->symbol);
    fs_json_double(json, port->value);
  }
  fs_json_object_end(json);
}

static double peak_dbfs(const fs_output_checks *checks) {
  return checks->peak > 0 ? 20.0 * log10(checks->peak) : -INFINITY;
}

void fs_summary_write_json(fs_run *run, FILE *out) {
  const fs_process_options *opt = run->options;
  fs_run_summary timing = fs_stats_summarize(&run->stats);
  fs_json json;
  fs_json_init(&json, out);
  fs_json_object_begin(&json);
  fs_json_key(&json, "uri");
  fs_json_string(&json, fs_host_uri(run->host));
  fs_json_key(&json, "input");
  fs_json_string(&json, opt->input_path);
  fs_json_key(&json, "output");
  fs_json_string(&json, opt->output_path);
  fs_json_key(&json, "sample_rate");
  fs_json_uint(&json, (uint64_t)run->input.info.samplerate);
  fs_json_key(&json, "channels");
  fs_json_uint(&json, run->channels_in);
  fs_json_key(&json, "frames");
  fs_json_uint(&json, run->frames);
  fs_json_key(&json, "blocks");
  fs_json_uint(&json, run->blocks);
  fs_json_key(&json, "runs");
  fs_json_uint(&json, run->runs);
  if (opt->random_blocks_max) {
    fs_json_key(&json, "random_blocks_max");
    fs_json_uint(&json, opt->random_blocks_max);
    fs_json_key(&json, "seed");
    fs_json_uint(&json, opt->seed);
  } else {
    fs_json_key(&json, "block");
    fs_json_uint(&json, opt->block);
  }
  fs_json_key(&json, "in_place");
  fs_json_bool(&json, opt->in_place);
  fs_json_key(&json, "sync_worker");
  fs_json_bool(&json, opt->sync_worker);
  fs_json_key(&json, "latency");
  fs_json_uint(&json, run->latency);
  fs_json_key(&json, "latency_compensated");
  fs_json_bool(&json, !opt->raw);
  if (opt->timeline_path) {
    fs_json_key(&json, "timeline");
    fs_json_string(&json, opt->timeline_path);
  }
  if (opt->chaos_count) {
    /* In the command line's own notation, MODE@START-END,... */
    char schedule[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < opt->chaos_count && used < sizeof schedule; i++)
      used += (size_t)snprintf(schedule + used, sizeof schedule - used,
                               "%s%g@%g-%g", i ? "," : "", opt->chaos[i].mode,
                               opt->chaos[i].start_s, opt->chaos[i].end_s);
    fs_json_key(&json, "chaos_schedule");
    fs_json_string(&json, schedule);
  }

  fs_json_key(&json, "run_ns");
  fs_json_object_begin(&json);
  fs_json_key(&json, "mean");
  fs_json_double(&json, timing.ns_mean);
  fs_json_key(&json, "p50");
  fs_json_double(&json, timing.ns_p50);
  fs_json_key(&json, "p99");
  fs_json_double(&json, timing.ns_p99);
  fs_json_key(&json, "max");
  fs_json_double(&json, timing.ns_max);
  fs_json_object_end(&json);
  fs_json_key(&json, "run_load_pct");
  fs_json_object_begin(&json);
  fs_json_key(&json, "mean");
  fs_json_double(&json, timing.load_mean);
  fs_json_key(&json, "p99");
  fs_json_double(&json, timing.load_p99);
  fs_json_key(&json, "max");
  fs_json_double(&json, timing.load_max);
  fs_json_object_end(&json);

  fs_json_key(&json, "controls");
  write_controls_json(&json, run->host);
  fs_json_key(&json, "nonfinite_samples");
  fs_json_uint(&json, run->checks.nonfinite);
  fs_json_key(&json, "over_ceiling_samples");
  fs_json_uint(&json, run->checks.over_ceiling);
  fs_json_key(&json, "ceiling_dbfs");
  fs_json_double(&json, run->checks.ceiling_dbfs);
  fs_json_key(&json, "peak_dbfs"); /* null for digital silence */
  fs_json_double(&json, peak_dbfs(&run->checks));
  fs_json_key(&json, "worker");
  fs_json_object_begin(&json);
  fs_json_key(&json, "scheduled");
  fs_json_uint(&json, fs_host_worker_scheduled(run->host));
  fs_json_key(&json, "responses");
  fs_json_uint(&json, fs_host_worker_responses(run->host));
  fs_json_object_end(&json);
  fs_json_object_end(&json);
}

static void print_controls(fs_host *host, bool inputs) {
  printf("  %-9s", inputs ? "inputs" : "outputs");
  for (uint32_t i = 0; i < fs_host_port_count(host); i++) {
    const fs_port *port = fs_host_port(host, i);
    if (port->kind == FS_PORT_CONTROL && port->is_input == inputs)
      printf(" %s=%g", port->symbol, port->value);
  }
  printf("\n");
}

void fs_summary_print(fs_run *run) {
  const fs_process_options *opt = run->options;
  fs_run_summary timing = fs_stats_summarize(&run->stats);
  printf("%s\n", fs_host_uri(run->host));
  printf("  %s -> %s: %d Hz, %u channel%s, %llu frames (%s)\n",
         opt->input_path, opt->output_path, run->input.info.samplerate,
         run->channels_in, run->channels_in == 1 ? "" : "s",
         (unsigned long long)run->frames,
         fs_audio_describe_major(run->output.info.format));
  if (opt->random_blocks_max)
    printf("  %llu blocks of 1..%u frames (seed %llu)",
           (unsigned long long)run->blocks, opt->random_blocks_max,
           (unsigned long long)opt->seed);
  else
    printf("  %llu blocks of %u frames", (unsigned long long)run->blocks,
           opt->block);
  printf("%s%s; latency %llu frames, %s\n", opt->in_place ? ", in place" : "",
         opt->sync_worker ? ", synchronous worker" : "",
         (unsigned long long)run->latency,
         opt->raw ? "not compensated (raw)" : "compensated");
  printf("  run(): mean %.1f us, p50 %.1f us, p99 %.1f us, max %.1f us; "
         "load mean %.2f %%, p99 %.2f %%, max %.2f %%\n",
         timing.ns_mean / 1e3, timing.ns_p50 / 1e3, timing.ns_p99 / 1e3,
         timing.ns_max / 1e3, timing.load_mean, timing.load_p99,
         timing.load_max);
  printf("  output: peak %.2f dBFS, %llu non-finite, %llu over the %g dBFS "
         "ceiling\n", peak_dbfs(&run->checks),
         (unsigned long long)run->checks.nonfinite,
         (unsigned long long)run->checks.over_ceiling,
         run->checks.ceiling_dbfs);
  print_controls(run->host, true);
  print_controls(run->host, false);
  printf("  worker: %llu scheduled, %llu responses\n",
         (unsigned long long)fs_host_worker_scheduled(run->host),
         (unsigned long long)fs_host_worker_responses(run->host));
  if (opt->chaos_count) {
    printf("  chaos schedule:");
    for (size_t i = 0; i < opt->chaos_count; i++)
      printf(" %g@%g-%g", opt->chaos[i].mode, opt->chaos[i].start_s,
             opt->chaos[i].end_s);
    printf("\n");
  }
  if (opt->timeline_path)
    printf("  timeline: %s (%llu run() calls of at most %u frames)\n",
           opt->timeline_path, (unsigned long long)run->runs, run->run_limit);
}

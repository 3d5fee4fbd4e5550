#!/bin/sh
# soak.sh: failsafe-rt for ten minutes at 64 frames on a private dummy JACK
# server, a fault every 5 seconds of the plugin's time (chaos modes 1..6
# in turn, 1 s each), with a bypass baseline of the same length in the
# same stream: segments alternate baseline, plugin, plugin, baseline, so
# the machine's swings of load fall on both alike.  The CPUs are kept out
# of their idle state while it runs (failsafe-rt --keep-cpus-awake): on a
# virtual machine a halted vCPU wakes late, and the server's timer with
# it, which is an xrun whoever is running.
#
# Usage: soak.sh FAILSAFE_RT WORK_DIR [INPUT_FILE]
# Environment: SOAK_SECONDS (600), SOAK_FRAMES (64), SOAK_PLUGIN
# (urn:failsafe:enhancer), LV2_PATH.
#
# Reports xruns against the baseline (and how many followed a late
# callback, the only way a client causes one), late callbacks, VmRSS at
# the start and end of the stream, the incident records the audio thread
# could not queue for the worker (the journal's dropped_events, written to
# WORK_DIR/journal/), and the faults the plugin did not report (no rise of
# its `incidents` port between a fault and the next one).  Fails
# only on what must never happen in a long run: a harness failure, a
# non-finite or over-ceiling output sample, or resident memory growing
# while the plugin runs.
set -u
rt=$1
work=$2
input=${3:-$(dirname "$0")/demo/noisy_speech.flac}
seconds=${SOAK_SECONDS:-600}
frames=${SOAK_FRAMES:-64}
plugin=${SOAK_PLUGIN:-urn:failsafe:enhancer}
command -v python3 >/dev/null 2>&1 || { echo "soak.sh needs python3"; exit 77; }
mkdir -p "$work" || exit 1

# MODE@START-END every 5 s from 5 s on, leaving the last 2 s fault-free.
schedule=$(awk -v d="$seconds" 'BEGIN {
  sep = ""
  for (t = 5; t + 1 <= d - 2; t += 5) { printf "%s%d@%ds-%ds", sep, (t / 5 - 1) % 6 + 1, t, t + 1; sep = "," }
}')
echo "soak: $plugin, ${seconds} s plugin and ${seconds} s baseline interleaved at $frames frames, faults: ${schedule:-none}"
rm -rf "$work/journal"
mkdir -p "$work/journal"
FAILSAFE_JOURNAL=$work/journal/ "$rt" --start-jack --keep-cpus-awake --plugin "$plugin" --frames "$frames" --seconds "$seconds" --bypass-baseline \
  ${schedule:+--chaos "$schedule"} --input "$input" --json "$work/soak.json" >/dev/null 2>"$work/stderr"
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: failsafe-rt exited with $rc"; cat "$work/stderr"; exit 1
fi

python3 - "$work/soak.json" "$work/journal/journal.jsonl" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
dropped = None
try:
    for line in open(sys.argv[2]):
        record = json.loads(line)
        if record.get("type") == "model":
            dropped = record["dropped_events"]
except OSError:
    pass
b = d["baseline"]
ceiling = 10 ** (-1 / 20)
windows = d["chaos_windows"]
unreported = [w for w in windows if not w["incidents_delta"]]
by_mode = {}
for w in windows:
    m = by_mode.setdefault(w["mode"], [0, 0, 0, 0])
    m[0] += 1
    m[1] += 1 if w["incidents_delta"] else 0
    m[2] += w["late_blocks"]
    m[3] += w["xruns"]
growth = d["rss_end_kb"] - d["rss_start_kb"]
print(f"xruns: plugin {d['xruns']}, baseline {b['xruns']}; after a late plugin callback: "
      f"plugin {d['xruns_after_late_plugin']}, baseline {b['xruns_after_late_plugin']}; "
      f"plugin inside faults {d['xruns_in_chaos']}, outside {d['xruns'] - d['xruns_in_chaos']} "
      f"(late callbacks: plugin {d['late_blocks']}, {d['late_blocks_outside_chaos']} outside faults; baseline {b['late_blocks']})")
def kinds(r):
    k = r.get("server_xruns")
    return "not read" if k is None else ", ".join(f"{v} {n.replace('_', ' ')}" for n, v in k.items())
print(f"the server's log of xruns: plugin {kinds(d)}; baseline {kinds(b)}")
print(f"CPUs kept awake: {d.get('cpus_kept_awake')}")
print(f"callback ns p50/p99/max: plugin {d['callback_ns']['p50']}/{d['callback_ns']['p99']}/{d['callback_ns']['max']}, "
      f"baseline {b['callback_ns']['p50']}/{b['callback_ns']['p99']}/{b['callback_ns']['max']}; "
      f"run() {d['run_ns']['p50']}/{d['run_ns']['p99']}/{d['run_ns']['max']}; buffer {d['buffer_ns']}")
print(f"VmRSS kB: {d['rss_open_kb']} at the stream's start, {d['rss_start_kb']} once warm, {d['rss_end_kb']} at the end "
      f"({growth:+d} after warm-up), plugin and baseline")
print(f"incident records dropped (ring full): " + ("no journal written" if dropped is None else str(dropped)))
print(f"faults injected {len(windows)}, reported on the incidents port {len(windows) - len(unreported)}, "
      f"unreported {len(unreported)}; incidents total {d['incidents']}, tier changes {d['tier_change_count']}, final tier {d['final_tier']}")
for mode in sorted(by_mode):
    n, seen, late, xruns = by_mode[mode]
    print(f"  chaos {mode}: {n} faults, {seen} reported, {late} late callbacks and {xruns} xruns inside")
print(f"output: peak {d['max_abs_output']:.4f} (ceiling {ceiling:.4f}), non-finite samples {d['nonfinite_output']}")
fail = []
if d["nonfinite_output"]:
    fail.append("non-finite output")
if d["max_abs_output"] > ceiling * (1 + 1e-5):
    fail.append("output above the ceiling")
if growth > 1024:
    fail.append(f"resident memory grew by {growth} kB after warm-up")
if d["callbacks"] < 0.95 * d["seconds"] * d["rate"] / d["frames"]:
    fail.append("the stream delivered fewer than 95% of its callbacks")
print("FAIL: " + "; ".join(fail) if fail else "soak: ok")
sys.exit(1 if fail else 0)
PY

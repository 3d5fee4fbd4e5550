#!/bin/sh
# failsafe-rt on a private dummy JACK server, at 64 and 128 frames: the
# plugin runs live in a PortAudio callback, in one stream with a bypass
# baseline of the same length (segments alternate baseline, plugin,
# plugin, baseline, so the machine's swings of load fall on both alike),
# and then once more with a CPU-stall fault.  The CPUs are kept out of
# their idle state while it runs (--keep-cpus-awake): on a virtual
# machine a halted vCPU wakes late, and the dummy server's timer with it,
# which is an xrun whoever is running.
#
# Usage: failsafe_rt.sh FAILSAFE_RT INPUT_FILE [SECONDS [GUARD_SO]]
# With GUARD_SO (fs_rt_guard.so) the harness runs with it preloaded and
# every callback, plugin's and baseline's, must be free of real-time
# violations (allocation, locks, sleeps, file I/O).
#
# What passes:
# - both runs complete, the summary is valid JSON, nothing non-finite and
#   nothing above the default ceiling (-1 dBFS) reaches the device;
# - no more late callbacks (longer than the buffer lasts) than the
#   baseline suffered, give or take the noise of a count (3 sqrt(n + 1));
# - no more xruns than the baseline.  On a card-less machine, and more so
#   on a busy one, the dummy driver's own timer misses deadlines at random
#   (its log says "JackTimedDriver::Process XRun" and "client ... was not
#   finished, state = Triggered": the client was not even woken), whatever
#   the client does, in bursts that fall on either condition (the
#   summary's server_xruns sorts the server's log lines by kind, printed
#   here).  So
#   an excess is reported, not failed, when no xrun followed a late plugin
#   callback (finishing late is the only way a client causes an xrun), or
#   only late callbacks within the noise allowed for them above: on a
#   virtual machine a callback is sometimes late only because the whole
#   machine was stopped while it ran.
#   FS_RT_STRICT_XRUNS=1 fails any excess, for a quiet machine with a card;
# - during a CPU stall, at most one late callback before the plugin
#   leaves the full tier.
set -u
rt=$1
input=$2
seconds=${3:-5}
guard=${4:-}
for tool in jackd jack_wait python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed (packages jackd2, python3)"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# check_run JSON: the assertions above, one line each; exit status 1 on failure.
check_run() {
  python3 - "$1" "${FS_RT_STRICT_XRUNS:-0}" <<'PY'
import json, math, sys
d = json.load(open(sys.argv[1]))
strict = sys.argv[2] == "1"
b = d["baseline"]
ceiling = 10 ** (-1 / 20)
fail = False
def say(ok, text):
    global fail
    print(("ok   " if ok else "FAIL ") + text)
    fail = fail or not ok
frames = d["frames"]
expected = int(d["seconds"] * d["rate"] / frames)
say(d["callbacks"] >= 0.95 * expected and b["callbacks"] >= 0.95 * expected,
    f"{frames} frames: {d['callbacks']} plugin and {b['callbacks']} baseline callbacks of {expected}")
say(d["nonfinite_output"] == 0, f"{frames} frames: {d['nonfinite_output']} non-finite output samples")
if d["rt_violations"] is not None:
    say(d["rt_violations"] == 0 and b["rt_violations"] == 0,
        f"{frames} frames: {d['rt_violations']} real-time violations in the callback (baseline {b['rt_violations']})")
say(d["max_abs_output"] <= ceiling * (1 + 1e-5), f"{frames} frames: peak {d['max_abs_output']:.4f} <= ceiling {ceiling:.4f}")
noise = math.ceil(3 * math.sqrt(b["late_blocks"] + 1))
say(d["late_blocks"] <= b["late_blocks"] + noise,
    f"{frames} frames: {d['late_blocks']} late callbacks (baseline {b['late_blocks']}); "
    f"callback p50/p99/max {d['callback_ns']['p50']}/{d['callback_ns']['p99']}/{d['callback_ns']['max']} ns, "
    f"run() {d['run_ns']['p50']}/{d['run_ns']['p99']}/{d['run_ns']['max']} ns, buffer {d['buffer_ns']} ns")
x, bx = d["xruns"], b["xruns"]
def kinds(r):
    k = r.get("server_xruns")
    return "not read" if k is None else ", ".join(f"{v} {n.replace('_', ' ')}" for n, v in k.items())
print(f"     {frames} frames: the server's log: plugin {kinds(d)}; baseline {kinds(b)}")
if x <= bx:
    say(True, f"{frames} frames: {x} xruns, baseline {bx}")
elif strict:
    say(False, f"{frames} frames: {x} xruns, baseline {bx} (strict)")
else:
    # A client can only cause an xrun by finishing late; an xrun that
    # follows no late plugin callback is the server's own timer.  Late
    # callbacks within the noise allowed above (a virtual machine stopped
    # while the callback ran) are the machine's, and so are the xruns
    # that follow them.
    caused = d["xruns_after_late_plugin"]
    say(caused <= b["xruns_after_late_plugin"] + noise, f"{frames} frames: {x} xruns, baseline {bx}: more than the baseline, "
        + ("but none followed a late plugin callback, so none is the plugin's doing" if caused == 0
           else f"and {caused} followed a late plugin callback (allowed as machine noise: {noise})"))
sys.exit(1 if fail else 0)
PY
}

# check_stall JSON: the fault window's late callbacks before the fallback.
check_stall() {
  python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w = d["chaos_windows"][0]
fb = w["fallback_after_s"]
ok = w["late_before_fallback"] <= 1 and d["nonfinite_output"] == 0 and not d["rt_violations"]
print(("ok   " if ok else "FAIL ") +
      f"{d['frames']} frames, CPU stall {w['start_s']}-{w['end_s']} s: {w['late_blocks']} late callbacks in the window, "
      f"{w['late_before_fallback']} before the tier changed "
      + (f"(after {fb * 1000:.1f} ms)" if fb is not None else "(the tier never changed)")
      + f", incidents +{w['incidents_delta']}, {d['xruns']} xruns, real-time violations {d['rt_violations']}")
sys.exit(0 if ok else 1)
PY
}

# run_rt ARGS...: the harness on its own dummy server, the guard preloaded
# when given; output and errors kept in $work.
run_rt() {
  if [ -n "$guard" ]; then
    LD_PRELOAD=$guard "$rt" --start-jack --keep-cpus-awake --input "$input" "$@" >"$work/out" 2>"$work/err"
  else
    "$rt" --start-jack --keep-cpus-awake --input "$input" "$@" >"$work/out" 2>"$work/err"
  fi
}

for frames in 64 128; do
  json=$work/rt$frames.json
  run_rt --frames "$frames" --seconds "$seconds" --bypass-baseline --json "$json"
  rc=$?
  if [ $rc -eq 0 ]; then
    check_run "$json" || status=1
  else
    echo "FAIL: failsafe-rt --frames $frames exited with $rc"; cat "$work/err"; status=1
  fi
  json=$work/stall$frames.json
  run_rt --frames "$frames" --seconds 3 --chaos 4@1s-2s --json "$json"
  rc=$?
  if [ $rc -eq 0 ]; then
    check_stall "$json" || status=1
  else
    echo "FAIL: failsafe-rt --frames $frames --chaos 4@1s-2s exited with $rc"; cat "$work/err"; status=1
  fi
done
exit $status

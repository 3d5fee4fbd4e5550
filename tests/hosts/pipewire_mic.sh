# The shipped PipeWire virtual microphone (host-test/pipewire/failsafe-mic.conf)
# in a private PipeWire daemon, with no sound card and no session manager:
# its own XDG_RUNTIME_DIR and configuration, a dummy driver, the shipped
# file installed in the daemon's pipewire.conf.d/ as the README says.
#
# A file is played into the filter with pw-cat and its output recorded with
# pw-record, through two copies of the shipped filter at once:
#   A  freewheel switched on with pw-cli, which turns the deadline watchdog
#      off as failsafe-host does (live, a daemon without real-time priority
#      on a busy machine can be preempted past the 50 % budget, and the net
#      then rightly plays the light tier for a while, which no offline render
#      reproduces): the recording must equal failsafe-host process on the
#      same input, sample for sample, once PipeWire's leading zeros are
#      aligned; it must be finite, under the ceiling, not silent, and
#      quieter than the input from the noise's first second on;
#   B  the file as shipped (live): chaos mode 2 (runaway gain) is switched on
#      and off with pw-cli while it plays; the output must stay finite, under
#      the ceiling and not silent, and the incident journal, written by the
#      plugin's worker inside PipeWire, must record the runaway gain.
# Skips (1..0 # SKIP) only where PipeWire is missing or cannot start.
#
# usage: pipewire_mic.sh HOST GEN WORKDIR CHECK CONF
. "$(dirname "$0")/common.sh"
CHECK=$4
CONF=$5

skip() {
  echo "1..0 # SKIP $*"
  exit 0
}

for tool in pipewire pw-cat pw-record pw-cli pw-link timeout; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool not installed (Debian packages pipewire pipewire-bin)"
done

RATE=48000
QUANTUM=1024
CEILING_DB=-0.999 # -1 dBFS, printed to three decimals
BROADCAST="reduction=18 ceiling=-1 xfade=10 budget=50 chaos=0"

# ---- processes: every one is ours, by pid, and goes on any exit ---------
pids=""
cleanup() {
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  for pid in $pids; do wait "$pid" 2>/dev/null; done
  pids=""
}
runtime=""
trap 'cleanup; [ -z "$runtime" ] || rm -rf "$runtime"' EXIT
trap 'exit 1' INT TERM HUP

# pw CMD ARGS...: a PipeWire client call that can never hang the test.
pw() { timeout 5 "$@"; }

# wait_until SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_until() {
  limit=$(($1 * 10))
  shift
  tries=0
  until "$@" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ $tries -ge $limit ] && return 1
    sleep 0.1
  done
}

has_port() { pw pw-link "$1" | grep -qx "$2"; }

show_log_if_failed() {
  [ $tap_failed -gt 0 ] || return 0
  echo "# the daemon's log:"
  tail -n 40 "$WORK/pipewire.log" | sed 's/^/#   /'
}

# ---- the private daemon's configuration ---------------------------------
# The socket's path must fit a sockaddr_un (108 bytes), wherever the build
# tree is: the runtime folder is a short one of its own.
runtime=$(mktemp -d "${TMPDIR:-/tmp}/fs-pw.XXXXXX") || exit 1
export XDG_RUNTIME_DIR="$runtime"
unset PIPEWIRE_REMOTE PIPEWIRE_RUNTIME_DIR PIPEWIRE_CONFIG_DIR
config="$WORK/config"
mkdir -p "$config/pipewire.conf.d" "$WORK/xdg-config" || exit 1
cat >"$config/pipewire.conf" <<EOF
# The smallest daemon that hosts filter-chain without a session manager.
context.properties = {
    core.daemon = true
    core.name   = pipewire-0
    support.dbus = false
    default.clock.rate        = $RATE
    default.clock.quantum     = $QUANTUM
    default.clock.min-quantum = $QUANTUM
    default.clock.max-quantum = $QUANTUM
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-access }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
]
context.objects = [
    { factory = spa-node-factory
        args = {
            factory.name    = support.node.driver
            node.name       = Dummy-Driver
            node.group      = pipewire.dummy
            priority.driver = 20000
        }
    }
]
EOF

# start_daemon LOG: the daemon on $config, its pid in $daemon; fails when
# it is not answering within 10 s.
# In a sanitizer build the plugin needs the sanitizer runtimes loaded
# first (FS_DAEMON_PRELOAD, from meson); PipeWire's own allocations are not
# the plugin's, so leak checking is off in the daemon (the lilv tests check
# the plugin's leaks).
start_daemon() {
  if [ -n "${FS_DAEMON_PRELOAD:-}" ]; then
    set -- "$1" env LD_PRELOAD="$FS_DAEMON_PRELOAD" \
      ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
  else
    set -- "$1" env
  fi
  log=$1
  shift
  XDG_CONFIG_HOME="$WORK/xdg-config" PIPEWIRE_CONFIG_DIR="$config" \
    FAILSAFE_JOURNAL="$WORK/journal/" "$@" pipewire >"$log" 2>&1 &
  daemon=$!
  pids="$pids $daemon"
  wait_until 10 daemon_answers && kill -0 "$daemon" 2>/dev/null
}
daemon_answers() {
  kill -0 "$daemon" 2>/dev/null || return 0 # gone: stop waiting
  pw pw-cli info 0
}

# First the bare daemon: if that cannot start, PipeWire cannot run here.
if ! start_daemon "$WORK/probe.log"; then
  sed 's/^/# /' "$WORK/probe.log" | head -n 20
  skip "PipeWire cannot start here (see the daemon's log above)"
fi
cleanup
rm -rf "$runtime" && mkdir -m 700 "$runtime" || exit 1

# Installed as the README says; B is the file as shipped, A a copy whose
# nodes are renamed.
cp "$CONF" "$config/pipewire.conf.d/failsafe-mic.conf" || exit 1
sed -e 's/capture\.failsafe_mic/capture.failsafe_a/g' -e 's/"failsafe_mic"/"failsafe_a"/g' \
  "$CONF" >"$config/pipewire.conf.d/failsafe-a.conf" || exit 1
check "the daemon starts with the shipped filter-chain" start_daemon "$WORK/pipewire.log"
if [ -n "${FS_DAEMON_PRELOAD:-}" ]; then
  echo "# sanitizer build: the daemon runs with $FS_DAEMON_PRELOAD preloaded"
  check "the daemon has the sanitizer runtimes mapped" \
    sh -c "grep -q -e libasan -e libubsan -e libtsan /proc/$daemon/maps"
fi
check "the shipped file makes the failsafe microphone, an Audio/Source" \
  sh -c "timeout 5 pw-cli info failsafe_mic | grep -q 'media.class = \"Audio/Source\"'"

# props NODE: the node's "fs:symbol value" lines (the filter's controls).
props() {
  pw pw-cli enum-params "$1" Props | awk '/String "fs:/ { gsub(/"/, "", $2); name = $2; next }
    name != "" { print name, $2; name = "" }'
}
props capture.failsafe_mic >"$WORK/props_b"
sed 's/^/# /' "$WORK/props_b"
broadcast_ok=1
for pair in $BROADCAST; do
  sym=${pair%%=*}
  want=${pair#*=}
  awk -v s="fs:$sym" -v w="$want" '$1 == s { found = 1; bad = ($2 + 0 != w + 0) }
    END { exit !(found && !bad) }' "$WORK/props_b" || broadcast_ok=0
done
check "its controls are the Broadcast voice preset's ($BROADCAST)" test $broadcast_ok = 1

# A: freewheel on, through the filter's controls.
pw pw-cli set-param capture.failsafe_a Props '{ params = [ "fs:freewheel" 1 ] }' >/dev/null
check "pw-cli switches freewheel on in copy A" \
  sh -c "timeout 5 pw-cli enum-params capture.failsafe_a Props | grep -A1 '\"fs:freewheel\"' | grep -q 'Float 1.0'"

# Without a session manager the streams get their ports from us.
format="format = { mediaType = audio mediaSubtype = raw format = F32P rate = $RATE channels = 1 position = [ MONO ] }"
for node in capture.failsafe_a capture.failsafe_mic; do
  pw pw-cli set-param "$node" PortConfig "{ direction = Input mode = dsp $format }" >/dev/null
done
for node in failsafe_a failsafe_mic; do
  pw pw-cli set-param "$node" PortConfig "{ direction = Output mode = dsp $format }" >/dev/null
done
wait_until 5 has_port -i capture.failsafe_a:input_MONO &&
  wait_until 5 has_port -i capture.failsafe_mic:input_MONO &&
  wait_until 5 has_port -o failsafe_a:capture_MONO &&
  wait_until 5 has_port -o failsafe_mic:capture_MONO
ports=$?
if [ $ports -ne 0 ]; then
  echo "# ports:"
  { pw pw-link -i; pw pw-link -o; } | sed 's/^/#   /'
fi
check "the filters' ports are there" test $ports = 0
[ $ports = 0 ] || { show_log_if_failed; finish; exit 1; } # nothing to play into

# ---- material: 1 s of silence, 3 s of noise, 4 s of speech in noise -----
"$GEN" noise "$WORK/noise.wav" --seconds 4 --lead 1 --rate $RATE || exit 1
"$GEN" speech "$WORK/speech.wav" --seconds 4 --rate $RATE --seed 7 || exit 1
"$CHECK" concat "$WORK/in.wav" "$WORK/noise.wav" "$WORK/speech.wav" || exit 1

# ---- play and record through both -----------------------------------
auto='adapter.auto-port-config = { mode = dsp position = preserve }'
for x in a b; do
  timeout 30 pw-record --target 0 --latency $QUANTUM --rate $RATE --channels 1 --format f32 \
    -P "{ node.name = fsrec_$x $auto }" "$WORK/rec_$x.wav" >"$WORK/record_$x.log" 2>&1 &
  eval "rec_$x=\$!"
  pids="$pids $!"
done
wait_until 5 has_port -i fsrec_a:input_MONO && wait_until 5 has_port -i fsrec_b:input_MONO
pw pw-link failsafe_a:capture_MONO fsrec_a:input_MONO
pw pw-link failsafe_mic:capture_MONO fsrec_b:input_MONO
for x in a b; do
  timeout 30 pw-cat -p --target 0 --latency $QUANTUM \
    -P "{ node.name = fsplay_$x $auto }" "$WORK/in.wav" >"$WORK/play_$x.log" 2>&1 &
  eval "play_$x=\$!"
  pids="$pids $!"
done
wait_until 5 has_port -o fsplay_a:output_MONO && wait_until 5 has_port -o fsplay_b:output_MONO
pw pw-link fsplay_a:output_MONO capture.failsafe_a:input_MONO
pw pw-link fsplay_b:output_MONO capture.failsafe_mic:input_MONO
check "player and recorder linked to the filters" \
  sh -c "timeout 5 pw-link -l | grep -c '|' | awk '{ exit !(\$1 >= 4) }'"

# B: chaos 2 from about 5 s of the file to about 6.5 s (into the speech).
sleep 5
pw pw-cli set-param capture.failsafe_mic Props '{ params = [ "fs:chaos" 2 ] }' >/dev/null
chaos_on=$?
sleep 1.5
pw pw-cli set-param capture.failsafe_mic Props '{ params = [ "fs:chaos" 0 ] }' >/dev/null
check "pw-cli switches chaos 2 on and off in B, live" test $chaos_on = 0 -a $? = 0

played=0
wait "$play_a" && wait "$play_b" && played=1
check "pw-cat played the file to its end into both" test $played = 1
sleep 0.5
kill -INT "$rec_a" "$rec_b" 2>/dev/null
wait "$rec_a"
wait "$rec_b"
cleanup # the daemon too: the plugins are freed and the journal closed
check "no sanitizer report in the daemon's log" \
  sh -c "! grep -q -e 'Sanitizer' -e 'runtime error:' '$WORK/pipewire.log'"

# ---- A against failsafe-host ---------------------------------------------
# PipeWire feeds the filter zeros before the file (two quanta once the
# player is linked; more if the recorder was linked first).  failsafe-host
# gets two quanta of zeros and runs uncompensated (--raw); the recording is
# aligned on the first non-zero sample of each.
lead=$((2 * QUANTUM))
"$CHECK" pad "$WORK/in.wav" "$WORK/in_lead.wav" $lead || exit 1
set --
for pair in $BROADCAST; do set -- "$@" --set "$pair"; done
check "failsafe-host process renders the same input" run_host process "$WORK/in_lead.wav" \
  "$WORK/ref.wav" --raw --quiet "$@" --json "$WORK/ref.json"
latency=$(json_first_number "$WORK/ref.json" latency)

# stats FILE KEY: one figure of fs-pw-check stats.
stat_of() { "$CHECK" stats "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
# below A B: A < B, numerically.
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /[0-9]/ && b ~ /[0-9]/ && a + 0 < b + 0) }'; }

in_frames=$(stat_of "$WORK/in.wav" frames)
for x in a b; do
  echo "# recording $x: $("$CHECK" stats "$WORK/rec_$x.wav")"
  check "recording $x long enough" below $((lead + in_frames)) "$(stat_of "$WORK/rec_$x.wav" frames)"
  check "recording $x finite" test "$(stat_of "$WORK/rec_$x.wav" nonfinite)" = 0
  check "recording $x under the -1 dBFS ceiling" \
    below "$(stat_of "$WORK/rec_$x.wav" peak_db)" "$CEILING_DB"
  start=$(( $("$CHECK" onset "$WORK/rec_$x.wav" 0) - $("$CHECK" onset "$WORK/ref.wav" 0) ))
  echo "# recording $x: the filter saw $((start + lead)) samples of zeros before the file"
  # out_x.wav: the recording aligned with in.wav (zeros and latency taken off).
  "$CHECK" trim "$WORK/rec_$x.wav" "$WORK/out_$x.wav" $((start + lead + latency)) || exit 1
  eval "start_$x=$start"
done

# The last quantum of the file reaches the filter as a part-filled buffer,
# so the comparison stops one quantum short of the end.
frames=$((lead + in_frames - QUANTUM))
result=$("$CHECK" diff "$WORK/rec_a.wav" "$start_a" "$WORK/ref.wav" 0 $frames)
echo "# A against failsafe-host (Broadcast voice, freewheel): $result"
max=$(echo "$result" | awk '{ print $4 }')
check "A is failsafe-host's output, sample for sample (max difference $max)" \
  below "${max:-x}" 1e-6

for x in a b; do
  speech=$("$CHECK" window-db "$WORK/in.wav" "$WORK/out_$x.wav" 4 3.5)
  echo "# $x: speech in noise (4 s to 7.5 s) ${speech} dB against the input"
  check "$x is not silent: the voice is kept" below -6 "$speech"
  for second in 1 2 3; do
    noise=$("$CHECK" window-db "$WORK/in.wav" "$WORK/out_$x.wav" $second 1)
    echo "# $x: noise from $second s to $((second + 1)) s ${noise} dB against the input"
    limit=-6
    [ $second = 1 ] && limit=-3 # the noise's first second: the tracker is learning
    check "$x quieter than the input in second $second of the noise (under $limit dB)" \
      below "$noise" $limit
  done
done

# ---- B: chaos absorbed -----------------------------------------------------
chaos=$("$CHECK" window-db "$WORK/in.wav" "$WORK/out_b.wav" 5 2)
echo "# B: 5 s to 7 s (chaos 2 on for about 1.5 s of it) ${chaos} dB against the input"
check "B not silent and no burst while chaos runs" sh -c "
  awk -v c='$chaos' 'BEGIN { exit !(c ~ /[0-9]/ && c > -20 && c < 1) }'"
differs=$("$CHECK" diff "$WORK/out_a.wav" 0 "$WORK/out_b.wav" 0)
echo "# A against B: $differs"
check "chaos changed B's output (the control reached the plugin)" \
  below 1e-4 "$(echo "$differs" | awk '{ print $4 }')"
journal=$(ls "$WORK"/journal/journal*.jsonl 2>/dev/null | head -n 1)
check "the plugin's worker wrote the journal inside PipeWire" test -n "$journal"
if [ -n "$journal" ]; then
  run_host report "$journal"
  sed 's/^/#   /' "$WORK/stdout"
  check "the journal records the runaway gain and the net's answer" \
    grep -q '"cause":"runaway_gain"' "$journal"
fi
show_log_if_failed
finish

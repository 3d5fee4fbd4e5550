#!/bin/sh
# jalv runs each failsafe plugin live on a private dummy JACK server while
# chaos is switched on and off through jalv's console, and stays alive with
# sane output controls throughout.
#
# jalv 1.6 reads console commands ("SYMBOL = VALUE", "monitors") from stdin
# when it is not given -i, and quits at end of input; so stdin is a fifo
# this script keeps open, and closing it is how jalv is asked to leave.
# jack_simple_client (jackd2's example client) feeds a sine as the input.
set -u
for tool in jackd jalv; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed (packages jackd2, jalv)"; exit 77; }
done
export JACK_DEFAULT_SERVER="failsafe-jalv-$$"
export JACK_NO_AUDIO_RESERVATION=1
export JACK_NO_START_SERVER=1
work=$(mktemp -d)
jackd_pid=
tone_pid=
jalv_pid=
cleanup() {
  exec 3>&- 2>/dev/null
  for pid in $jalv_pid $tone_pid $jackd_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

jackd -n "$JACK_DEFAULT_SERVER" -r -d dummy -r 48000 -p 128 >"$work/jackd.log" 2>&1 &
jackd_pid=$!
if ! jack_wait -w -t 10 >/dev/null 2>&1; then
  echo "FAIL: dummy JACK server did not start"; cat "$work/jackd.log"; exit 1
fi
if command -v jack_simple_client >/dev/null 2>&1; then
  jack_simple_client >"$work/tone.log" 2>&1 &
  tone_pid=$!
fi

status=0
fail() { echo "FAIL: $*"; status=1; }

# wait_port NAME: until JACK lists the port (5 s at most, or jalv died).
wait_port() {
  tries=0
  until jack_lsp 2>/dev/null | grep -qx "$1"; do
    tries=$((tries + 1))
    [ $tries -gt 50 ] && return 1
    kill -0 "$jalv_pid" 2>/dev/null || return 1
    sleep 0.1
  done
}

# last_value LOG SYMBOL: the last "SYMBOL = VALUE" jalv printed.
last_value() {
  sed -n "s/^[> ]*$2 = \(.*\)$/\1/p" "$1" | tail -n 1
}

# monitors_sane LOG: the output controls are numbers in their ranges, and
# the latency is the plugin's constant 511 samples at 48 kHz.
monitors_sane() {
  tier=$(last_value "$1" tier)
  latency=$(last_value "$1" latency)
  health=$(last_value "$1" health)
  incidents=$(last_value "$1" incidents)
  cause=$(last_value "$1" cause)
  load=$(last_value "$1" dsp_load)
  echo "     tier=$tier latency=$latency health=$health incidents=$incidents cause=$cause dsp_load=$load"
  awk -v t="$tier" -v l="$latency" -v h="$health" -v i="$incidents" -v c="$cause" -v d="$load" 'BEGIN {
    num = "^-?[0-9]+(\\.[0-9]+)?$"
    ok = t ~ num && l ~ num && h ~ num && i ~ num && c ~ num && d ~ num
    ok = ok && (t == 0 || t == 1 || t == 2) && l == 511 && h >= 0 && h <= 100 && i >= 0 && c >= 0 && c <= 13 && d >= 0
    exit ok ? 0 : 1 }'
}

for spec in "urn:failsafe:enhancer in out" "urn:failsafe:enhancer:stereo in_l out_l in_r out_r"; do
  set -- $spec
  uri=$1
  log=$work/jalv.log
  rm -f "$work/console" && mkfifo "$work/console"
  stdbuf -oL jalv -x -n fs -p -c reduction=12 -c ceiling=-1 "$uri" <"$work/console" >"$log" 2>&1 &
  jalv_pid=$!
  exec 3>"$work/console"
  shift
  ins= outs=
  while [ $# -gt 0 ]; do ins="$ins $1"; outs="$outs $2"; shift 2; done
  ready=1
  for port in $outs; do wait_port "fs:$port" || ready=0; done
  if [ $ready -ne 1 ]; then
    fail "jalv did not come up with $uri"; sed 's/^/     /' "$log"
    exec 3>&-; kill "$jalv_pid" 2>/dev/null; wait "$jalv_pid" 2>/dev/null; jalv_pid=; continue
  fi
  n=1
  for port in $ins; do
    jack_connect "system:capture_$n" "fs:$port" || fail "cannot connect fs:$port"
    [ -n "$tone_pid" ] && jack_connect "simple:output$n" "fs:$port" 2>/dev/null
    n=$((n + 1))
  done
  n=1
  for port in $outs; do
    jack_connect "fs:$port" "system:playback_$n" || fail "cannot connect fs:$port"
    n=$((n + 1))
  done
  sleep 1

  # Every chaos mode for a second, then a second of recovery, asking for
  # the output controls after each.
  for mode in 1 2 3 4 5 6 7 8 9; do
    echo "chaos = $mode" >&3
    sleep 1
    echo "monitors" >&3
    echo "chaos = 0" >&3
    sleep 1
    echo "monitors" >&3
    sleep 0.2
    if ! kill -0 "$jalv_pid" 2>/dev/null; then
      fail "jalv died running $uri with chaos $mode"; sed 's/^/     /' "$log"; break
    fi
    acked=$(grep -c "chaos = $mode" "$log")
    if [ "$acked" -lt 1 ]; then fail "jalv did not take 'chaos = $mode'"; fi
  done
  if kill -0 "$jalv_pid" 2>/dev/null; then
    if monitors_sane "$log"; then
      echo "ok: jalv ran $uri through chaos 1..6 and back; output controls sane"
    else
      fail "implausible output controls from $uri"
    fi
    changes=$(grep -c "^[> ]*tier = " "$log")
    echo "     tier printed $changes times; incidents printed: $(grep "incidents = " "$log" | sed 's/^[> ]*incidents = //' | uniq | tr '\n' ' ')"
  fi
  # End of input asks jalv to quit; it must do so cleanly.
  exec 3>&-
  tries=0
  while kill -0 "$jalv_pid" 2>/dev/null && [ $tries -lt 50 ]; do sleep 0.1; tries=$((tries + 1)); done
  if kill -0 "$jalv_pid" 2>/dev/null; then
    fail "jalv did not quit at end of input"; kill "$jalv_pid"
  fi
  wait "$jalv_pid" 2>/dev/null
  rc=$?
  [ $rc -eq 0 ] || fail "jalv exited with status $rc running $uri"
  jalv_pid=
done
exit $status

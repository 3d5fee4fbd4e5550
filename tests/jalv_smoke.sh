#!/bin/sh
# jalv loads both plugins as JACK clients on a dummy (card-less) JACK
# server, gets its ports wired and keeps running.
set -u
for tool in jackd jalv jack_wait jack_connect jack_lsp; do
  command -v "$tool" >/dev/null || { echo "$tool not installed (packages jackd2, jalv)"; exit 77; }
done
export JACK_DEFAULT_SERVER="failsafe-smoke-$$"
export JACK_NO_AUDIO_RESERVATION=1
work=$(mktemp -d)
jackd -n "$JACK_DEFAULT_SERVER" -r -d dummy -r 48000 -p 128 >"$work/jackd.log" 2>&1 &
jackd_pid=$!
trap 'kill $jackd_pid 2>/dev/null; wait $jackd_pid 2>/dev/null; rm -rf "$work"' EXIT
if ! jack_wait -w -t 10 >/dev/null; then
  echo "FAIL: dummy JACK server did not start"; cat "$work/jackd.log"; exit 1
fi
status=0
for spec in "urn:failsafe:enhancer in out" "urn:failsafe:enhancer:stereo in_l out_l"; do
  set -- $spec
  jalv -i -n fs -c reduction=12 "$1" >"$work/jalv.log" 2>&1 &
  jalv_pid=$!
  tries=0
  until jack_lsp 2>/dev/null | grep -q "^fs:$3\$"; do
    tries=$((tries + 1))
    if [ $tries -gt 100 ] || ! kill -0 $jalv_pid 2>/dev/null; then break; fi
    sleep 0.1
  done
  jack_connect system:capture_1 "fs:$2" && jack_connect "fs:$3" system:playback_1 || status=1
  sleep 2
  if kill -0 $jalv_pid 2>/dev/null; then
    echo "ok: jalv runs $1"
  else
    echo "FAIL: jalv died running $1"; cat "$work/jalv.log"; status=1
  fi
  kill -INT $jalv_pid 2>/dev/null
  wait $jalv_pid 2>/dev/null
done
exit $status

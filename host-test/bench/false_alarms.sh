#!/bin/sh
# The net's false-alarm check: every file of the given folders (and the
# demo clip) through the plugin with chaos off, at blocks 64, 256 and
# random up to 2048, with failsafe-host process.  Prints one line per
# file and block pattern with the incidents the plugin counted and the
# tier it ended on; exits 1 when any run had an incident.  With OUT_DIR
# set, keeps the outputs there (to compare two builds sample for sample).
#
#   LV2_PATH=$PWD/build/lv2 host-test/bench/false_alarms.sh \
#     ../shared/corpus ../shared/corpus-real
set -eu
host=${FAILSAFE_HOST:-build/host-test/failsafe-host}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
alarms=0
runs=0
for file in "$here/../demo/noisy_speech.flac" $(for dir in "$@"; do ls "$dir"/*.flac "$dir"/*.wav 2>/dev/null || true; done); do
  for blocks in "--block 64" "--block 256" "--random-blocks 2048"; do
    tag=$(basename "$(dirname "$file")")_$(basename "$file" | sed 's/\.[a-z]*$//')_$(echo "$blocks" | tr -dc '0-9')
    out="${OUT_DIR:-$tmp}/$tag.wav"
    # shellcheck disable=SC2086
    "$host" process "$file" "$out" $blocks --quiet --json "$tmp/summary.json"
    incidents=$(sed -n 's/.*"incidents": *\([0-9]*\).*/\1/p' "$tmp/summary.json" | head -n 1)
    tier=$(sed -n 's/.*"tier": *\([0-9]*\).*/\1/p' "$tmp/summary.json" | head -n 1)
    printf '%-40s %-22s incidents %s tier %s\n' "$(basename "$file")" "$blocks" "$incidents" "$tier"
    runs=$((runs + 1))
    [ "$incidents" = 0 ] || alarms=$((alarms + 1))
  done
done
echo "$runs runs, $alarms with an incident"
[ "$alarms" = 0 ]

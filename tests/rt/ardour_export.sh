#!/bin/sh
# Headless Ardour renders a session with both failsafe plugins (see
# ardour_export.lua) and each exported file must be finite, non-silent and
# under the plugin's default ceiling, -1 dBFS, although the input peaks
# well above full scale.
#
# Usage: ardour_export.sh ARDOUR_EXPORT_LUA FS_WAV_PEAK [SECONDS]
set -u
lua=$1
wav_peak=$2
seconds=${3:-5}
if ! command -v ardour7-lua >/dev/null 2>&1; then
  echo "SKIP: ardour7-lua not installed (Debian package ardour)"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Ardour keeps its configuration and caches under HOME; keep them out of
# the user's own.
export HOME="$work/home"
mkdir -p "$HOME" "$work/export"

# One session and one export per process (see ardour_export.lua).  The
# export renders faster than real time; four minutes is plenty.  A run
# that dies of a signal is tried again (see ardour_verdict.sh).
. "$(dirname "$0")/ardour_verdict.sh"
run_ardour() {
  which=$1
  log=$work/ardour-$which.log
  attempt=1
  while :; do
    rm -rf "$work/session-$which"
    env -u MALLOC_PERTURB_ timeout 240 ardour7-lua "$lua" "$work/session-$which" "$work/export" "$seconds" "$which" \
      >"$log" 2>&1
    rc=$?
    ardour_verdict "$rc" "$log" "$which" "$attempt"
    case $? in
      0) return 0 ;;
      1) return 1 ;;
    esac
    attempt=$((attempt + 1))
  done
}

for which in dry mono stereo; do
  run_ardour "$which" || exit 1
  grep '^track ' "$work/ardour-$which.log"
done

ceiling=0.891251 # 10^(-1/20)
status=0
dry=$(ls "$work/export/dry"*.wav 2>/dev/null | head -n 1)
dry_stats=$([ -n "$dry" ] && "$wav_peak" "$dry")
if echo "$dry_stats" | awk -v c="$ceiling" '{ for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
    exit v["peak"] > c ? 0 : 1 }'; then
  echo "ok: dry reference goes over the ceiling: $dry_stats"
else
  echo "FAIL: the dry reference does not challenge the ceiling: $dry_stats"; status=1
fi
for name in mono stereo; do
  file=$(ls "$work/export/$name"*.wav 2>/dev/null | head -n 1)
  if [ -z "$file" ]; then
    echo "FAIL: no exported file for $name"; ls -l "$work/export"; status=1; continue
  fi
  stats=$("$wav_peak" "$file") || { echo "FAIL: cannot read $file"; status=1; continue; }
  # The WAV preset is 16-bit with shaped dither: a few LSB of slack.
  if echo "$stats" | awk -v c="$ceiling" -v n="$seconds" '{
      for (i = 1; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
      ok = v["nonfinite"] == 0 && v["peak"] > 0.01 && v["rms"] > 0.001 && v["clipped"] == 0 &&
           v["peak"] <= c + 4 / 32768 && v["frames"] >= n * v["rate"] * 0.99
      exit ok ? 0 : 1 }'; then
    echo "ok: $name export: $stats (ceiling $ceiling)"
  else
    echo "FAIL: $name export: $stats (ceiling $ceiling)"; status=1
  fi
done
exit $status

#!/bin/sh
# Redraws docs/timeline.png, the picture in the README: the demo clip
# through the mono plugin with four faults injected on a schedule, drawn by
# failsafe-host --timeline and rendered with rsvg-convert (Debian package
# librsvg2-bin).
# usage: docs/timeline.sh [BUILD_DIR]   (default: build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# --sync-worker: the learner's answers arrive at the same block on every
# machine, so the picture only changes when the plugin does.
LV2_PATH="$PWD/$build/lv2:/usr/lib/lv2" "$build/host-test/failsafe-host" \
  process host-test/demo/noisy_speech.flac "$out/enhanced.wav" --quiet \
  --sync-worker \
  --timeline "$out/timeline.svg" \
  --chaos runaway@1.2-2.2,nan@3.4-3.6,clip@5-6,musical@6.5-7.2
rsvg-convert --background-color=white -o docs/timeline.png "$out/timeline.svg"
echo "docs/timeline.png"

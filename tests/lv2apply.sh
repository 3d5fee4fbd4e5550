#!/bin/sh
# lv2apply runs both plugins with no host features, one frame per run():
# the output must have the input's length and carry signal.
set -u
here=$(dirname "$0")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v lv2apply >/dev/null || { echo "lv2apply not installed (package lilv-utils)"; exit 77; }
status=0
for spec in "urn:failsafe:enhancer 1" "urn:failsafe:enhancer:stereo 2"; do
  set -- $spec
  python3 "$here/make_wav.py" "$work/in.wav" 48000 1.0 "$2"
  if ! lv2apply -i "$work/in.wav" -o "$work/out.wav" -c reduction 12 "$1"; then
    echo "FAIL: lv2apply $1"; status=1; continue
  fi
  python3 - "$work/in.wav" "$work/out.wav" <<'PY' || status=1
import sys, wave, struct
a, b = (wave.open(p, 'rb') for p in sys.argv[1:3])
assert a.getnframes() == b.getnframes(), "length changed"
assert a.getnchannels() == b.getnchannels(), "channels changed"
raw = b.readframes(b.getnframes())
w = b.getsampwidth()
if w == 2:
    peak = max(abs(v) for (v,) in struct.iter_unpack('<h', raw)) / 32768
else:
    peak = max(abs(v) for (v,) in struct.iter_unpack('<i', raw)) / 2**31 if w == 4 else 1.0
assert peak > 0.01, "output is silent"
print("ok: %d frames, peak %.3f" % (b.getnframes(), peak))
PY
done
exit $status

#!/bin/sh
# lv2apply runs both plugins with no host features, one frame per run():
# the output must have the input's length and carry signal, and the
# incident journal must be written by the end of the run.
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

# lv2apply offers no worker: the plugin starts no thread, and the run's
# incidents reach the journal when lv2apply deactivates and frees it.
python3 "$here/make_wav.py" "$work/in.wav" 48000 2.0 1
if FAILSAFE_JOURNAL="$work/journal/" lv2apply -i "$work/in.wav" -o "$work/out.wav" -c chaos 1 \
    urn:failsafe:enhancer 2>/dev/null; then
  journal=$work/journal/journal.jsonl
  incidents=$(grep -c '"type":"incident"' "$journal" 2>/dev/null || true)
  models=$(grep -c '"type":"model"' "$journal" 2>/dev/null || true)
  clean=$(grep -c '"dropped_events":0,' "$journal" 2>/dev/null || true)
  if [ "${incidents:-0}" -ge 1 ] && [ "${models:-0}" -ge 1 ] && [ "$clean" = "$models" ]; then
    echo "ok: journal without a host worker: $incidents incident lines, $models model lines, none dropped"
  else
    echo "FAIL: journal without a host worker: ${incidents:-0} incident lines, ${models:-0} model lines, ${clean:-0} of them with no drops"
    status=1
  fi
else
  echo "FAIL: lv2apply with chaos"; status=1
fi
exit $status

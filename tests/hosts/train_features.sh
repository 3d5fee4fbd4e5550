# fs-train-features: one record of 106 + 3 * 26 + 2 float32 per whole hop
# but those of digital silence, the record count on stdout; every refusal is one stderr line and exit
# status 2, leaving no output behind.
# usage: train_features.sh TOOL GEN WORKDIR  (TOOL in common.sh's HOST)
. "$(dirname "$0")/common.sh"

"$GEN" speech "$WORK/clean.wav" --seconds 1 --seed 1 || exit 1
"$GEN" speech "$WORK/noisy.wav" --seconds 1 --seed 2 || exit 1
"$GEN" speech "$WORK/short.wav" --seconds 0.5 || exit 1
"$GEN" speech "$WORK/44k.wav" --seconds 1 --rate 44100 || exit 1
"$GEN" speech "$WORK/stereo.wav" --seconds 1 --channels 2 || exit 1
"$GEN" speech "$WORK/22k-clean.wav" --seconds 1 --rate 22050 --seed 3 || exit 1
"$GEN" speech "$WORK/22k-noisy.wav" --seconds 1 --rate 22050 --seed 4 || exit 1

# wrote RATE HOP CLEAN NOISY: the records of every whole hop.
wrote() {
  hops=$(($1 / $2))
  rm -f "$WORK/out.f32"
  if "$HOST" "$3" "$4" "$WORK/out.f32" >"$WORK/stdout" 2>"$WORK/stderr" &&
     [ "$(cat "$WORK/stdout")" = "$hops" ] &&
     [ "$(wc -c <"$WORK/out.f32")" -eq $((hops * 186 * 4)) ]; then
    ok "$1 Hz: $hops hops of 186 floats"
  else
    not_ok "$1 Hz: expected $hops hops"
    sed 's/^/#   /' "$WORK/stdout" "$WORK/stderr"
  fi
}
wrote 48000 256 "$WORK/clean.wav" "$WORK/noisy.wav"
wrote 22050 128 "$WORK/22k-clean.wav" "$WORK/22k-noisy.wav"
cp "$WORK/out.f32" "$WORK/first.f32"
wrote 22050 128 "$WORK/22k-clean.wav" "$WORK/22k-noisy.wav"
check "the same input gives the same records" cmp -s "$WORK/out.f32" "$WORK/first.f32"

# Digital silence is left out: 0.5 s of zeros before 1 s of noise at
# 48 kHz is 93.75 of the 281 whole hops; the frames that still hold some
# of the silence count as silent only while it fills them, so between 90
# and 94 hops go.
"$GEN" noise "$WORK/lead.wav" --seconds 1.5 --lead 0.5 || exit 1
rm -f "$WORK/out.f32"
if "$HOST" "$WORK/lead.wav" "$WORK/lead.wav" "$WORK/out.f32" >"$WORK/stdout" 2>"$WORK/stderr" &&
   records=$(cat "$WORK/stdout") && [ "$records" -ge 187 ] && [ "$records" -le 191 ] &&
   [ "$(wc -c <"$WORK/out.f32")" -eq $((records * 186 * 4)) ]; then
  ok "silence lead: $records of 281 hops, the silent ones left out"
else
  not_ok "silence lead: expected 187..191 records of 281 hops"
  sed 's/^/#   /' "$WORK/stdout" "$WORK/stderr"
fi

# refused DESCRIPTION ARGS...
refused() { refused_by fs-train-features "$WORK/out.f32" "$@"; }
O=$WORK/out.f32
refused "missing clean file" "$WORK/nosuch.wav" "$WORK/noisy.wav" "$O"
refused "missing noisy file" "$WORK/clean.wav" "$WORK/nosuch.wav" "$O"
refused "different lengths" "$WORK/clean.wav" "$WORK/short.wav" "$O"
refused "different rates" "$WORK/clean.wav" "$WORK/44k.wav" "$O"
refused "not mono" "$WORK/stereo.wav" "$WORK/noisy.wav" "$O"
refused "too few arguments" "$WORK/clean.wav" "$WORK/noisy.wav"

finish

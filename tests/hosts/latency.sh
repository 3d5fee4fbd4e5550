# Latency compensation: an impulse stays where it was; with --raw it moves
# by the reported latency.  Output is as long as the input either way.
# usage: latency.sh HOST GEN WORKDIR [URI [SETTING]]
. "$(dirname "$0")/common.sh"
URI=${4:-urn:failsafe:enhancer}
SETTING=${5:-reduction=0}

"$GEN" impulse "$WORK/impulse.wav" --seconds 1 --at 1000 || exit 1

check "compensated render" run_host process "$WORK/impulse.wav" \
  "$WORK/aligned.wav" --uri "$URI" --set "$SETTING" --json "$WORK/a.json"
check "raw render" run_host process "$WORK/impulse.wav" "$WORK/raw.wav" \
  --uri "$URI" --set "$SETTING" --raw --json "$WORK/r.json"
latency=$(json_first_number "$WORK/a.json" latency)
echo "# reported latency: $latency"
check "latency reported" test -n "$latency"

aligned=$("$GEN" locate-peak "$WORK/aligned.wav" | cut -d' ' -f1)
raw=$("$GEN" locate-peak "$WORK/raw.wav" | cut -d' ' -f1)
echo "# peak: compensated at $aligned, raw at $raw"
check "compensated impulse at index 1000" test "$aligned" = 1000
check "raw impulse at 1000 + latency" test "$raw" = $((1000 + latency))
in_size=$(wc -c <"$WORK/impulse.wav")
check "compensated output as long as the input" \
  test "$(wc -c <"$WORK/aligned.wav")" = "$in_size"
check "raw output as long as the input" \
  test "$(wc -c <"$WORK/raw.wav")" = "$in_size"
finish

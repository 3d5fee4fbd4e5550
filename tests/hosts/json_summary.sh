# The JSON summary carries every documented field, the output checks are
# clean on normal input, and absurd control values are survived.
# usage: json_summary.sh HOST GEN WORKDIR
. "$(dirname "$0")/common.sh"

"$GEN" speech "$WORK/mono.wav" --seconds 2 || exit 1
"$GEN" speech "$WORK/stereo.wav" --seconds 2 --channels 2 || exit 1
J=$WORK/s.json

check "mono run with --json" \
  run_host process "$WORK/mono.wav" "$WORK/out.wav" --json "$J"
for key in uri input output sample_rate channels frames blocks block latency \
           run_ns mean p50 p99 max run_load_pct controls nonfinite_samples \
           over_ceiling_samples peak_dbfs worker scheduled responses; do
  check "field $key" grep -q "\"$key\":" "$J"
done
# Every control port of the plugin, inputs and outputs, by symbol.
for symbol in enabled reduction ceiling xfade budget chaos freewheel latency \
              tier health incidents cause dsp_load learned; do
  check "control $symbol" grep -q "\"controls\":{.*\"$symbol\":" "$J"
done
check "nonfinite_samples is 0" test "$(json_number "$J" nonfinite_samples)" = 0
check "over_ceiling_samples is 0" \
  test "$(json_number "$J" over_ceiling_samples)" = 0
check "frames is 96000" test "$(json_number "$J" frames)" = 96000
check "channels is 1" test "$(json_number "$J" channels)" = 1
check "text summary on stdout" grep -q "blocks of 1024" "$WORK/stdout"
if command -v python3 >/dev/null 2>&1; then
  check "summary is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$J"
fi

check "stereo, random blocks, JSON on stdout" \
  run_host process "$WORK/stereo.wav" "$WORK/out2.wav" --random-blocks 500 \
  --seed 9 --json -
cp "$WORK/stdout" "$WORK/s2.json"
check "stdout holds only the JSON object" test "$(wc -l <"$WORK/s2.json")" -eq 1
check "random_blocks_max 500" test "$(json_number "$WORK/s2.json" random_blocks_max)" = 500
check "seed 9" test "$(json_number "$WORK/s2.json" seed)" = 9
check "channels is 2" test "$(json_number "$WORK/s2.json" channels)" = 2
check "stereo nonfinite_samples is 0" \
  test "$(json_number "$WORK/s2.json" nonfinite_samples)" = 0
check "stereo over_ceiling_samples is 0" \
  test "$(json_number "$WORK/s2.json" over_ceiling_samples)" = 0
check "stereo control learned (after the audio ports)" \
  grep -q '"controls":{.*"learned":' "$WORK/s2.json"

# The learned tier's faults by name: absorbed, the learned share shown.
check "learned chaos modes by name" \
  run_host process "$WORK/mono.wav" "$WORK/out5.wav" \
  --chaos learned_nan@0.2-0.6,learned_flicker@0.8-1.2,learned_mute@1.4-1.8 \
  --json "$WORK/s5.json"
check "... with no non-finite output" \
  test "$(json_number "$WORK/s5.json" nonfinite_samples)" = 0
check "... and nothing over the ceiling" \
  test "$(json_number "$WORK/s5.json" over_ceiling_samples)" = 0

# Values the plugin must clamp are passed through as given.
check "reduction=nan ceiling=1e9 xfade=-5 still runs" \
  run_host process "$WORK/mono.wav" "$WORK/out3.wav" --set reduction=nan \
  --set ceiling=1e9 --set xfade=-5 --json "$WORK/s3.json"
check "... with no non-finite output" \
  test "$(json_number "$WORK/s3.json" nonfinite_samples)" = 0
check "... and nothing over 0 dBFS" \
  test "$(json_number "$WORK/s3.json" over_ceiling_samples)" = 0
check "... the NaN control reads back as null" \
  grep -q '"reduction":null' "$WORK/s3.json"
check "chaos/budget extremes still run" \
  run_host process "$WORK/mono.wav" "$WORK/out4.wav" --set budget=-1e30 \
  --set enabled=inf --set chaos=-7 --quiet
finish

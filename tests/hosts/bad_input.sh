# Every refusal is one stderr line "failsafe-host: ..." and exit status 2,
# never a crash, and leaves no output file behind.
# usage: bad_input.sh HOST GEN WORKDIR
. "$(dirname "$0")/common.sh"

"$GEN" speech "$WORK/mono.wav" --seconds 0.5 || exit 1
"$GEN" speech "$WORK/three.wav" --seconds 0.5 --channels 3 || exit 1
"$GEN" speech "$WORK/8k.wav" --seconds 0.5 --rate 8000 || exit 1
echo "this is not audio" >"$WORK/text.wav"

# refused DESCRIPTION ARGS...
refused() { refused_by failsafe-host "$WORK/out.wav" "$@"; }

M=$WORK/mono.wav
O=$WORK/out.wav
refused "missing input file" process "$WORK/nosuch.wav" "$O"
refused "input that is not audio" process "$WORK/text.wav" "$O"
refused "unknown URI" process "$M" "$O" --uri urn:failsafe:nosuch
refused "--set of an unknown symbol" process "$M" "$O" --set nosuch=1
refused "--set of a non-numeric value" process "$M" "$O" --set reduction=abc
refused "--set without =" process "$M" "$O" --set reduction
refused "--set of an output port" process "$M" "$O" --set latency=0
refused "--block 0" process "$M" "$O" --block 0
refused "--block not a number" process "$M" "$O" --block 12x
refused "--random-blocks 0" process "$M" "$O" --random-blocks 0
refused "--block with --random-blocks" process "$M" "$O" --block 64 --random-blocks 64
refused "unknown option" process "$M" "$O" --frobnicate
refused "missing OUT" process "$M"
refused "unknown subcommand" frobnicate
refused "output in a nonexistent directory" process "$M" "$WORK/no/such/dir/out.wav"
refused "JSON in a nonexistent directory" process "$M" "$O" --json "$WORK/no/such/s.json"
refused "mono file, stereo plugin" process "$M" "$O" --uri urn:failsafe:enhancer:stereo
refused "3-channel file without --uri" process "$WORK/three.wav" "$O"
refused "sample rate the plugin rejects" process "$WORK/8k.wav" "$O"
refused "missing state directory" process "$M" "$O" --state-in "$WORK/no-state"
refused "report without a journal" report
refused "report of a missing journal" report "$WORK/no-such-journal.jsonl"
refused "bench with --block 0" bench --block 0
refused "bench with an unknown option" bench --frobnicate
refused "bench of a missing file" bench --input "$WORK/nosuch.wav"

# A relative LV2_PATH entry (lilv alone crashes on one): the bundle is
# found through it, and a relative entry that names nothing is refused.
first_dir=${LV2_PATH%%:*}
abs_host=$(cd "$(dirname "$HOST")" && pwd)/$(basename "$HOST")
(cd "$(dirname "$first_dir")" &&
  LV2_PATH="./$(basename "$first_dir")" "$abs_host" process "$M" "$O" >"$WORK/stdout" 2>"$WORK/stderr")
check "relative LV2_PATH finds the bundle" test $? -eq 0 -a -s "$O"
saved_path=$LV2_PATH
export LV2_PATH=no/such/dir
refused "relative LV2_PATH that names nothing" process "$M" "$O"
export LV2_PATH="$saved_path"

check "--help exits 0 with usage" sh -c '"$1" --help | grep -q "process"' sh "$HOST"
check "process --help exits 0 with usage" \
  sh -c '"$1" process --help | grep -q -- "--random-blocks"' sh "$HOST"
"$HOST" >/dev/null 2>&1
check "no arguments exits 2" test $? -eq 2
finish

# The generic host paths on a fixture plugin that uses them: worker thread
# and synchronous worker, state save/restore, announced maxBlockLength.
# usage: generic_host.sh HOST GEN WORKDIR
. "$(dirname "$0")/common.sh"
F=urn:failsafe:test:fixture

"$GEN" speech "$WORK/in.wav" --seconds 1 || exit 1

check "threaded worker run" run_host process "$WORK/in.wav" "$WORK/t.wav" \
  --uri $F --json "$WORK/t.json"
blocks=$(json_number "$WORK/t.json" blocks)
check "one request scheduled per block ($blocks)" \
  test "$(json_number "$WORK/t.json" scheduled)" = "$blocks"
check "every response delivered" \
  grep -q "\"worker\":{\"scheduled\":$blocks,\"responses\":$blocks}" "$WORK/t.json"
check "plugin saw them all" test "$(json_number "$WORK/t.json" responses)" = "$blocks"
check "maxBlockLength announced as 1024" \
  test "$(json_number "$WORK/t.json" max_block)" = 1024

check "synchronous worker run" run_host process "$WORK/in.wav" "$WORK/s.wav" \
  --uri $F --sync-worker --json "$WORK/s.json"
check "same audio as the threaded worker" same_file "$WORK/t.wav" "$WORK/s.wav"
check "synchronous: every response delivered" \
  grep -q "\"worker\":{\"scheduled\":$blocks,\"responses\":$blocks}" "$WORK/s.json"

check "random blocks run" run_host process "$WORK/in.wav" "$WORK/r.wav" \
  --uri $F --random-blocks 300 --seed 5 --json "$WORK/r.json"
check "maxBlockLength announced as 300" \
  test "$(json_number "$WORK/r.json" max_block)" = 300
check "no block longer than announced" \
  test "$(json_number "$WORK/r.json" violations)" = 0
check "same audio as --block 1024" same_file "$WORK/t.wav" "$WORK/r.wav"
check "in-place run" run_host process "$WORK/in.wav" "$WORK/p.wav" --uri $F \
  --in-place --block 77 --quiet
check "same audio in place" same_file "$WORK/t.wav" "$WORK/p.wav"

# State: port values and plugin properties survive a save and a restore.
check "save state" run_host process "$WORK/in.wav" "$WORK/g.wav" --uri $F \
  --set gain=0.5 --state-out "$WORK/state" --json "$WORK/g.json"
check "state.ttl written" test -s "$WORK/state/state.ttl"
check "manifest.ttl written" test -s "$WORK/state/manifest.ttl"
check "state holds the gain" grep -q "gain" "$WORK/state/state.ttl"
check "restore state" run_host process "$WORK/in.wav" "$WORK/h.wav" --uri $F \
  --state-in "$WORK/state" --json "$WORK/h.json"
check "restored gain gives the same audio" same_file "$WORK/g.wav" "$WORK/h.wav"
check "restored property: run count carried over" \
  test "$(json_number "$WORK/h.json" runs)" = $((2 * blocks))
check "--set overrides the restored state" run_host process "$WORK/in.wav" \
  "$WORK/k.wav" --uri $F --state-in "$WORK/state" --set gain=1 --quiet
check "... giving the unity-gain audio" same_file "$WORK/t.wav" "$WORK/k.wav"

"$HOST" process "$WORK/in.wav" "$WORK/x.wav" --state-in "$WORK/state" \
  >/dev/null 2>"$WORK/stderr"
check "state of another plugin is refused (exit 2)" test $? -eq 2
check "... in one line" test "$(wc -l <"$WORK/stderr")" -eq 1
finish

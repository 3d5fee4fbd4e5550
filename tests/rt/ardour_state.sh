#!/bin/bash
# The learned model, saved by Ardour in its session, comes back into new
# plugin instances when Ardour loads the session (see ardour_state.lua).
#
# 1. train:  a session with urn:failsafe:enhancer and its stereo variant
#            plays 12 s with their chaos control automated on and off, so
#            both plugins have incidents to learn from; Ardour saves the
#            snapshot "untrained" before that and the session after.
# 2. reload: a second ardour7-lua process loads the session (new plugin
#            instances, state restored by Ardour) and saves it again into a
#            fresh state directory.
#
# For each plugin, in Ardour's state files (plugins/<id>/state<N>/state.ttl,
# named by the snapshot's <lv2 state-dir=...>), the test checks that
#   - the trained session holds a model (urn:failsafe:model);
#   - it differs from the model the same instance saved untrained;
#   - the model the reloaded instance saves is byte-identical to it.
#
# Usage: ardour_state.sh ARDOUR_STATE_LUA
set -euo pipefail
lua=$1
if ! command -v ardour7-lua >/dev/null 2>&1; then
  echo "SKIP: ardour7-lua not installed (Debian package ardour)"
  exit 77
fi
for tool in base64 cmp; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not installed (coreutils, diffutils)"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Ardour keeps its configuration and caches under HOME; keep them out of
# the user's own.
export HOME="$work/home"
mkdir -p "$HOME"
# The plugin journals into the directory Ardour gives it in the session.
unset FAILSAFE_JOURNAL FAILSAFE_NO_JOURNAL

session=$work/session
. "$(dirname "$0")/ardour_verdict.sh"

# run_ardour MODE: one ardour7-lua process on the session.  The reload
# works on a copy, so that a retry starts from the session as trained.
# A run that dies of a signal is tried again (see ardour_verdict.sh).
run_ardour() {
  local mode=$1 dir log rc verdict attempt=1
  log=$work/ardour-$mode.log
  while :; do
    if [ "$mode" = train ]; then
      dir=$session
      rm -rf "$dir"
    else
      dir=$work/session-reloaded
      rm -rf "$dir"
      cp -a "$session" "$dir"
    fi
    rc=0
    env -u MALLOC_PERTURB_ timeout 240 stdbuf -oL ardour7-lua "$lua" "$dir" "$mode" \
      >"$log" 2>&1 || rc=$?
    verdict=0
    ardour_verdict "$rc" "$log" "$mode" "$attempt" || verdict=$?
    if [ $verdict -eq 0 ]; then
      grep -v 'encoder is not available\|call-slot\|call slot\|Reasonable Synth\|Butler drops\|^done$' "$log" |
        sed "s/^/     $mode: /"
      return 0
    fi
    [ $verdict -eq 2 ] || return 1
    attempt=$((attempt + 1))
  done
}

# state_dir SNAPSHOT URI: "<processor id> <state dir>" of the plugin URI in
# the snapshot file, as Ardour wrote them.
state_dir() {
  awk -v uri="$2" '
    /<Processor / && index($0, "unique-id=\"" uri "\"") {
      if (match($0, / id="[^"]*"/)) { id = substr($0, RSTART + 5, RLENGTH - 6); want = 1 }
      next
    }
    want && /<lv2 / {
      if (match($0, /state-dir="[^"]*"/)) print id, substr($0, RSTART + 11, RLENGTH - 12)
      exit
    }
    want && /<\/Processor>/ { exit }' "$1"
}

# extract_model STATE_TTL OUT: the urn:failsafe:model chunk, decoded from
# the base64 literal Ardour (through lilv) wrote.  Fails if there is none.
extract_model() {
  awk '/<urn:failsafe:model>/ { f = 1; sub(/.*"""/, "") }
    f { if (index($0, "\"\"\"")) { sub(/""".*/, ""); print; exit } print }' "$1" |
    base64 -d >"$2" 2>/dev/null && [ -s "$2" ]
}

# model SNAPSHOT URI OUT: the model the snapshot holds for URI, into OUT;
# prints "<state dir>" (relative to the session's plugins/ folder).
model() {
  local snapshot=$1 uri=$2 out=$3 where id dir
  [ -f "$snapshot" ] || { echo "no snapshot $(basename "$snapshot")"; return 1; }
  where=$(state_dir "$snapshot" "$uri")
  [ -n "$where" ] || { echo "no state-dir for $uri in $(basename "$snapshot")"; return 1; }
  read -r id dir <<<"$where"
  extract_model "$(dirname "$snapshot")/plugins/$id/$dir/state.ttl" "$out" ||
    { echo "no urn:failsafe:model in plugins/$id/$dir/state.ttl"; return 1; }
  echo "$id/$dir"
}

run_ardour train || exit 1
run_ardour reload || exit 1

status=0
fail() { echo "FAIL: $*"; status=1; }
reloaded=$work/session-reloaded
for uri in urn:failsafe:enhancer urn:failsafe:enhancer:stereo; do
  m=$work/model-${uri##*:}
  if ! untrained_at=$(model "$session/untrained.ardour" "$uri" "$m.untrained"); then
    fail "$uri: the untrained snapshot: $untrained_at"; continue
  fi
  if ! trained_at=$(model "$session/failsafe.ardour" "$uri" "$m.trained"); then
    fail "$uri: the trained session: $trained_at"; continue
  fi
  if ! reloaded_at=$(model "$reloaded/reloaded.ardour" "$uri" "$m.reloaded"); then
    fail "$uri: the reloaded session: $reloaded_at"; continue
  fi
  size=$(wc -c <"$m.trained")
  id=${trained_at%%/*}
  onsets=$(cat "$session/plugins/$id"/*/journal*.jsonl 2>/dev/null | grep -c '"kind":"onset"' || true)
  echo "     $uri: untrained plugins/$untrained_at, trained plugins/$trained_at ($size bytes, $onsets incidents in its journal), reloaded plugins/$reloaded_at"
  if cmp -s "$m.untrained" "$m.trained"; then
    fail "$uri: the model after playing with chaos is the untrained one: nothing was learned or saved"
    continue
  fi
  echo "ok: $uri: Ardour saved a learned model ($(cmp -l "$m.untrained" "$m.trained" | wc -l) bytes differ from the untrained one)"
  if [ "$reloaded_at" = "$trained_at" ]; then
    fail "$uri: the reloaded snapshot reuses plugins/$trained_at: Ardour did not save the new instance's state"
  elif cmp -s "$m.trained" "$m.reloaded"; then
    echo "ok: $uri: after reloading the session, the new instance saves the same model, byte for byte"
  elif cmp -s "$m.untrained" "$m.reloaded"; then
    fail "$uri: after reloading the session, the new instance saves the untrained model: the saved model was not restored"
  else
    fail "$uri: after reloading the session, the new instance saves another model ($(cmp -l "$m.trained" "$m.reloaded" | wc -l) bytes differ)"
  fi
done
exit $status

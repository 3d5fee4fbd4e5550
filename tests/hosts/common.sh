# common.sh: shared by the failsafe-host test scripts (sourced, POSIX sh).
# Each script gets HOST (failsafe-host), GEN (fs-gen-signal) and a work
# directory of its own, and reports in TAP with the plan at the end.

HOST=$1
GEN=$2
WORK=$3
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1

tap_count=0
tap_failed=0

ok() {
  tap_count=$((tap_count + 1))
  echo "ok $tap_count - $*"
}

not_ok() {
  tap_count=$((tap_count + 1))
  tap_failed=$((tap_failed + 1))
  echo "not ok $tap_count - $*"
}

# check DESCRIPTION COMMAND...: one test point from a command's status.
check() {
  desc=$1
  shift
  if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# run_host ARGS...: failsafe-host with stdout/stderr kept in $WORK; a
# failure is echoed as a TAP comment so the log shows why.
run_host() {
  "$HOST" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  status=$?
  if [ $status -ne 0 ]; then
    echo "# failsafe-host $* -> exit $status"
    sed 's/^/#   /' "$WORK/stderr"
  fi
  return $status
}

# json_number FILE KEY: the first "KEY":NUMBER in a compact JSON file.
json_number() {
  sed -n "s/.*\"$2\":\(-\{0,1\}[0-9][0-9.eE+-]*\).*/\1/p" "$1" | head -n 1
}

# json_first_number FILE KEY: like json_number but the first occurrence
# (sed's greedy .* would otherwise find the last one).
json_first_number() {
  tr ',{' '\n\n' <"$1" | sed -n "s/^\"$2\":\(-\{0,1\}[0-9][0-9.eE+-]*\).*/\1/p" |
    head -n 1
}

same_file() { cmp -s "$1" "$2"; }

finish() {
  echo "1..$tap_count"
  [ $tap_failed -eq 0 ]
}

# refused_by TOOL OUTFILE DESCRIPTION ARGS...: one test point that $HOST
# refuses ARGS the way every refusal must look: one stderr line "TOOL: ...",
# exit status 2, never a crash, and OUTFILE not left behind.
refused_by() {
  tool=$1
  outfile=$2
  desc=$3
  shift 3
  rm -f "$outfile"
  "$HOST" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  status=$?
  lines=$(wc -l <"$WORK/stderr")
  if [ $status -eq 2 ] && [ "$lines" -eq 1 ] &&
     grep -q "^$tool: " "$WORK/stderr" && [ ! -e "$outfile" ]; then
    ok "$desc: $(cat "$WORK/stderr")"
  else
    not_ok "$desc (exit $status, $lines stderr lines)"
    sed 's/^/#   /' "$WORK/stderr"
  fi
}

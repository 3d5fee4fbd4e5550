# The progress bar of failsafe-host process: shown only on a terminal, for
# files longer than 5 s, without --quiet; redrawn at most ~10 times a
# second; finished with a newline.  A pseudo-terminal comes from
# util-linux's script(1).
# usage: progress.sh HOST GEN WORKDIR   (GEN: fs-ux-long-signal)
. "$(dirname "$0")/../hosts/common.sh"

"$GEN" "$WORK/long.wav" 120 22050 || exit 1
"$GEN" "$WORK/short.wav" 3 48000 || exit 1
has_bar() { grep -q 'real time' "$1"; }
no_bar() { ! grep -q 'real time' "$1" && ! grep -q "$(printf '\r')" "$1"; }

# Not a terminal: stderr stays clean.
check "long file, stderr to a file" \
  run_host process "$WORK/long.wav" "$WORK/o.wav"
check "... no progress bar" no_bar "$WORK/stderr"
check "... the summary still on stdout" grep -q 'blocks of' "$WORK/stdout"

# On a terminal.  Only stderr reaches the terminal: stdout goes to a file.
on_tty() {
  out=$1
  shift
  script -qec "$* >'$WORK/tty_stdout'" /dev/null >"$out" 2>&1
}
if command -v script >/dev/null 2>&1; then
  start=$(date +%s.%N)
  check "long file on a terminal" \
    on_tty "$WORK/tty_bar" "'$HOST' process '$WORK/long.wav' '$WORK/o.wav'"
  elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  check "... shows the bar with throughput" has_bar "$WORK/tty_bar"
  check "... reaches 100 %" grep -q '100%' "$WORK/tty_bar"
  # The last thing on the terminal is the finished bar and a newline
  # (the terminal turns \n into \r\n).
  ends_with_newline() { test "$(tail -c 2 "$1" | od -An -tx1 | tr -d ' ')" = 0d0a; }
  check "... ends with a newline" ends_with_newline "$WORK/tty_bar"
  redraws=$(tr -cd '\r' <"$WORK/tty_bar" | wc -c)
  # \r of each redraw, plus the terminal's \r before the final \n.
  limit=$(awk -v e="$elapsed" 'BEGIN { printf "%d", e * 10 + 3 }')
  check "... at most ~10 redraws a second ($redraws in ${elapsed} s)" \
    test "$redraws" -le "$limit"
  check "long file on a terminal with --quiet" \
    on_tty "$WORK/tty_quiet" "'$HOST' process '$WORK/long.wav' '$WORK/o.wav' --quiet"
  check "... no bar" no_bar "$WORK/tty_quiet"
  check "short file on a terminal" \
    on_tty "$WORK/tty_short" "'$HOST' process '$WORK/short.wav' '$WORK/o.wav'"
  check "... no bar" no_bar "$WORK/tty_short"
else
  ok "terminal checks # SKIP script(1) is not installed"
fi
finish

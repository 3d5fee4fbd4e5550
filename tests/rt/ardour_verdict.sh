# Sourced by the Ardour tests.  Ardour 7.3 headless now and then dies of
# a signal on its own (about one run in four with no plugin at all, more
# under MALLOC_PERTURB_, which the tests therefore unset), so a run that
# dies of a signal is tried again, up to three times, and every retry is
# reported; a plugin that crashes Ardour every time still fails.
#
# ardour_verdict RC LOG WHAT ATTEMPT: what to make of one ardour7-lua run
# that exited with RC and wrote LOG.
#   0: it finished (the script printed "done");
#   1: it failed for good (said, with the end of its log);
#   2: it died of a signal and may be tried again (said).
ardour_verdict() {
  if [ "$1" -eq 0 ] && grep -q '^done$' "$2"; then
    return 0
  fi
  if [ "$1" -lt 128 ] || [ "$4" -ge 3 ]; then
    echo "FAIL: ardour7-lua ($3) exited with $1 (attempt $4)"
    grep -v 'encoder is not available\|call-slot' "$2" | sed 's/^/     /' | tail -n 30
    return 1
  fi
  echo "note: ardour7-lua ($3) died with status $1 on attempt $4; trying again"
  return 2
}

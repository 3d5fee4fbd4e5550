# failsafe-host process --timeline: a valid SVG, under 1 MB for ten
# minutes of audio, with a marker per incident when --chaos injects faults,
# and the same audio as a run without it.  --chaos refuses bad schedules.
# usage: timeline.sh HOST GEN WORKDIR   (GEN: fs-ux-long-signal)
. "$(dirname "$0")/../hosts/common.sh"

if ! command -v xmllint >/dev/null 2>&1; then
  echo "1..0 # SKIP xmllint (Debian package libxml2-utils) is not installed"
  exit 0
fi

valid_svg() { xmllint --noout "$1"; }
size_under() { test "$(wc -c <"$1")" -lt "$2"; }
markers() { grep -o '<g class="incident">' "$1" | wc -l; }

# Ten minutes at the plugin's lowest rate: long, and still fast to render.
"$GEN" "$WORK/long.wav" 600 22050 || exit 1
SVG=$WORK/long.svg
check "ten minutes with --timeline and --chaos" \
  run_host process "$WORK/long.wav" "$WORK/long_out.wav" --quiet \
  --timeline "$SVG" --chaos runaway@60-70,nan@200-201,clip@300-330 \
  --json "$WORK/long.json"
check "the SVG is well-formed XML" valid_svg "$SVG"
check "the SVG is under 1 MB ($(wc -c <"$SVG") bytes)" size_under "$SVG" 1048576
check "it is an SVG document" grep -q '<svg xmlns="http://www.w3.org/2000/svg"' "$SVG"
check "at least 3 incident markers ($(markers "$SVG"))" \
  test "$(markers "$SVG")" -ge 3
check "markers are labelled with a cause" \
  grep -Eq '>(runaway gain|state corrupt|output clipping)<' "$SVG"
check "the three chaos windows are drawn" \
  test "$(grep -c 'class="chaos"' "$SVG")" -eq 3
check "the tier band has a light stretch" grep -q '<title>light</title>' "$SVG"
check "a legend and a time axis" grep -q '>time (s)<' "$SVG"
check "the JSON names the timeline" grep -q "\"timeline\":\"$SVG\"" "$WORK/long.json"
check "the JSON keeps the schedule" \
  grep -q '"chaos_schedule":"2@60-70,1@200-201,5@300-330"' "$WORK/long.json"

# Without faults: a clean run draws no incident.
"$GEN" "$WORK/short.wav" 3 48000 || exit 1
check "short run with --timeline" \
  run_host process "$WORK/short.wav" "$WORK/short_tl.wav" --quiet \
  --timeline "$WORK/short.svg"
check "... valid" valid_svg "$WORK/short.svg"
check "... no incident marker" test "$(markers "$WORK/short.svg")" -eq 0
check "... the tier is full throughout" \
  test "$(grep -c '<title>full</title>' "$WORK/short.svg")" -eq 1
# The timeline cuts blocks into 10 ms run() calls; the plugin's output is
# block-invariant, so the audio must not change.
check "same run without --timeline" \
  run_host process "$WORK/short.wav" "$WORK/short.wav.out.wav" --quiet
check "... gives the same audio" same_file "$WORK/short_tl.wav" \
  "$WORK/short.wav.out.wav"
check "random blocks with --timeline" \
  run_host process "$WORK/short.wav" "$WORK/short_rb.wav" --quiet \
  --random-blocks 3000 --seed 4 --timeline "$WORK/short_rb.svg"
check "... gives the same audio too" same_file "$WORK/short_tl.wav" \
  "$WORK/short_rb.wav"

"$GEN" "$WORK/stereo.wav" 3 44100 2 || exit 1
check "stereo with --timeline and --chaos" \
  run_host process "$WORK/stereo.wav" "$WORK/stereo_out.wav" --quiet \
  --timeline "$WORK/stereo.svg" --chaos nan@1-1.5
check "... valid" valid_svg "$WORK/stereo.svg"
check "... with an incident marker" test "$(markers "$WORK/stereo.svg")" -ge 1

# A path that cannot be written fails the run, with status 2.
run_host process "$WORK/short.wav" "$WORK/x.wav" --quiet \
  --timeline "$WORK/no/such/dir/t.svg"
check "unwritable timeline: exit 2" test $? -eq 2

for schedule in 2@5-1 x@1-2 2@1 2@-1-2 2@1-2, ,2@1-2 2@1-nan 2@1-2x 2@@1-2; do
  run_host process "$WORK/short.wav" "$WORK/x.wav" --chaos "$schedule" \
    2>/dev/null
  check "--chaos '$schedule' refused with 2" test $? -eq 2
done
check "--chaos with names and numbers" \
  run_host process "$WORK/short.wav" "$WORK/x.wav" --quiet \
  --chaos off@0-1,6@1-1.5 --chaos musical@2-2.5
finish

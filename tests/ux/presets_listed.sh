# lv2info, the reference lilv tool, lists the four factory presets of each
# plugin by name: what any lilv host (jalv's `presets` command, Ardour's
# preset menu) will offer.
# usage: presets_listed.sh   (LV2_PATH must find the bundle)
count=0
failed=0
check() {
  count=$((count + 1))
  if [ "$1" = ok ]; then echo "ok $count - $2"; else
    failed=$((failed + 1)); echo "not ok $count - $2"; fi
}

for uri in urn:failsafe:enhancer urn:failsafe:enhancer:stereo; do
  # The Presets: block runs from its heading to the next blank line.
  listed=$(lv2info "$uri" 2>&1 | sed -n '/Presets:/,/^[[:space:]]*$/p')
  for label in "Broadcast voice" "Podcast gentle" "Live strong" "Safety only"; do
    if printf '%s\n' "$listed" | grep -q "^[[:space:]]*$label\$"; then
      check ok "$uri lists '$label'"
    else
      check fail "$uri lists '$label'"
      printf '%s\n' "$listed" | sed 's/^/# /'
    fi
  done
  n=$(printf '%s\n' "$listed" | sed '1d;/^[[:space:]]*$/d' | wc -l)
  if [ "$n" -eq 4 ]; then check ok "$uri has exactly 4 presets"
  else check fail "$uri has exactly 4 presets (found $n)"; fi
done
echo "1..$count"
[ $failed -eq 0 ]

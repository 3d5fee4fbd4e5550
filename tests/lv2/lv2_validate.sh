#!/bin/sh
# lv2_validate on the built bundle's Turtle: no error or warning lines.
bundle="$1"
out=$(lv2_validate "$bundle"/*.ttl 2>&1)
status=$?
printf '%s\n' "$out"
if [ $status -ne 0 ] || printf '%s' "$out" | grep -qE '^(error|warning):'; then
  echo "lv2_validate found problems" >&2
  exit 1
fi

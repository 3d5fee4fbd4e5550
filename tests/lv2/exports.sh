#!/bin/sh
# The plugin binary exports lv2_descriptor and nothing else, so it can never
# clash with the host's or another plugin's symbols.
so="$1/failsafe.so"
symbols=$(nm -D --defined-only "$so" | awk '{print $3}' | sort -u)
echo "exported: $symbols"
[ "$symbols" = "lv2_descriptor" ]

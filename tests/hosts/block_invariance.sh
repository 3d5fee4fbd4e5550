# Block-size invariance: the same input must give byte-identical output
# whatever the block lengths, in place or not, worker thread or not.
# usage: block_invariance.sh HOST GEN WORKDIR CHANNELS
. "$(dirname "$0")/common.sh"
CHANNELS=$4

"$GEN" speech "$WORK/in.wav" --seconds 4 --channels "$CHANNELS" --seed 7 || exit 1
check "reference render (--block 1024)" \
  run_host process "$WORK/in.wav" "$WORK/ref.wav" --quiet

n=0
for variant in "--block 1" "--block 37" "--block 256" "--block 4096" \
               "--random-blocks 8192 --seed 1" "--random-blocks 8192 --seed 2" \
               "--random-blocks 8192 --seed 3" "--in-place" \
               "--in-place --random-blocks 999 --seed 4" "--sync-worker"; do
  n=$((n + 1))
  # shellcheck disable=SC2086 # the variant is a list of words
  if run_host process "$WORK/in.wav" "$WORK/v$n.wav" --quiet $variant &&
     same_file "$WORK/ref.wav" "$WORK/v$n.wav"; then
    ok "$CHANNELS ch: $variant matches --block 1024"
  else
    not_ok "$CHANNELS ch: $variant differs from --block 1024"
    cmp "$WORK/ref.wav" "$WORK/v$n.wav" 2>&1 | sed 's/^/# /'
  fi
done
finish

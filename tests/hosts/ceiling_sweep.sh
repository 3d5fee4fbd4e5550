# The output ceiling holds exactly: on hot material no output sample is
# strictly above 10^(ceiling/20), for every whole-dB ceiling, mono and
# stereo.  (The host counts with no tolerance, in double precision.)
# usage: ceiling_sweep.sh HOST GEN WORKDIR
. "$(dirname "$0")/common.sh"

"$GEN" speech "$WORK/hot1.wav" --seconds 3 --gain 4 || exit 1
"$GEN" speech "$WORK/hot2.wav" --seconds 3 --gain 4 --channels 2 || exit 1

for channels in 1 2; do
  for ceiling in 0 -1 -2 -3 -4 -5 -6 -7 -8 -9 -10 -11 -12; do
    J=$WORK/c$channels$ceiling.json
    if run_host process "$WORK/hot$channels.wav" "$WORK/out.wav" \
         --set ceiling=$ceiling --json "$J"; then
      over=$(json_number "$J" over_ceiling_samples)
      nonfinite=$(json_number "$J" nonfinite_samples)
      if [ "$over" = 0 ] && [ "$nonfinite" = 0 ]; then
        ok "$channels ch, ceiling $ceiling dBFS holds"
      else
        not_ok "$channels ch, ceiling $ceiling dBFS: $over samples over, $nonfinite non-finite"
      fi
    else
      not_ok "$channels ch, ceiling $ceiling dBFS: run failed"
    fi
  done
done
finish

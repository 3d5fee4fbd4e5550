# A stream that opens with digital silence (PipeWire's first quanta, a
# muted microphone): the noise after it is turned down from the first half
# second on, through the plugin and the offline host, at every tier's
# default settings.  The output is latency-aligned by the host.
# usage: after_silence.sh HOST GEN WORKDIR [URI [CHANNELS]]
. "$(dirname "$0")/common.sh"
URI=${4:-urn:failsafe:enhancer}
CHANNELS=${5:-1}

for lead in 0.05 1; do
  "$GEN" noise "$WORK/lead$lead.wav" --seconds 4 --lead "$lead" --channels "$CHANNELS" || exit 1
  check "render after $lead s of silence" run_host process "$WORK/lead$lead.wav" \
    "$WORK/out$lead.wav" --uri "$URI" --set reduction=15
  settled=$("$GEN" window-db "$WORK/lead$lead.wav" "$WORK/out$lead.wav" 3 1)
  early=$("$GEN" window-db "$WORK/lead$lead.wav" "$WORK/out$lead.wav" "$(awk -v l="$lead" 'BEGIN { print l + 0.5 }')" 0.5)
  echo "# after $lead s of silence: ${early} dB from 0.5 s to 1 s of noise, settled ${settled} dB"
  check "noise turned down from half a second on ($lead s lead)" \
    awk -v e="$early" -v s="$settled" 'BEGIN { exit !(e ~ /[0-9]/ && s ~ /[0-9]/ && e < -6 && e < s + 1) }'
done
finish

#!/usr/bin/env bash
# The hand-made pipeline voicecoach is measured against: what a user might script with
# espeak-ng's own command line and sox. One espeak-ng run per spoken cue, one sox run per
# gap of silence, and one sox run to join everything.
#
# usage: baseline.sh CUES.tsv SOUNDS_DIR OUT.wav
#   CUES.tsv: one cue a line: GAP_SECONDS <tab> speech|chime <tab> TEXT_OR_CHIME_NAME
#             (GAP_SECONDS: silence before the cue); a last line "TAIL_SECONDS <tab> end"
set -euo pipefail

cues=$1
sounds=$2
out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

parts=()
n=0
while IFS=$'\t' read -r gap kind what; do
    n=$((n + 1))
    if [[ $gap != 0 && $gap != 0.000000 ]]; then
        sox -n -r 22050 -c 1 -b 16 "$work/gap$n.wav" trim 0 "$gap"
        parts+=("$work/gap$n.wav")
    fi
    case $kind in
        speech)
            espeak-ng -w "$work/say$n.wav" "$what"
            parts+=("$work/say$n.wav")
            ;;
        chime)
            parts+=("$sounds/$what.wav")
            ;;
    esac
done < "$cues"

sox "${parts[@]}" -r 22050 -c 1 -b 16 "$out"

#!/usr/bin/env bash
# The hand-made pipeline the neural voice is measured against: the `piper` command, one
# process and one model load for every spoken cue of the cue script (without noise, as
# voicecoach speaks), then sox joining the clips, the silences between them and the chimes.
#
# usage: piper_baseline.sh PIPER MODEL CUES.tsv SOUNDS_DIR OUT.wav (PIPER: the piper command)
#   CUES.tsv: as bench/baseline.sh reads it (GAP_SECONDS <tab> speech|chime <tab> TEXT_OR_NAME)
set -euo pipefail

piper=$1
model=$2
cues=$3
sounds=$4
out=$5
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every spoken cue, in order, one a line: piper writes one file a line, named by the time it
# was made, so the names sort in the order of the lines.
awk -F'\t' '$2 == "speech" { print $3 }' "$cues" > "$work/phrases.txt"
mkdir "$work/said"
"$piper" -m "$model" -d "$work/said" --noise-scale 0 --noise-w-scale 0 -i "$work/phrases.txt" \
    2> "$work/piper.log"
mapfile -t said < <(ls "$work/said" | sort)
[[ ${#said[@]} == $(wc -l < "$work/phrases.txt") ]] || { cat "$work/piper.log" >&2; exit 1; }

parts=()
n=0
spoken=0
while IFS=$'\t' read -r gap kind what; do
    n=$((n + 1))
    if [[ $gap != 0 && $gap != 0.000000 ]]; then
        sox -n -r 22050 -c 1 -b 16 "$work/gap$n.wav" trim 0 "$gap"
        parts+=("$work/gap$n.wav")
    fi
    case $kind in
        speech)
            parts+=("$work/said/${said[$spoken]}")
            spoken=$((spoken + 1))
            ;;
        chime)
            parts+=("$sounds/$what.wav")
            ;;
    esac
done < "$cues"

sox "${parts[@]}" -r 22050 -c 1 -b 16 "$out"

# SPDX-License-Identifier: MIT
# Sourced by the side-by-side bench scripts (script.sh, pty.sh): interleaved rounds
# and their statistics. The caller defines `cases` ("name|unit|args"), `peers`,
# `run PEER ARGS...` (prints one figure, or fails) and `out` (a scratch directory).

# Every case for every peer, round after round: $out/CASE.PEER holds one figure per
# line ("failed" for a run that failed), $out/CASE.PEER.err what the runs said.
run_rounds() {
  local rounds=$1 r i p v name unit args
  for r in $(seq 1 "$rounds"); do
    echo "round $r/$rounds" >&2
    for i in "${!cases[@]}"; do
      IFS='|' read -r name unit args <<<"${cases[$i]}"
      for p in "${peers[@]}"; do
        v=$(run "$p" $args 2>>"$out/$i.$p.err") || v=failed
        echo "$v" >>"$out/$i.$p"
      done
    done
  done
}

ok() { grep -v failed "$1" || true; }
fails() { grep -c failed "$1" || true; }
median() { ok "$1" | sort -g | awk '{v[NR]=$1} END{if(!NR)print "-"; else print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
# "median (min–max)", or "failed".
spread() {
  local m; m=$(median "$1")
  [ "$m" = - ] && { echo "failed"; return; }
  echo "$m ($(ok "$1" | sort -g | head -1)–$(ok "$1" | sort -g | tail -1))"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a=="-"||b=="-"||b==0) print "-"; else printf "%.2f×", a/b }'; }

# The before / now / variant table of a build compared with an earlier one
# (diagnostics.sh, resources.sh): `chain_table A B C` prints, for each case, the
# three peers' spreads and the ratios B/A and C/B, after the header row.
chain_table() {
  local a=$1 b=$2 c=$3 i name unit args
  echo "| measure | unit | $a | $b | $c | $b / $a | $c / $b |"
  echo "|---|---|---|---|---|---|---|"
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit args <<<"${cases[$i]}"
    echo "| $name | $unit | $(spread "$out/$i.$a") | $(spread "$out/$i.$b") | $(spread "$out/$i.$c") |" \
         "$(ratio "$(median "$out/$i.$b")" "$(median "$out/$i.$a")") |" \
         "$(ratio "$(median "$out/$i.$c")" "$(median "$out/$i.$b")") |"
  done
}

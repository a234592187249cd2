#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scripting side by side: childproc's script layer, the raw C floor, execa 9, zx 8 and
# Python's subprocess, in interleaved rounds, as medians with (min–max) and ratios.
#   bash bench/script.sh [ROUNDS]     (default 5)
# execa and zx come from npm into build/bench/npm: the bench needs them, nothing else does.
# Writes bench/script-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
# shellcheck source=bench/build.sh
. bench/build.sh
# shellcheck source=bench/rounds.sh
. bench/rounds.sh
bench_build bench_script
npm=$build/npm
[ -d "$npm/node_modules/execa" ] && [ -d "$npm/node_modules/zx" ] ||
  npm install --prefix "$npm" --no-audit --no-fund --silent execa@9 zx@8 >/dev/null
cp bench/script_bench.mjs "$npm/script_bench.mjs"  # so that its imports resolve in $npm
cp_=$build/bench/bench_script
js="node $npm/script_bench.mjs"
py="python3 bench/script_bench.py"
out=$(mktemp -d)

# name | unit | args
cases=(
  "a command's text (echo hi), per command|µs|text 200"
  "head -c 100 MiB, tr, wc -c: three stages|ms|pipeline 104857600"
  "lines of seq 1 2000000 while it runs|ms|lines 2000000"
)
peers=(floor cp execa zx python)
run() {
  case $1 in
    floor) $cp_ floor $2 $3 ;;
    cp) $cp_ cp $2 $3 ;;
    execa | zx) $js "$1" $2 $3 ;;
    python) $py $2 $3 ;;
  esac
}

run_rounds "$rounds"

{
  echo "Medians of $rounds interleaved rounds on $(nproc) CPUs, $(date -u +%Y-%m-%d), with (min–max); lower is better."
  echo "Node $(node --version), execa $(node -p "require('./$npm/node_modules/execa/package.json').version"),"
  echo "zx $(node -p "require('./$npm/node_modules/zx/package.json').version"), $(python3 --version)."
  echo
  echo "| measure | unit | raw C floor | childproc | execa | zx | Python subprocess | childproc / floor | best peer / childproc |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit args <<<"${cases[$i]}"
    c=$(median "$out/$i.cp")
    best=$(for p in execa zx python; do median "$out/$i.$p"; done | { grep -v '^-$' || true; } | sort -g | head -1)
    echo "| $name | $unit | $(spread "$out/$i.floor") | $(spread "$out/$i.cp") | $(spread "$out/$i.execa") |" \
         "$(spread "$out/$i.zx") | $(spread "$out/$i.python") | $(ratio "$c" "$(median "$out/$i.floor")") | $(ratio "$best" "$c") |"
  done
  echo
  echo "The floor is posix_spawn, a pipe and read(); its pipeline is the same three stages joined by sh."
  echo "childproc and zx (through bash) join the stages with kernel pipes; execa's .pipe() passes every"
  echo "byte through Node, and needs {buffer: false} on the first two stages: without it execa keeps"
  echo "each stage's 100 MiB too and Node dies with \"Fatal JavaScript invalid size error\"."
} >bench/script-results.md
cat bench/script-results.md

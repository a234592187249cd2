#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Terminals side by side: childproc's Pty, the raw C floor, node-pty and Python's pty
# module, in interleaved rounds, as medians with (min–max) and ratios.
#   bash bench/pty.sh [ROUNDS]     (default 5)
# node-pty comes from npm into build/bench/npm: the bench needs it, nothing else does.
# Writes bench/pty-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
# shellcheck source=bench/build.sh
. bench/build.sh
# shellcheck source=bench/rounds.sh
. bench/rounds.sh
bench_build bench_pty
npm=$build/npm
if ! (cd "$npm" 2>/dev/null && node -e "require('node-pty')" 2>/dev/null); then
  mkdir -p "$npm"
  npm install --prefix "$npm" --no-audit --no-fund --silent node-pty@1 >/dev/null
  # npm 11 runs a package's install script only once approved; older npm ran it already.
  (cd "$npm" && { npm install-scripts approve node-pty >/dev/null 2>&1 || true; } &&
    npm rebuild node-pty --prefix . >/dev/null)
fi
cp bench/pty_bench.mjs "$npm/pty_bench.mjs"  # so that its import resolves in $npm
cp_=$build/bench/bench_pty
out=$(mktemp -d)

# name | unit | args
cases=(
  "start \`true\` on a new terminal and wait for its end, per program|µs|spawn 200"
  "head -c 100 MiB read through a terminal|ms|throughput 104857600"
)
peers=(floor cp nodepty python)
run() {
  case $1 in
    floor | cp) $cp_ "$1" $2 $3 ;;
    nodepty) node "$npm/pty_bench.mjs" $2 $3 ;;
    python) python3 bench/pty_bench.py $2 $3 ;;
  esac
}

run_rounds "$rounds"
# A run that delivered too few bytes failed: say how often.
spread_lost() {
  local f; f=$(fails "$1")
  if [ "$f" -gt 0 ]; then echo "$(spread "$1"), lost bytes in $f of $rounds runs"; else spread "$1"; fi
}

{
  echo "Medians of $rounds interleaved rounds on $(nproc) CPUs, $(date -u +%Y-%m-%d), with (min–max); lower is better."
  echo "Node $(node --version), node-pty $(node -p "require('./$npm/node_modules/node-pty/package.json').version"),"
  echo "$(python3 --version). A run that delivered fewer bytes than were written counts as failed."
  echo
  echo "| measure | unit | raw C floor | childproc | node-pty | Python pty | childproc / floor | best peer / childproc |"
  echo "|---|---|---|---|---|---|---|---|"
  for i in "${!cases[@]}"; do
    IFS='|' read -r name unit args <<<"${cases[$i]}"
    c=$(median "$out/$i.cp")
    best=$(for p in nodepty python; do median "$out/$i.$p"; done | { grep -v '^-$' || true; } | sort -g | head -1)
    echo "| $name | $unit | $(spread_lost "$out/$i.floor") | $(spread_lost "$out/$i.cp") | $(spread_lost "$out/$i.nodepty") |" \
         "$(spread_lost "$out/$i.python") | $(ratio "$c" "$(median "$out/$i.floor")") | $(ratio "$best" "$c") |"
  done
  echo
  echo "The floor is posix_openpt, posix_spawn (SETSID, the slave opened as fd 0) and a blocking"
  echo "read() until EIO. childproc and Python read until EIO too; node-pty has no event after"
  echo "the last byte, so its run ends at onExit, and whatever arrives later is lost."
  for p in nodepty python cp; do
    [ -s "$out/1.$p.err" ] && echo "" && echo "$p, 100 MiB: $(sort "$out/1.$p.err" | uniq -c | head -3 | tr '\n' ';')"
  done
} >bench/pty-results.md
cat bench/pty-results.md

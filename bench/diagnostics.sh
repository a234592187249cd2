#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the diagnostics channels cost: the spawn and IPC rows of run.sh for the build
# before the channels existed, for this one with nobody subscribed (they should match),
# and for this one with a timeline Recording alive (CP_BENCH_TRACE=1, as --trace=html),
# in interleaved rounds, as medians with (min–max).
#   bash bench/diagnostics.sh [ROUNDS] [BASE_COMMIT]   (defaults: 5, the commit before the channels)
# Writes bench/diagnostics-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
base=${2:-e8ab6f6}
# shellcheck source=bench/build.sh
. bench/build.sh
# shellcheck source=bench/rounds.sh
. bench/rounds.sh
bench_build bench_childproc
now_=$PWD/$build/bench/bench_childproc
before=$(bench_build_at "$base" base)
out=$(mktemp -d)

# name | unit | args
cases=(
  "spawn \`true\` and wait for its exit, per child|µs|spawn 0 300"
  "32 children in flight|children/s|inflight 600"
  "IPC round trip, small, C++⇄C++|µs|ipc-rt 20000"
  "IPC one-way small messages|msg/s|ipc-oneway 200000"
  "IPC one-way 64 KiB messages|msg/s|ipc-big 20000"
)
peers=(before off on)
run() {
  local peer=$1
  shift
  case $peer in
    before) $before "$@" ;;
    off) $now_ "$@" ;;
    on) CP_BENCH_TRACE=1 $now_ "$@" ;;
  esac
}

run_rounds "$rounds"
{
  echo "Medians of $rounds interleaved rounds on $(nproc) CPUs, $(date -u +%Y-%m-%d), with (min–max)."
  echo "before: $base, the build before the diagnostics channels; off: this build, nobody subscribed;"
  echo "on: this build with a timeline Recording subscribed to every channel."
  echo
  chain_table before off on
} >bench/diagnostics-results.md
cat bench/diagnostics-results.md

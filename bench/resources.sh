#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What limits and rusage cost: the spawn rows of run.sh for the build before them,
# for this one (every child's rusage read at its reaping, through waitid's fifth
# argument), and for this one with a limit on every child (CP_BENCH_LIMITS=1: the
# vfork backend, which runs setrlimit in the child), in interleaved rounds, as
# medians with (min–max).
#   bash bench/resources.sh [ROUNDS] [BASE_COMMIT]   (defaults: 5, the commit before them)
# Writes bench/resources-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
base=${2:-d9708b1}
# shellcheck source=bench/build.sh
. bench/build.sh
# shellcheck source=bench/rounds.sh
. bench/rounds.sh
bench_build bench_childproc
now_=$PWD/$build/bench/bench_childproc
before=$(bench_build_at "$base" resources-base)
out=$(mktemp -d)

# name | unit | args
cases=(
  "spawn \`true\` and wait for its exit, per child|µs|spawn 0 300"
  "spawn with 1 GiB resident, per child|µs|spawn 1024 100"
  "32 children in flight|children/s|inflight 600"
)
peers=(before now limits)
run() {
  local peer=$1
  shift
  case $peer in
    before) $before "$@" ;;
    now) $now_ "$@" ;;
    limits) CP_BENCH_LIMITS=1 $now_ "$@" ;;
  esac
}

run_rounds "$rounds"
{
  echo "Medians of $rounds interleaved rounds on $(nproc) CPUs, $(date -u +%Y-%m-%d), with (min–max)."
  echo "before: $base, the build before limits and rusage; now: this build (rusage read at every reaping);"
  echo "limits: this build with \`limits = {nofile 1024}\` on every child (the vfork backend)."
  echo
  chain_table before now limits
} >bench/resources-results.md
cat bench/resources-results.md

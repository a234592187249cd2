#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rolling reloads under load: examples/cluster_http with 2 workers, loaded by wrk
# on loopback while a SIGHUP replaces every worker once a second; wrk's request
# count, socket errors and non-2xx answers, per policy. Zero errors is the claim.
#   bash bench/reload.sh [SECONDS]    (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
build=build/bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHILDPROC_BUILD_BENCH=ON -DCHILDPROC_BUILD_TESTS=OFF \
      -DCHILDPROC_BUILD_EXAMPLES=OFF -DCHILDPROC_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_cluster_http >/dev/null
out=$(mktemp -d)

# One policy, one load: "requests errors reloads" on stdout.
measure() {
  local policy=$1; shift
  local log=$out/log
  "$build/bench/bench_cluster_http" --workers 2 --port 0 --policy "$policy" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q "listening on port" "$log" && break; sleep 0.05; done
  local port
  port=$(grep -m1 -o "listening on port [0-9]*" "$log" | awk '{print $4}')
  wrk -t1 -d"${secs}s" "$@" "http://127.0.0.1:$port/" >"$out/wrk" &
  local load=$!
  for _ in $(seq 1 $((secs - 1))); do sleep 1; kill -HUP "$pid"; done
  wait "$load"
  kill -TERM "$pid"; wait "$pid" || true
  local requests errors reloads
  requests=$(awk '/requests in/{print $1}' "$out/wrk")
  errors=$(awk '/Socket errors/{gsub(",", ""); s=$4+$6+$8+$10} /Non-2xx/{s+=$NF} END{print s+0}' "$out/wrk")
  reloads=$(grep -c "^reloaded" "$log" || true)
  echo "$requests $errors $reloads"
}

{
  echo
  echo "Rolling reload under load: cluster_http, 2 workers, wrk -t1 for ${secs} s on loopback, SIGHUP every second:"
  echo
  echo "| policy | load | requests | errors (socket errors + non-2xx) | reloads completed |"
  echo "|---|---|---|---|---|"
  for policy in rr none reuseport; do
    read -r req err rel < <(measure "$policy" -c64)
    echo "| $policy | keep-alive, 64 connections | $req | $err | $rel |"
    read -r req err rel < <(measure "$policy" -c16 -H "Connection: close")
    echo "| $policy | a new connection per request, 16 at a time | $req | $err | $rel |"
  done
} | tee "$out/table"
cat "$out/table" >>bench/results.md

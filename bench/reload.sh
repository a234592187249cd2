#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rolling reloads under load: examples/cluster_http with 2 workers, loaded by wrk
# on loopback while a SIGHUP replaces every worker once a second; wrk's request
# count, socket errors and non-2xx answers, per policy. Zero errors is the claim.
#   bash bench/reload.sh [SECONDS]    (needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
# shellcheck source=bench/cluster_common.sh
. bench/cluster_common.sh

# One policy, one load: "requests errors reloads" on stdout.
measure() {
  local policy=$1; shift
  local log=$out/log
  start_primary "$log" "$build/bench/bench_cluster_http" --workers 2 --port 0 --policy "$policy"
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

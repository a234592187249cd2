#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Requests/s of a 2-worker HTTP cluster: examples/cluster_http against Node's
# cluster doing the same (http module, and the same minimal responder on net),
# driven by wrk on loopback in interleaved rounds; medians and ratios.
#   bash bench/cluster.sh [ROUNDS] [SECONDS]    (run.sh calls it; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
secs=${2:-5}
# shellcheck source=bench/cluster_common.sh
. bench/cluster_common.sh

# Start a primary, wait for its port, load it with wrk twice (keep-alive, then a new
# connection per request: the primary's accept and hand-off path), stop it gracefully.
# Appends one line to $out/NAME.keep and one to $out/NAME.close.
measure() {
  local name=$1; shift
  start_primary "$out/log" "$@"
  wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/{print $2}' >>"$out/$name.keep"
  wrk -t1 -c16 -d"${secs}s" -H "Connection: close" "http://127.0.0.1:$port/" | awk '/Requests\/sec/{print $2}' >>"$out/$name.close"
  kill -TERM "$pid"; wait "$pid" || true
}

for r in $(seq 1 "$rounds"); do
  echo "cluster round $r/$rounds" >&2
  measure cp.rr "$build/bench/bench_cluster_http" --workers 2 --port 0 --policy rr
  measure node.http node bench/node_cluster_http.js 2 http
  measure node.net node bench/node_cluster_http.js 2 net
  measure cp.none "$build/bench/bench_cluster_http" --workers 2 --port 0 --policy none
  measure cp.reuseport "$build/bench/bench_cluster_http" --workers 2 --port 0 --policy reuseport
done

median() { sort -g "$1" | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
spread() { sort -g "$1" | awk 'NR==1{lo=$1} {hi=$1} END{printf "%.0f–%.0f", lo, hi}'; }
cell() { echo "$(median "$1" | awk '{printf "%.0f", $1}') ($(spread "$1"))"; }
# The ratio of medians, and its spread: worst round against best and the reverse.
ratio() {
  awk -v a="$(median "$1")" -v b="$(median "$2")" -v alo="$(sort -g "$1" | head -1)" -v ahi="$(sort -g "$1" | tail -1)" \
      -v blo="$(sort -g "$2" | head -1)" -v bhi="$(sort -g "$2" | tail -1)" \
      'BEGIN{printf "%.2f× (%.2f–%.2f)", a/b, alo/bhi, ahi/blo}'
}
row() {
  local what=$1 kind=$2 p
  for p in rr none reuseport; do
    echo "| $what | childproc $p | $(cell "$out/cp.$p.$kind") | $(ratio "$out/cp.$p.$kind" "$out/node.http.$kind") | $(ratio "$out/cp.$p.$kind" "$out/node.net.$kind") |"
  done
  echo "| $what | Node cluster, http | $(cell "$out/node.http.$kind") | 1 | |"
  echo "| $what | Node cluster, same responder on net | $(cell "$out/node.net.$kind") | | 1 |"
}
{
  echo
  echo "HTTP cluster, 2 workers, wrk -t1 on loopback for ${secs} s, $rounds interleaved rounds: requests/s as median (min–max), higher is better; ratios of medians, in brackets worst to best round:"
  echo
  echo "| load | cluster | requests/s | vs Node http | vs Node net |"
  echo "|---|---|---|---|---|"
  row "keep-alive, 64 connections" keep
  row "a new connection per request, 16 at a time" close
} | tee "$out/table"
cat "$out/table" >>bench/results.md

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
build=build/bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHILDPROC_BUILD_BENCH=ON -DCHILDPROC_BUILD_TESTS=OFF \
      -DCHILDPROC_BUILD_EXAMPLES=OFF -DCHILDPROC_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_cluster_http >/dev/null
out=$(mktemp -d)

# Start a primary, wait for its port, load it with wrk twice (keep-alive, then a new
# connection per request: the primary's accept and hand-off path), stop it gracefully.
# Appends one line to $out/NAME.keep and one to $out/NAME.close.
measure() {
  local name=$1; shift
  local log=$out/log
  "$@" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do grep -q "listening on port" "$log" && break; sleep 0.05; done
  local port
  port=$(grep -m1 -o "listening on port [0-9]*" "$log" | awk '{print $4}')
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
done

median() { sort -g "$1" | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f×", a/b}'; }
row() {
  local what=$1 kind=$2
  local cp cpn nh nn
  cp=$(median "$out/cp.rr.$kind"); cpn=$(median "$out/cp.none.$kind"); nh=$(median "$out/node.http.$kind"); nn=$(median "$out/node.net.$kind")
  echo "| $what | $cp | $cpn | $nh | $nn | $(ratio "$cp" "$nh") better | $(ratio "$cp" "$nn") better |"
}
{
  echo
  echo "HTTP cluster, 2 workers, wrk -t1 on loopback for ${secs} s, medians of $rounds interleaved rounds (requests/s; higher is better):"
  echo
  echo "| load | childproc cluster (rr) | childproc cluster (none) | Node cluster, http | Node cluster, same responder on net | childproc rr vs Node http | childproc rr vs Node net |"
  echo "|---|---|---|---|---|---|---|"
  row "keep-alive, 64 connections" keep
  row "a new connection per request, 16 at a time" close
} | tee "$out/table"
cat "$out/table" >>bench/results.md

# SPDX-License-Identifier: MIT
# Sourced by bench/cluster.sh and bench/reload.sh: the Release build of the
# benchmark's cluster_http, and starting a primary until it listens.

build=build/bench
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHILDPROC_BUILD_BENCH=ON -DCHILDPROC_BUILD_TESTS=OFF \
      -DCHILDPROC_BUILD_EXAMPLES=OFF -DCHILDPROC_BUILD_TOOLS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target bench_cluster_http >/dev/null
out=$(mktemp -d)

# start_primary LOG CMD...: run CMD in the background with its output in LOG; sets
# $pid, and $port once the primary says it is listening.
start_primary() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "listening on port" "$log" && break; sleep 0.05; done
  port=$(grep -m1 -o "listening on port [0-9]*" "$log" | awk '{print $4}')
}

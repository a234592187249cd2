# SPDX-License-Identifier: MIT
# Sourced by bench/cluster.sh and bench/reload.sh: the Release build of the
# benchmark's cluster_http, and starting a primary until it listens.

# shellcheck source=bench/build.sh
. bench/build.sh
bench_build bench_cluster_http
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

# SPDX-License-Identifier: MIT
# Sourced by the bench scripts: the Release build they all measure, in build/bench.
#   bench_build [TARGET...]     (no target: everything)

build=build/bench
bench_build() {
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCHILDPROC_BUILD_BENCH=ON -DCHILDPROC_BUILD_TESTS=OFF \
        -DCHILDPROC_BUILD_EXAMPLES=OFF -DCHILDPROC_BUILD_TOOLS=OFF >/dev/null
  local targets=()
  for t in "$@"; do targets+=(--target "$t"); done
  cmake --build "$build" -j "$(nproc)" "${targets[@]}" >/dev/null
}

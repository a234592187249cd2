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

# bench_build_at COMMIT NAME: the same build of an earlier commit, in a worktree of
# its own (build/bench-NAME, not kept in the repository), kept between runs;
# prints its bench_childproc.
bench_build_at() {
  local dir=$PWD/build/bench-$2
  if [ ! -x "$dir/$build/bench/bench_childproc" ] || [ "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" != "$(git rev-parse "$1")" ]; then
    rm -rf "$dir"
    git worktree prune
    git worktree add -f --detach "$dir" "$1" >/dev/null
    (cd "$dir" && . bench/build.sh && bench_build bench_childproc)
  fi
  echo "$dir/$build/bench/bench_childproc"
}

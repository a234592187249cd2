#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's two commands, on a fresh Debian 12 machine as root:
#   bash tools/dev.sh tour    install what is missing, build, run the CLI's tour
#   bash tools/dev.sh test    install what is missing, build, run the whole test
#                             suite: the format check, the default build, then ASan+UBSan, then TSan,
#                             then 60 s of the IPC fuzzer (clang's libFuzzer), then
#                             a stranger's plain Release builds (GCC static, clang
#                             shared, no preset) with the install/consumer round trip;
#                             ends with each stage's verdict and wall time
# Also: bash tools/dev.sh bench (the side-by-side benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(g++ make cmake pkg-config libuv1-dev libcli11-dev help2man libgtest-dev libgmock-dev
          nlohmann-json3-dev libbenchmark-dev nodejs strace clang libclang-rt-14-dev clang-format python3 git
          chromium python3-pil)

install_missing() {
    local missing=()
    for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "==> installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
}

build() {  # build PRESET
    echo "==> building ($1)"
    cmake --preset "$1" >/dev/null && cmake --build --preset "$1" -j "$(nproc)"
}

# A stranger's build: no preset, no -Werror, everything the top level builds by
# default (tests included); then install, move the prefix, and build and run a
# consumer with find_package and with pkg-config (tests/consumer/run.cmake).
plain_build() {  # plain_build NAME C_COMPILER CXX_COMPILER SHARED
    local dir="build/plain-$1"
    echo "==> plain Release build ($1: $3, BUILD_SHARED_LIBS=$4)"
    # Called from an `if`, so set -e is off here: each step checks its own status.
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$2" -DCMAKE_CXX_COMPILER="$3" \
          -DBUILD_SHARED_LIBS="$4" >/dev/null || return 1
    if ! cmake --build "$dir" -j "$(nproc)" >"$dir/build.log" 2>&1; then
        tail -n 40 "$dir/build.log"
        return 1
    fi
    if grep -A3 'warning:' "$dir/build.log"; then
        echo "the plain $1 build has warnings"
        return 1
    fi
    cmake -DBINARY_DIR="$dir" -DWORK_DIR="$dir/consumer-work" -DCONSUMER_DIR=tests/consumer \
          -DLIBDIR=lib -DCXX="$3" -DWITH_CLI=ON -DWITH_MAN=ON -P tests/consumer/run.cmake
}

# The tree is formatted as .clang-format says (clang-format 14, Debian 12's).
format_check() {
    echo "==> format check (clang-format)"
    local unformatted
    unformatted=$(git ls-files '*.cpp' '*.hpp' '*.c' '*.h' | xargs clang-format --dry-run 2>&1 | grep 'warning:' | cut -d: -f1 | sort -u)
    if [ -n "$unformatted" ]; then
        echo "not formatted (clang-format -i FILE): $unformatted"
        return 1
    fi
}

# The presets retry a failed test once (a loaded machine can starve a timing
# test); every failed attempt is still named in the summary, so a flaky test
# is seen and fixed, not hidden. The CI log shows only its end: the names go there.
run_tests() {  # run_tests PRESET
    echo "==> testing ($1)"
    local log="build/$1/ctest.log" status name
    ctest --preset "$1" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    while read -r name; do
        failed_attempts+=("$(printf '  %-8s %s' "$1" "$name")")
    done < <(grep -E '\*\*\*(Failed|Timeout|Exception)|Subprocess aborted|\*\*\*Not Run' "$log" |
             sed -E 's/^.*Test +#[0-9]+: ([^ ]+) .*$/\1/' | sort -u)
    return "$status"
}

preset_suite() {  # preset_suite PRESET: build it, then run its tests
    build "$1" && run_tests "$1"
}

# libFuzzer on the IPC parser; a crash, leak or sanitizer report fails it.
fuzz_ipc() {
    build fuzz || return 1
    echo "==> fuzzing the IPC parser for ${FUZZ_SECONDS:-60} s (fuzz)"
    local work status
    work=$(mktemp -d)
    # pipefail: a crash, leak or sanitizer report (non-zero exit) fails the pipeline.
    ./build/fuzz/tests/fuzz/fuzz_ipc -max_total_time="${FUZZ_SECONDS:-60}" -rss_limit_mb=4096 \
        -print_final_stats=1 "$work" tests/fuzz/corpus 2>&1 | grep -E 'ERROR|SUMMARY|==[0-9]+==|stat::|Done'
    status=$?
    rm -rf "$work"
    return "$status"
}

# Each stage runs, is timed and counted, and the run goes on to the next: the
# summary at the end shows which stage failed and which one is slow.
passed=0 failed=0 summary=() failed_attempts=()
stage() {  # stage NAME COMMAND [ARGS...]
    local name=$1 start=$SECONDS verdict=passed
    shift
    # Called from an `if`, so set -e is off inside: each step checks its own status.
    if "$@"; then passed=$((passed + 1)); else verdict=FAILED failed=$((failed + 1)); fi
    summary+=("$(printf '  %-38s %-7s %6d s' "$name" "$verdict" $((SECONDS - start)))")
}

print_summary() {
    echo "==> summary (wall time per stage)"
    printf '%s\n' "${summary[@]}"
    printf '  %-38s %-7s %6d s\n' "all stages" "" "$SECONDS"
    echo "suites: $passed passed, $failed failed"
    if ((${#failed_attempts[@]})); then
        echo "tests with a failed attempt (a test that passed on its retry is flaky: fix it):"
        printf '%s\n' "${failed_attempts[@]}"
    fi
}

case "${1:-}" in
tour)
    install_missing
    build default
    ./build/default/tools/childproc tour
    ;;
test)
    install_missing
    SECONDS=0
    stage "format check" format_check
    for preset in default asan tsan; do
        stage "$preset (build + tests)" preset_suite "$preset"
    done
    stage "fuzz (build + ${FUZZ_SECONDS:-60} s)" fuzz_ipc
    for plain in "gcc-static gcc g++ OFF" "clang-shared clang clang++ ON"; do
        # shellcheck disable=SC2086
        stage "plain ${plain%% *} (build + consumer)" plain_build $plain
    done
    print_summary
    [ "$failed" -eq 0 ]
    ;;
bench)
    packages+=(gnuplot-nox wrk libboost1.81-dev libboost-filesystem1.81-dev)
    install_missing
    bash bench/run.sh "${2:-5}"
    bash bench/cluster.sh "${2:-5}"
    bash bench/reload.sh
    ;;
*)
    echo "usage: bash tools/dev.sh tour|test|bench [ROUNDS]" >&2
    exit 2
    ;;
esac

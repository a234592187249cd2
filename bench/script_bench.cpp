// SPDX-License-Identifier: MIT
// Scripting rows (bench/script.sh): childproc's script layer and the raw C floor
// under it, each printing one figure.
//   bench_script cp|floor text N         µs per `echo hi` run and its text taken
//   bench_script cp|floor pipeline BYTES  ms for head -c BYTES /dev/zero | tr '\0' a | wc -c
//   bench_script cp|floor lines N         ms to read `seq 1 N` line by line while it runs
// The floor is posix_spawn, pipe and read with nothing around them; its pipeline is
// the same three stages joined by sh.

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <childproc/script.hpp>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0, double unit) {
    return std::chrono::duration<double>(Clock::now() - t0).count() * unit;
}

// Spawn argv with stdout on a pipe; hand each chunk to fn; wait. The floor.
template <class Fn>
int floorRun(std::vector<const char*> argv, Fn&& fn) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    argv.push_back(nullptr);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &fa, nullptr, const_cast<char**>(argv.data()), environ) != 0) std::abort();
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    static char buf[65536];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) fn(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status;
    ::waitpid(pid, &status, 0);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: bench_script cp|floor text|pipeline|lines N\n");
        return 2;
    }
    const std::string who = argv[1], mode = argv[2];
    const long n = std::atol(argv[3]);
    const bool floor = who == "floor";
    using childproc::script::sh;
    auto t0 = Clock::now();
    if (mode == "text") {
        std::size_t total = 0;
        for (long i = 0; i < n; ++i) {
            if (floor) {
                std::string out;
                floorRun({"echo", "hi"}, [&](const char* d, std::size_t k) { out.append(d, k); });
                if (!out.empty() && out.back() == '\n') out.pop_back();
                total += out.size();
            } else {
                total += sh("echo hi").text().size();
            }
        }
        if (total != 2 * static_cast<std::size_t>(n)) return 1;
        std::printf("%.1f\n", since(t0, 1e6) / static_cast<double>(n));
    } else if (mode == "pipeline") {
        std::string out;
        if (floor) {
            std::string line = "head -c " + std::to_string(n) + " /dev/zero | tr '\\0' a | wc -c";
            floorRun({"sh", "-c", line.c_str()}, [&](const char* d, std::size_t k) { out.append(d, k); });
            if (!out.empty()) out.pop_back();
        } else {
            out = (sh("head -c {} /dev/zero", n) | sh("tr {} {}", "\\0", "a") | sh("wc -c")).text();
        }
        if (out != std::to_string(n)) return 1;
        std::printf("%.1f\n", since(t0, 1e3));
    } else if (mode == "lines") {
        long lines = 0;
        if (floor) {
            floorRun({"seq", "1", argv[3]}, [&](const char* d, std::size_t k) {
                for (const char* p = d; (p = static_cast<const char*>(std::memchr(p, '\n', k - (p - d)))); ++p) ++lines;
            });
        } else {
            for (const auto& line : sh("seq 1 {}", n).readLines()) lines += !line.empty();
        }
        if (lines != n) return 1;
        std::printf("%.1f\n", since(t0, 1e3));
    } else {
        return 2;
    }
    return 0;
}

// SPDX-License-Identifier: MIT
// Terminal rows (bench/pty.sh): childproc's Pty and the raw C floor under it, each
// printing one figure.
//   bench_pty cp|floor spawn N          µs per `true` started on a new terminal, until its end
//   bench_pty cp|floor throughput BYTES ms for head -c BYTES /dev/zero read through a terminal
// The floor is posix_openpt, posix_spawn (SETSID + the slave opened as fd 0) and a
// blocking read() until EIO, with nothing around them. A short read is "failed".

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <childproc/loop.hpp>
#include <childproc/pty.hpp>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0, double unit) {
    return std::chrono::duration<double>(Clock::now() - t0).count() * unit;
}

// One program on a new terminal, its output counted, waited for. The floor.
std::size_t floorRun(std::vector<const char*> argv) {
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char name[64];
    if (master < 0 || ::grantpt(master) || ::unlockpt(master) || ::ptsname_r(master, name, sizeof name)) std::abort();
    const int slave = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);  // held until the program has its own
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, name, O_RDWR, 0);
    posix_spawn_file_actions_adddup2(&fa, 0, 1);
    posix_spawn_file_actions_adddup2(&fa, 0, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
    argv.push_back(nullptr);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &fa, &attr, const_cast<char**>(argv.data()), environ) != 0) std::abort();
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(slave);
    static char buf[65536];
    std::size_t total = 0;
    for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) total += static_cast<std::size_t>(n);
    int status;
    ::waitpid(pid, &status, 0);
    ::close(master);
    return total;
}

std::size_t cpRun(const std::string& file, const std::vector<std::string>& args) {
    std::size_t total = 0;
    auto pty = childproc::Pty::spawn(file, args, {.encoding = childproc::Encoding::buffer});
    pty->onData([&](std::string_view d) { total += d.size(); });
    childproc::run();
    return total;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: bench_pty cp|floor spawn|throughput N\n");
        return 2;
    }
    const std::string who = argv[1], what = argv[2];
    const long n = std::atol(argv[3]);
    const bool cp = who == "cp";
    const auto t0 = Clock::now();
    if (what == "spawn") {
        for (long i = 0; i < n; ++i) cp ? cpRun("true", {}) : floorRun({"true"});
        std::printf("%.1f\n", since(t0, 1e6) / static_cast<double>(n));
        return 0;
    }
    const std::string bytes = std::to_string(n);
    const std::size_t got =
        cp ? cpRun("head", {"-c", bytes, "/dev/zero"}) : floorRun({"head", "-c", bytes.c_str(), "/dev/zero"});
    if (got != static_cast<std::size_t>(n)) {
        std::fprintf(stderr, "short: %zu of %ld bytes\n", got, n);
        std::puts("failed");
        return 1;
    }
    std::printf("%.1f\n", since(t0, 1e3));
}

// SPDX-License-Identifier: MIT
#pragma once
// What every test needs: the helper child's path, and a way to run the loop
// until a condition holds without hanging the suite.

#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>
#include <childproc/childproc.hpp>

namespace test {

inline const std::string kHelper = CP_HELPER_PATH;

// The code of the childproc::Error that fn throws, or "no exception".
template <class Fn>
std::string thrownCode(Fn&& fn) {
    try {
        fn();
    } catch (const childproc::Error& e) {
        return e.code;
    }
    return "no exception";
}

// A scratch file path of this test process alone: the suite runs once per
// backend, in parallel.
inline std::string tempPath(const std::string& name) {
    return ::testing::TempDir() + "/" + std::to_string(::getpid()) + "-" + name;
}

// A file's whole contents, bytes as they are ("" when it cannot be read).
inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// How long a wait may last before the test counts as hung. A guard against hangs,
// never a speed claim: a correct run ends far inside it on a machine many times
// slower than ours (one CPU, a sanitizer, a loaded host).
inline constexpr std::chrono::seconds kHangGuard{60};

// libuv's uv_spawn learns of a child's exit only from SIGCHLD, and gcc 12's
// ThreadSanitizer drops a signal that lands while its runtime is in its own code
// (strace of a hung run: SIGCHLD delivered during the runtime's mmap, TSan's
// handler returned, libuv's handler never wrote to its signal pipe; the child a
// zombie, the loop asleep in epoll_wait for good; ~3 % of CLI runs here). The
// pidfd backends need no signal: under TSan the suite runs on them alone (see
// CMakeLists.txt), and a test that asks for uv_spawn skips.
#if defined(__SANITIZE_THREAD__)
#define SKIP_UV_SPAWN_UNDER_TSAN() GTEST_SKIP() << "uv_spawn under TSan loses SIGCHLD (tests/support.hpp)"
#else
#define SKIP_UV_SPAWN_UNDER_TSAN() (void)0
#endif

// Both backends, less uv_spawn under TSan (above).
inline std::vector<childproc::Backend> backendsUnderTest() {
#if defined(__SANITIZE_THREAD__)
    return {childproc::Backend::posixSpawn};
#else
    return {childproc::Backend::uv, childproc::Backend::posixSpawn};
#endif
}

// Closes a timer that lives on the stack when its scope ends, also when run()
// throws, and lets the loop see the close.
struct ClosesTimer {
    uv_timer_t* t;
    ~ClosesTimer() {
        uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        uv_run(t->loop, UV_RUN_NOWAIT);
    }
};

// Runs the default loop to completion; fails the test as hung if it takes longer
// than `limit` (a hung child must not hang the suite).
inline void runLoop(std::chrono::milliseconds limit = kHangGuard, uv_loop_t* loop = nullptr) {
    if (!loop) loop = childproc::defaultLoop();
    uv_timer_t guard;
    uv_timer_init(loop, &guard);
    static bool expired;
    expired = false;
    uv_timer_start(
        &guard,
        [](uv_timer_t* t) {
            expired = true;
            uv_stop(t->loop);
        },
        static_cast<uint64_t>(limit.count()), 0);
    uv_unref(reinterpret_cast<uv_handle_t*>(&guard));
    {
        const ClosesTimer closer{&guard};
        childproc::run(loop);
    }
    ASSERT_FALSE(expired) << "hung: the loop did not finish within " << limit.count() << " ms";
}

// Connect to 127.0.0.1:port, read until the server closes, return what came.
// Blocking: call it from a thread other than the loop's when the loop serves it.
std::string tcpFetch(int port);
// A TCP socket on a free loopback port, bound and, if asked, listening: a port
// something else holds, or a socket to pass as an fd.
struct LoopbackSocket {
    explicit LoopbackSocket(bool listening);
    ~LoopbackSocket();
    LoopbackSocket(const LoopbackSocket&) = delete;
    LoopbackSocket& operator=(const LoopbackSocket&) = delete;
    int fd;
    int port = 0;
};

// The same over a Unix socket.
std::string unixFetch(const std::string& path);

// An HTTP/1.1 GET with "Connection: close" to 127.0.0.1:port; the whole response.
std::string httpGet(int port);

// Run the default loop until pred() holds; false if `limit` passed first (hung).
// For loops that never run dry (a cluster keeps its workers).
bool pumpUntil(const std::function<bool()>& pred, std::chrono::milliseconds limit = kHangGuard);

// How many fds this process has open.
int openFds();

// True once pid is dead: gone from /proc, or a zombie nobody reaped yet.
bool processGone(int pid);

// Poll until processGone(pid) or the limit passes.
bool waitGone(int pid, std::chrono::milliseconds limit = kHangGuard);

// Collects everything a child does, in order.
struct Recorder {
    std::vector<std::string> events;
    std::string out, err;
    std::optional<int> code;
    std::optional<std::string> signal;
    std::optional<childproc::Error> error;

    void attach(childproc::ChildProcess& c) {
        c.onSpawn([this] { events.push_back("spawn"); });
        c.onError([this](const childproc::Error& e) {
            events.push_back("error");
            error = e;
        });
        c.onExit([this](std::optional<int> cd, std::optional<std::string> sig) {
            events.push_back("exit");
            code = cd;
            signal = sig;
        });
        c.onClose([this](std::optional<int>, std::optional<std::string>) { events.push_back("close"); });
        if (auto* s = c.stdoutPipe()) s->onData([this](std::string_view d) { out += d; });
        if (auto* s = c.stderrPipe()) s->onData([this](std::string_view d) { err += d; });
    }
};

}  // namespace test

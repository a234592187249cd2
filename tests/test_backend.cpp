// SPDX-License-Identifier: MIT
// The launcher seam: which backend runs, and that the fast path really is the
// vfork-style clone and pidfd (strace shows the system calls).

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cstdlib>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

namespace {
std::string expectedDefault() {
    const char* v = std::getenv("CHILDPROC_BACKEND");
    return v && std::string_view(v) == "uv" ? "uv_spawn" : "posix_spawn";
}
}  // namespace

TEST(Backend, DefaultIsTheFastPathUnlessOverridden) {
    auto c = spawn(kHelper, {"exit", "0"});
    EXPECT_EQ(std::string(c->backend()), expectedDefault());
    test::runLoop();
}

TEST(Backend, OptionForcesEither) {
    SKIP_UV_SPAWN_UNDER_TSAN();
    SpawnOptions o;
    o.backend = Backend::uv;
    auto a = spawn(kHelper, {"exit", "1"}, o);
    o.backend = Backend::posixSpawn;
    auto b = spawn(kHelper, {"exit", "2"}, o);
    EXPECT_STREQ(a->backend(), "uv_spawn");
    EXPECT_STREQ(b->backend(), "posix_spawn");
    test::runLoop();
    EXPECT_EQ(a->exitCode(), 1);
    EXPECT_EQ(b->exitCode(), 2);
}

TEST(Backend, KillWithParentIsTheVforkBackendAndSaysSo) {
    SpawnOptions o;
    o.killWithParent = true;
    auto c = spawn(kHelper, {"exit", "3"}, o);
    EXPECT_STREQ(c->backend(), "vfork");
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 3);
}

TEST(Backend, UidFallsBackToUvSpawn) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    SKIP_UV_SPAWN_UNDER_TSAN();
    SpawnOptions o;
    o.uid = 0;
    auto c = spawn(kHelper, {"exit", "0"}, o);
    EXPECT_STREQ(c->backend(), "uv_spawn");
    test::runLoop();
}

TEST(Backend, FastPathIsVforkCloneWithPidfd) {
    if (std::system("command -v strace >/dev/null 2>&1") != 0) GTEST_SKIP() << "strace is not installed";
    std::string trace = test::tempPath("cp_backend.strace");
    // LeakSanitizer cannot run under ptrace; the other sanitizers still do.
    std::string cmd =
        "ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e "
        "trace=clone,clone3,fork,vfork,pidfd_open,pidfd_send_signal,waitid -o '" +
        trace + "' '" + std::string(CP_TOOL_PATH) + "' spawn --backend posix_spawn '" + kHelper +
        "' exit 0 >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::string t = test::slurp(trace);
    EXPECT_NE(t.find("CLONE_VM"), std::string::npos) << t;
    EXPECT_NE(t.find("CLONE_VFORK"), std::string::npos) << t;
    EXPECT_NE(t.find("pidfd_open("), std::string::npos) << t;
    EXPECT_NE(t.find("waitid(P_PIDFD"), std::string::npos) << t;
    EXPECT_EQ(t.find(" fork("), std::string::npos) << t;
}

TEST(Backend, HygieneHoldsForFdsOpenedWithoutCloexec) {
    // Other code's careless fd: opened without O_CLOEXEC. It must not reach the child.
    int fd = ::open("/dev/null", O_RDONLY);
    ASSERT_GE(fd, 3);
    for (Backend b : test::backendsUnderTest()) {
        SpawnOptions o;
        o.backend = b;
        std::string out;
        auto c = spawn(kHelper, {"fds"}, o);
        c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
        test::runLoop();
        EXPECT_EQ(out, "0\n1\n2\n") << c->backend();
    }
    // The vfork backend marks them close-on-exec rather than closing them.
    SpawnOptions o;
    o.killWithParent = true;
    std::string out;
    auto c = spawn(kHelper, {"fds"}, o);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(out, "0\n1\n2\n") << c->backend();
    EXPECT_STREQ(c->backend(), "vfork");
    ::close(fd);
}

TEST(Backend, NamedFdIsInheritedOnBothBackends) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    for (Backend b : test::backendsUnderTest()) {
        SpawnOptions o;
        o.backend = b;
        o.stdio = {StdioType::ignore, StdioType::pipe, StdioType::ignore, fds[1]};
        auto c = spawn(kHelper, {"fdout", "3", "via-3"}, o);
        test::runLoop();
        char buf[16] = {};
        ASSERT_EQ(::read(fds[0], buf, 5), 5);
        EXPECT_EQ(std::string(buf, 5), "via-3") << c->backend();
    }
    ::close(fds[0]);
    ::close(fds[1]);
}

// A parent holding many fds: posix_spawn would close each in every child while we
// wait, so the automatic choice takes the vfork backend, which marks them
// close-on-exec; still nothing but the slots reaches the child.
TEST(Backend, AParentWithThousandsOfFdsSpawnsThroughVfork) {
    if (!std::getenv("CHILDPROC_BACKEND") || std::string_view(std::getenv("CHILDPROC_BACKEND")) == "uv")
        GTEST_SKIP() << "the choice is the pidfd backends' (CHILDPROC_BACKEND=posix_spawn)";
    std::vector<int> held;
    for (int i = 0; i < 600; ++i) held.push_back(::open("/dev/null", O_RDONLY));  // without O_CLOEXEC
    const auto run = [] {
        std::string out;
        auto c = spawn(kHelper, {"fds"});
        c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
        test::runLoop();
        EXPECT_EQ(out, "0\n1\n2\n") << c->backend();
        return std::string(c->backend());
    };
    run();  // its pipes are numbered past 600: the next spawn knows
    EXPECT_EQ(run(), "vfork");
    for (int fd : held) ::close(fd);
    run();
    EXPECT_EQ(run(), "posix_spawn");  // a small table again
}

// The fds that live as long as a child (its pipes' ends here, its pidfd) are kept
// at 1024 and up when the fd limit allows, so that the low numbers stay free for
// the fds a spawn needs while it starts: those are all the vfork backend's child
// copies (next test).
TEST(Backend, TheFdsOfLiveChildrenAreKeptAboveTheLowNumbers) {
    if (!std::getenv("CHILDPROC_BACKEND") || std::string_view(std::getenv("CHILDPROC_BACKEND")) == "uv")
        GTEST_SKIP() << "the pidfd backends' (CHILDPROC_BACKEND=posix_spawn)";
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    if (lim.rlim_cur <= 2048) GTEST_SKIP() << "the fd limit (" << lim.rlim_cur << ") leaves no room above 1024";
    std::vector<std::shared_ptr<ChildProcess>> alive;
    SpawnOptions o;
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe};
    for (int i = 0; i < 100; ++i) alive.push_back(spawn(kHelper, {"sleep", "60000"}, o));  // 400 fds of ours
    const int next = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    EXPECT_LT(next, 100) << "the low numbers are taken by our children's fds";
    ::close(next);
    int high = 0;
    for (int fd = 1024; fd < 1024 + 1000; ++fd) high += ::fcntl(fd, F_GETFD) >= 0 ? 1 : 0;
    EXPECT_GE(high, 300);
    for (auto& c : alive) c->kill();
    test::runLoop();
    for (auto& c : alive) EXPECT_EQ(c->signalCode(), "SIGTERM");
}

// A supervisor of thousands: the vfork backend's child starts on our fd table and
// copies only the fds below the highest it needs (close_range's UNSHARE), rather
// than the kernel copying every fd we hold. Nothing of ours reaches it, and every
// fd of ours, low or high, careless (no O_CLOEXEC) or not, is still open after.
TEST(Backend, TheVforkChildTakesOnlyItsFdsAndLeavesOursAlone) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    std::vector<int> held;
    for (int i = 0; i < 300; ++i) held.push_back(::open("/dev/null", O_RDONLY));  // without O_CLOEXEC
    if (lim.rlim_cur > 2048)
        for (int i = 0; i < 300; ++i) held.push_back(::fcntl(held[static_cast<std::size_t>(i)], F_DUPFD, 1500));
    for (int i = 0; i < 20; ++i) {
        SpawnOptions o;
        o.killWithParent = true;  // the vfork backend
        o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::ipc};
        std::string out;
        auto c = spawn(kHelper, {"fds"}, o);
        c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
        test::runLoop();
        ASSERT_STREQ(c->backend(), "vfork");
        EXPECT_EQ(out, "0\n1\n2\n3\n");
        EXPECT_EQ(c->exitCode(), 0);
    }
    for (int fd : held) EXPECT_EQ(::fcntl(fd, F_GETFD), 0) << "fd " << fd << " of ours was closed or changed";
    for (int fd : held) ::close(fd);
}

TEST(Backend, TheVforkChildStartsOnOurFdTable) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    GTEST_SKIP() << "under a sanitizer the child is started by vfork() (vfork_launcher.cpp)";
#endif
    if (std::system("command -v strace >/dev/null 2>&1") != 0) GTEST_SKIP() << "strace is not installed";
    std::string trace = test::tempPath("cp_vfork.strace");
    std::string cmd = "strace -f -qq -e trace=clone,clone3,vfork,close_range,unshare -o '" + trace + "' '" +
                      std::string(CP_TOOL_PATH) + "' spawn --rlimit core=0 '" + kHelper + "' exit 0 >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const std::string t = test::slurp(trace);
    EXPECT_NE(t.find("CLONE_FILES"), std::string::npos) << t;
    EXPECT_NE(t.find("CLOSE_RANGE_UNSHARE) = 0"), std::string::npos) << t;
    EXPECT_EQ(t.find("unshare("), std::string::npos) << t;
}

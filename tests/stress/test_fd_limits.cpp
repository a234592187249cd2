// SPDX-License-Identifier: MIT
// Running out of file descriptors: RLIMIT_NOFILE lowered on purpose. Spawn
// reports EMFILE as an event and recovers; no loop at all is a clear error.
// (Own executable: UBSan needs an fd for its vptr check, see ../sanitizers/.)

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

namespace {

// The fd limit counts fd numbers, not open fds: with the limit at the lowest
// free number plus `spare`, exactly `spare` new fds can be made, whatever else
// the test runner left open above it.
class FdLimit {
public:
    explicit FdLimit(int spare) {
        ::getrlimit(RLIMIT_NOFILE, &saved_);
        const int lowest = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        ::close(lowest);
        rlimit low = saved_;
        low.rlim_cur = static_cast<rlim_t>(lowest + spare);
        ::setrlimit(RLIMIT_NOFILE, &low);
    }
    FdLimit(const FdLimit&) = delete;
    FdLimit& operator=(const FdLimit&) = delete;
    ~FdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

private:
    rlimit saved_{};
};

// UBSan's vptr check needs a pipe of its own: at the limit it would report our
// objects as corrupt. The plain and TSan builds run these tests.
#if defined(__SANITIZE_ADDRESS__)
#define SKIP_UNDER_UBSAN() GTEST_SKIP() << "UBSan needs fds of its own"
#else
#define SKIP_UNDER_UBSAN() (void)0
#endif

std::string spawnCode() {
    try {
        spawn(kHelper, {"exit", "0"});
    } catch (const Error& e) {
        return e.code + " " + std::to_string(e.errnum);
    }
    return "spawned";
}

}  // namespace

// These first tests need a process where no libuv loop exists yet: ctest runs
// each test in its own process.
TEST(FdLimits, NoFdsForTheDefaultLoopIsAClearError) {
    SKIP_UNDER_UBSAN();
    std::string code;
    {
        FdLimit limit(0);
        code = spawnCode();
    }
    EXPECT_EQ(code, "ERR_CHILDPROC_NO_LOOP " + std::to_string(UV_EMFILE));
}

// One free fd lets epoll_create succeed, but libuv's first loop also makes a
// process-wide pipe and abort()s when it cannot: we must refuse before that.
TEST(FdLimits, OneSpareFdIsAClearErrorNotAnAbort) {
    SKIP_UNDER_UBSAN();
    std::string code;
    {
        FdLimit limit(1);
        code = spawnCode();
    }
    EXPECT_EQ(code, "ERR_CHILDPROC_NO_LOOP " + std::to_string(UV_EMFILE));
    // With room again the default loop comes up and spawning works.
    test::Recorder r;
    auto c = spawn(kHelper, {"out", "1", "fine"});
    r.attach(*c);
    test::runLoop();
    EXPECT_EQ(r.out, "fine");
}

TEST(FdLimits, SpawnSyncWithoutFdsReportsEmfileInTheResult) {
    SKIP_UNDER_UBSAN();
    for (int spare : {0, 1}) {
        SpawnSyncResult res;
        {
            FdLimit limit(spare);
            res = spawnSync(kHelper, {"exit", "0"});
        }
        ASSERT_TRUE(res.error.has_value()) << spare;
        EXPECT_EQ(res.error->code, "EMFILE") << spare;
        EXPECT_EQ(res.error->syscall, "spawnSync " + std::string(kHelper)) << spare;
    }
    EXPECT_EQ(spawnSync(kHelper, {"exit", "3"}).status, 3);
}

TEST(FdLimits, EmfileIsAnErrorEventAndSpawningRecovers) {
    defaultLoop();  // as in any program that already runs: the loop exists
    test::Recorder r;
    ChildProcessPtr c;
    {
        FdLimit limit(2);  // not enough for three stdio pipes
        c = spawn(kHelper, {"exit", "0"});
        r.attach(*c);
        test::runLoop();
    }
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "EMFILE");
    EXPECT_EQ(r.events, (std::vector<std::string>{"error", "close"}));
    // Room again: spawning works.
    test::Recorder ok;
    auto c2 = spawn(kHelper, {"out", "1", "fine"});
    ok.attach(*c2);
    test::runLoop();
    EXPECT_EQ(ok.out, "fine");
}

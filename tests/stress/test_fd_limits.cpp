// Running out of file descriptors: RLIMIT_NOFILE lowered on purpose. Spawn
// reports EMFILE as an event and recovers; no loop at all is a clear error.
// (Own executable: UBSan needs an fd for its vptr check, see ../sanitizers/.)

#include <sys/resource.h>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

TEST(FdLimits, NoFdsForTheDefaultLoopIsAClearError) {
#if defined(__SANITIZE_ADDRESS__)
    // One spare fd is too few for UBSan's own checks, which need a pipe: it would
    // report our objects as corrupt. The plain and TSan builds run this test.
    GTEST_SKIP() << "UBSan needs fds of its own";
#endif
    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(test::openFds() + 1);
    ::setrlimit(RLIMIT_NOFILE, &low);
    std::string code;
    try {
        spawn(kHelper, {"exit", "0"});
    } catch (const Error& e) {
        code = e.code;
    }
    ::setrlimit(RLIMIT_NOFILE, &saved);
    // Either libuv had made its loop already (then EMFILE comes as an event) or it could not.
    if (!code.empty()) {
        EXPECT_EQ(code, "ERR_CHILDPROC_NO_LOOP");
    }
    test::runLoop();
}

TEST(FdLimits, EmfileIsAnErrorEventAndSpawningRecovers) {
    defaultLoop();  // as in any program that already runs: the loop exists
    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(test::openFds() + 2);  // not enough for three stdio pipes
    ::setrlimit(RLIMIT_NOFILE, &low);
    test::Recorder r;
    ChildProcessPtr c;
    try {
        c = spawn(kHelper, {"exit", "0"});
        r.attach(*c);
        test::runLoop();
    } catch (...) {
        ::setrlimit(RLIMIT_NOFILE, &saved);
        throw;
    }
    ::setrlimit(RLIMIT_NOFILE, &saved);
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


// SPDX-License-Identifier: MIT
// exit codes, signals, and the properties Node sets around them.

#include <sys/wait.h>
#include <cerrno>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

TEST(Exit, CodeIsReported) {
    test::Recorder r;
    auto c = spawn(kHelper, {"exit", "42"});
    r.attach(*c);
    test::runLoop();
    EXPECT_EQ(r.code, 42);
    EXPECT_EQ(r.signal, std::nullopt);
    EXPECT_EQ(c->exitCode(), 42);
    EXPECT_EQ(c->signalCode(), std::nullopt);
}

TEST(Exit, SignalIsReportedByName) {
    test::Recorder r;
    auto c = spawn(kHelper, {"raise", std::to_string(SIGSEGV)});
    r.attach(*c);
    test::runLoop();
    EXPECT_EQ(r.code, std::nullopt);
    EXPECT_EQ(r.signal, "SIGSEGV");
    EXPECT_EQ(c->signalCode(), "SIGSEGV");
    EXPECT_EQ(c->exitCode(), std::nullopt);
}

TEST(Exit, PropertiesBeforeAndAfter) {
    auto c = spawn(kHelper, {"exit", "0"});
    ASSERT_TRUE(c->pid().has_value());
    EXPECT_GT(*c->pid(), 0);
    EXPECT_EQ(c->exitCode(), std::nullopt);
    EXPECT_EQ(c->spawnfile(), kHelper);
    EXPECT_EQ(c->spawnargs(), (std::vector<std::string>{kHelper, "exit", "0"}));
    EXPECT_FALSE(c->killed());
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Exit, ChildOutlivesDroppedPointer) {
    // Dropping our reference must not cancel the child or its events.
    bool closed = false;
    {
        auto c = spawn(kHelper, {"sleep", "50"});
        c->onClose([&](auto, auto) { closed = true; });
    }
    test::runLoop();
    EXPECT_TRUE(closed);
}

TEST(Exit, EveryChildIsReaped) {
    std::vector<ChildProcessPtr> kids;
    for (int i = 0; i < 20; ++i) kids.push_back(spawn(kHelper, {"exit", std::to_string(i)}));
    test::runLoop();
    for (int i = 0; i < 20; ++i) {
        EXPECT_EQ(kids[i]->exitCode(), i);
        // Reaped: the pid is no longer a child of ours, not even a zombie.
        errno = 0;
        EXPECT_EQ(waitpid(*kids[i]->pid(), nullptr, WNOHANG), -1);
        EXPECT_EQ(errno, ECHILD);
    }
}

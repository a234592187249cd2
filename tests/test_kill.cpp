// SPDX-License-Identifier: MIT
// kill(), killed, timeout + killSignal, and the stop_token AbortSignal.

#include <thread>

#include "support.hpp"

using namespace childproc;
using test::kHelper;
using namespace std::chrono_literals;

TEST(Kill, DefaultIsSigterm) {
    test::Recorder r;
    auto c = spawn(kHelper, {"sleep", "10000"});
    r.attach(*c);
    c->onSpawn([&] { EXPECT_TRUE(c->kill()); });
    test::runLoop();
    EXPECT_EQ(r.signal, "SIGTERM");
    EXPECT_TRUE(c->killed());
}

TEST(Kill, ByNameAndNumber) {
    auto a = spawn(kHelper, {"sleep", "10000"});
    auto b = spawn(kHelper, {"sleep", "10000"});
    a->onSpawn([&] { a->kill("SIGKILL"); });
    b->onSpawn([&] { b->kill(SIGINT); });
    test::runLoop();
    EXPECT_EQ(a->signalCode(), "SIGKILL");
    EXPECT_EQ(b->signalCode(), "SIGINT");
}

TEST(Kill, UnknownSignalThrowsErrUnknownSignal) {
    auto c = spawn(kHelper, {"sleep", "10000"});
    try {
        c->kill("SIGFOO");
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_UNKNOWN_SIGNAL");
        EXPECT_STREQ(e.what(), "Unknown signal: SIGFOO");
    }
    c->kill();
    test::runLoop();
}

TEST(Kill, ZeroProbesAndSetsKilledLikeNode) {
    auto c = spawn(kHelper, {"sleep", "10000"});
    c->onSpawn([&] {
        EXPECT_TRUE(c->kill(0));
        EXPECT_TRUE(c->killed());  // Node sets killed for kill(0) too
        c->kill(SIGKILL);
    });
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGKILL");
}

TEST(Kill, AfterExitReturnsFalseAndSignalsNothing) {
    auto c = spawn(kHelper, {"exit", "0"});
    test::runLoop();
    EXPECT_FALSE(c->kill());
    EXPECT_FALSE(c->killed());
}

TEST(Kill, IgnoredSignalLeavesChildRunning) {
    auto c = spawn(kHelper, {"ignore", std::to_string(SIGTERM), "out", "1", "ready", "sleep", "300", "exit", "5"});
    // It says when its disposition is installed: a slow start must not let the signal in first.
    c->stdoutPipe()->onData([&](std::string_view) { EXPECT_TRUE(c->kill()); });
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 5);
    EXPECT_TRUE(c->killed());  // delivered, not fatal: Node's meaning of killed
}

TEST(Timeout, KillsWithKillSignalAndNoError) {
    test::Recorder r;
    SpawnOptions o;
    o.timeout = 100ms;
    auto c = spawn(kHelper, {"sleep", "10000"}, o);
    r.attach(*c);
    test::runLoop();
    EXPECT_EQ(r.signal, "SIGTERM");
    EXPECT_FALSE(r.error.has_value());
    EXPECT_TRUE(c->killed());
}

TEST(Timeout, CustomKillSignal) {
    SpawnOptions o;
    o.timeout = 100ms;
    o.killSignal = "SIGKILL";
    auto c = spawn(kHelper, {"ignore", std::to_string(SIGTERM), "sleep", "10000"}, o);
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGKILL");
}

TEST(Timeout, FastChildIsNotKilled) {
    SpawnOptions o;
    o.timeout = 10min;  // past the hang guard: a timer left running fails runLoop()
    auto c = spawn(kHelper, {"exit", "3"}, o);
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 3);
    EXPECT_FALSE(c->killed());
}

TEST(Timeout, UnknownKillSignalThrowsAtSpawn) {
    SpawnOptions o;
    EXPECT_THROW(o.killSignal = "SIGNOPE", Error);
}

TEST(Abort, StopTokenKillsAndEmitsAbortError) {
    std::stop_source src;
    SpawnOptions o;
    o.signal = src.get_token();
    test::Recorder r;
    auto c = spawn(kHelper, {"sleep", "10000"}, o);
    r.attach(*c);
    c->onSpawn([&] { src.request_stop(); });
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->name, "AbortError");
    EXPECT_EQ(r.error->code, "ABORT_ERR");
    EXPECT_STREQ(r.error->what(), "The operation was aborted");
    EXPECT_EQ(r.signal, "SIGTERM");
    EXPECT_EQ(r.events, (std::vector<std::string>{"spawn", "error", "exit", "close"}));
}

TEST(Abort, AlreadyStoppedTokenStillSpawnsThenKills) {
    std::stop_source src;
    src.request_stop();
    SpawnOptions o;
    o.signal = src.get_token();
    o.killSignal = SIGKILL;
    test::Recorder r;
    auto c = spawn(kHelper, {"sleep", "10000"}, o);
    r.attach(*c);
    EXPECT_TRUE(c->pid().has_value());
    test::runLoop();
    EXPECT_EQ(r.signal, "SIGKILL");
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ABORT_ERR");
}

TEST(Abort, StopFromAnotherThread) {
    std::stop_source src;
    SpawnOptions o;
    o.signal = src.get_token();
    auto c = spawn(kHelper, {"sleep", "10000"}, o);
    std::string code;
    c->onError([&](const Error& e) { code = e.code; });
    std::thread t([&] {
        std::this_thread::sleep_for(50ms);
        src.request_stop();
    });
    test::runLoop();
    t.join();
    EXPECT_EQ(c->signalCode(), "SIGTERM");
    EXPECT_EQ(code, "ABORT_ERR");
}

TEST(Abort, StopAfterExitDoesNothing) {
    std::stop_source src;
    SpawnOptions o;
    o.signal = src.get_token();
    test::Recorder r;
    auto c = spawn(kHelper, {"exit", "0"}, o);
    r.attach(*c);
    test::runLoop();
    src.request_stop();
    test::runLoop();
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.code, 0);
}

// SPDX-License-Identifier: MIT
// spawnSync(), execSync(), execFileSync(): Node's result and error shapes, limits,
// input, no deadlock, and several threads at once.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <atomic>
#include <thread>

#include "support.hpp"

using namespace childproc;
using test::kHelper;
using namespace std::chrono_literals;

TEST(SpawnSync, ResultShape) {
    auto r = spawnSync(kHelper, {"out", "1", "hi", "err", "1", "oops", "exit", "3"});
    EXPECT_GT(r.pid, 0);
    EXPECT_EQ(r.status, 3);
    EXPECT_EQ(r.signal, std::nullopt);
    EXPECT_FALSE(r.error.has_value());
    ASSERT_TRUE(r.output.has_value());
    ASSERT_EQ(r.output->size(), 3u);
    EXPECT_EQ((*r.output)[0], std::nullopt);
    EXPECT_EQ((*r.output)[1], "hi");
    EXPECT_EQ((*r.output)[2], "oops");
    EXPECT_EQ(r.stdoutData, "hi");
    EXPECT_EQ(r.stderrData, "oops");
}

TEST(SpawnSync, SignalledChild) {
    auto r = spawnSync(kHelper, {"raise", std::to_string(SIGKILL)});
    EXPECT_EQ(r.status, std::nullopt);
    EXPECT_EQ(r.signal, "SIGKILL");
}

TEST(SpawnSync, MissingProgramLikeNode) {
    auto r = spawnSync("no-such-program-xyz", {"a"});
    EXPECT_EQ(r.pid, 0);
    EXPECT_EQ(r.status, std::nullopt);
    EXPECT_EQ(r.output, std::nullopt);
    EXPECT_EQ(r.stdoutData, std::nullopt);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOENT");
    EXPECT_EQ(r.error->errnum, UV_ENOENT);
    EXPECT_EQ(r.error->syscall, "spawnSync no-such-program-xyz");
    EXPECT_EQ(r.error->path, "no-such-program-xyz");
    EXPECT_EQ(r.error->spawnargs, (std::vector<std::string>{"a"}));
    EXPECT_STREQ(r.error->what(), "spawnSync no-such-program-xyz ENOENT");
}

TEST(SpawnSync, MissingCwdNamed) {
    SpawnSyncOptions o;
    o.cwd = "/no/such/cwd";
    auto r = spawnSync(kHelper, {"cwd"}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOENT");
    EXPECT_EQ(r.error->path, "/no/such/cwd");
    EXPECT_EQ(r.error->syscall, "spawnSync " + kHelper);
}

// As Node 20: spawnSync('pwd', [], {cwd: ''}).error is "spawnSync pwd ENOENT", path 'pwd', pid 0.
TEST(SpawnSync, EmptyCwd) {
    SpawnSyncOptions o;
    o.cwd = "";
    auto r = spawnSync(kHelper, {"cwd"}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_STREQ(r.error->what(), ("spawnSync " + kHelper + " ENOENT").c_str());
    EXPECT_EQ(r.error->path, kHelper);
    EXPECT_EQ(r.pid, 0);
    SpawnSyncOptions eo;
    eo.cwd = "";
    EXPECT_EQ(test::thrownCode([&] { execSync("pwd", eo); }), "ENOENT");
}

TEST(SpawnSync, TimeoutIsEtimedout) {
    SpawnSyncOptions o;
    o.timeout = 100ms;
    auto r = spawnSync(kHelper, {"sleep", "10000"}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ETIMEDOUT");
    EXPECT_EQ(r.error->errnum, UV_ETIMEDOUT);
    EXPECT_EQ(r.error->syscall, "spawnSync " + kHelper);
    EXPECT_EQ(r.status, std::nullopt);
    EXPECT_EQ(r.signal, "SIGTERM");
}

TEST(SpawnSync, TimeoutBoundsTheCallEvenWhenAGrandchildHoldsStdout) {
    // sh forks the helper, which inherits stdout; Node closes the pipes on timeout.
    // The timeout only has to outlast an uninstrumented sh's fork and echo.
    SpawnSyncOptions o;
    o.timeout = 1000ms;
    o.shell = true;
    auto r = spawnSync("'" + kHelper + "' sleep 600000 & echo $!; wait; echo never", {}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ETIMEDOUT");
    const int grandchild = std::atoi(r.stdoutData.value_or("0").c_str());
    ASSERT_GT(grandchild, 0) << "sh never said its child's pid";
    EXPECT_FALSE(test::processGone(grandchild)) << "the call waited for the grandchild";
    ::kill(grandchild, SIGKILL);
}

TEST(SpawnSync, TimeoutWithCustomKillSignal) {
    SpawnSyncOptions o;
    o.timeout = 100ms;
    o.killSignal = SIGKILL;
    auto r = spawnSync(kHelper, {"ignore", std::to_string(SIGTERM), "sleep", "10000"}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ETIMEDOUT");
    EXPECT_EQ(r.signal, "SIGKILL");
}

TEST(SpawnSync, FastChildBeatsTimeout) {
    SpawnSyncOptions o;
    o.timeout = 5000ms;
    auto r = spawnSync(kHelper, {"exit", "0"}, o);
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.status, 0);
}

TEST(SpawnSync, MaxBufferIsEnobufsAndOutputIsNotTruncatedLikeNode) {
    SpawnSyncOptions o;
    o.maxBuffer = 1000;
    auto r = spawnSync(kHelper, {"spew", "1", "100000000"}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOBUFS");
    EXPECT_EQ(r.error->errnum, UV_ENOBUFS);
    ASSERT_TRUE(r.stdoutData.has_value());
    EXPECT_GT(r.stdoutData->size(), 1000u);           // Node keeps the chunk that crossed the limit
    EXPECT_LE(r.stdoutData->size(), 1000u + 65536u);  // one read at most
    EXPECT_EQ(r.signal, "SIGTERM");
}

TEST(SpawnSync, InputRoundTrip) {
    SpawnSyncOptions o;
    o.input = "hello through stdin";
    auto r = spawnSync(kHelper, {"echo"}, o);
    EXPECT_EQ(r.stdoutData, "hello through stdin");
}

TEST(SpawnSync, InputReplacesStdinSlot) {
    SpawnSyncOptions o;
    o.stdio = StdioType::ignore;
    o.input = "xyz";
    auto r = spawnSync(kHelper, {"count"}, o);
    EXPECT_EQ(r.status, 0);
    ASSERT_TRUE(r.output.has_value());
    EXPECT_EQ((*r.output)[1], std::nullopt);  // stdout ignored
}

TEST(SpawnSync, InputNobodyReadsIsNotAnError) {
    SpawnSyncOptions o;
    o.input = std::string(4 * 1024 * 1024, 'x');
    auto r = spawnSync(kHelper, {"exit", "0"}, o);
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.status, 0);
}

TEST(SpawnSync, NoDeadlockWithAllThreeStreamsBusy) {
    // The child blocks on whichever stream we neglect; 8 MiB each way.
    const std::size_t n = 8 * 1024 * 1024;
    SpawnSyncOptions o;
    o.input = std::string(n, 'i');
    o.maxBuffer = unlimited;
    auto r = spawnSync(kHelper, {"mix", std::to_string(n)}, o);
    ASSERT_FALSE(r.error.has_value()) << r.error->message();
    EXPECT_EQ(r.status, 0);
    ASSERT_TRUE(r.stdoutData && r.stderrData);
    EXPECT_EQ(r.stderrData->size(), n);
    EXPECT_EQ(r.stdoutData->size(), n + std::string("\nin=8388608\n").size());
    EXPECT_NE(r.stdoutData->find("in=8388608"), std::string::npos);
}

TEST(SpawnSync, IpcIsRefused) {
    SpawnSyncOptions o;
    o.stdio = StdioOption{StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::ipc};
    try {
        spawnSync(kHelper, {"exit", "0"}, o);
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_IPC_SYNC_FORK");
    }
}

TEST(SpawnSync, InvalidArgumentsStillThrow) { EXPECT_THROW(spawnSync(""), Error); }

TEST(SpawnSync, EncodingUtf8) {
    SpawnSyncOptions o;
    o.encoding = Encoding::utf8;
    auto r = spawnSync("printf", {"a\\377b"}, o);
    EXPECT_EQ(r.stdoutData,
              "a\xEF\xBF\xBD"
              "b");
    auto raw = spawnSync("printf", {"a\\377b"});
    EXPECT_EQ(raw.stdoutData,
              "a\xFF"
              "b");
}

TEST(SpawnSync, Argv0Honoured) {
    SpawnSyncOptions o;
    o.argv0 = "renamed";
    EXPECT_EQ(execFileSync(kHelper, {"argv"}, o), "renamed\nargv\n");
}

TEST(SpawnSync, ManyThreadsAtOnce) {
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 15; ++i) {
                SpawnSyncOptions o;
                o.input = "thread " + std::to_string(t) + " run " + std::to_string(i);
                auto r = spawnSync(kHelper, {"echo", "exit", std::to_string(i)}, o);
                if (r.stdoutData == *o.input && r.status == i) ++good;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(good.load(), 8 * 15);
}

TEST(ExecSync, ReturnsStdout) { EXPECT_EQ(execSync("echo hello"), "hello\n"); }

TEST(ExecSync, ThrowsWithNodesFields) {
    SpawnSyncOptions o;
    o.stdio = StdioType::pipe;  // keep stderr out of the test log
    try {
        execSync("echo out; echo err >&2; exit 4", o);
        FAIL() << "no exception";
    } catch (const ExecError& e) {
        EXPECT_STREQ(e.what(), "Command failed: echo out; echo err >&2; exit 4\nerr\n");
        EXPECT_EQ(e.status, 4);
        EXPECT_EQ(e.signal, std::nullopt);
        EXPECT_EQ(e.stdoutData, "out\n");
        EXPECT_EQ(e.stderrData, "err\n");
        ASSERT_TRUE(e.pid.has_value());
        EXPECT_GT(*e.pid, 0);
        ASSERT_EQ(e.output.size(), 3u);
        EXPECT_EQ(e.output[1], "out\n");
    }
}

TEST(ExecSync, ForwardsStderrWhenStdioIsNotGiven) {
    std::string path = test::tempPath("cp_execsync_stderr.txt");
    int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int saved = ::dup(2);
    ::dup2(file, 2);
    std::string out = execSync("echo to-out; echo to-err >&2");
    ::dup2(saved, 2);
    ::close(saved);
    ::close(file);
    EXPECT_EQ(out, "to-out\n");
    EXPECT_EQ(test::slurp(path), "to-err\n");
}

TEST(ExecSync, TimeoutThrowsEtimedout) {
    SpawnSyncOptions o;
    o.timeout = 100ms;
    try {
        execSync("sleep 10", o);
        FAIL() << "no exception";
    } catch (const ExecError& e) {
        EXPECT_EQ(e.code, "ETIMEDOUT");
        EXPECT_EQ(e.signal, "SIGTERM");
        EXPECT_EQ(e.status, std::nullopt);
    }
}

TEST(ExecFileSync, MissingProgramThrowsEnoent) {
    try {
        execFileSync("no-such-program-xyz");
        FAIL() << "no exception";
    } catch (const ExecError& e) {
        EXPECT_EQ(e.code, "ENOENT");
        EXPECT_STREQ(e.what(), "spawnSync no-such-program-xyz ENOENT");
        EXPECT_EQ(e.status, std::nullopt);
    }
}

TEST(ExecFileSync, MaxBufferThrowsEnobufs) {
    SpawnSyncOptions o;
    o.maxBuffer = 100;
    try {
        execFileSync(kHelper, {"spew", "1", "1000000"}, o);
        FAIL() << "no exception";
    } catch (const ExecError& e) {
        EXPECT_EQ(e.code, "ENOBUFS");
    }
}

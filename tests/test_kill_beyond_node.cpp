// SPDX-License-Identifier: MIT
// Kill semantics beyond Node: forceKillAfter, process-group kills, killWithParent.

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "support.hpp"

using namespace childproc;
using test::kHelper;
using namespace std::chrono_literals;

namespace {
const std::string kIpcChild = CP_IPC_CHILD_PATH;
const std::string kIgnoreTerm = std::to_string(SIGTERM);
}  // namespace

TEST(ForceKillAfter, EscalatesToSigkillWhenTheChildIgnoresTheSignal) {
    SpawnOptions o;
    o.forceKillAfter = 200ms;
    auto c = spawn(kHelper, {"ignore", kIgnoreTerm, "out", "1", "ready", "sleep", "10000"}, o);
    std::chrono::steady_clock::time_point killedAt;
    // It says when SIGTERM is ignored: a slow start must not let the signal in first.
    c->stdoutPipe()->onData([&](std::string_view) {
        killedAt = std::chrono::steady_clock::now();
        c->kill();
    });
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGKILL");
    // libuv times from the loop's clock, in whole ms read at the iteration's start:
    // the timer may fire up to 1 ms before 200 ms by steady_clock (199.79 ms seen).
    EXPECT_GE(std::chrono::steady_clock::now() - killedAt, 199ms);
}

TEST(ForceKillAfter, NotNeededWhenTheChildObeys) {
    SpawnOptions o;
    o.forceKillAfter = 100ms;
    auto c = spawn(kHelper, {"sleep", "10000"}, o);
    c->onSpawn([&] { c->kill(); });
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGTERM");
}

// The timeout's clock starts at spawn, before any child could say it is ready, so
// these kill with SIGWINCH: ignored by default from the first instant, however
// slowly the child starts.
TEST(ForceKillAfter, UsedByTimeout) {
    SpawnOptions o;
    o.timeout = 100ms;
    o.killSignal = "SIGWINCH";
    o.forceKillAfter = 100ms;
    auto c = spawn(kHelper, {"sleep", "10000"}, o);
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGKILL");
}

TEST(ForceKillAfter, UsedByExecTimeoutAndMaxBuffer) {
    ExecOptions o;
    o.timeout = 100ms;
    o.killSignal = "SIGWINCH";
    o.forceKillAfter = 100ms;
    std::optional<ExecError> err;
    execFile(kHelper, {"sleep", "10000"}, o, [&](const auto& e, const auto&, const auto&) { err = e; });
    test::runLoop();
    ASSERT_TRUE(err);
    EXPECT_EQ(err->signal, "SIGKILL");
    EXPECT_TRUE(err->killed);

    ExecOptions m;
    m.maxBuffer = 10;
    m.forceKillAfter = 100ms;
    std::optional<ExecError> err2;
    auto c = execFile(
        kHelper,
        {"ignore", kIgnoreTerm, "ignore", std::to_string(SIGPIPE), "out", "1", "0123456789abcdef", "sleep", "10000"}, m,
        [&](const auto& e, const auto&, const auto&) { err2 = e; });
    test::runLoop();
    ASSERT_TRUE(err2);
    EXPECT_EQ(err2->code, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER");
    EXPECT_EQ(c->signalCode(), "SIGKILL");
}

TEST(ForceKillAfter, UsedByAbort) {
    std::stop_source src;
    SpawnOptions o;
    o.signal = src.get_token();
    o.forceKillAfter = 100ms;
    auto c = spawn(kHelper, {"ignore", kIgnoreTerm, "out", "1", "ready", "sleep", "10000"}, o);
    c->stdoutPipe()->onData([&](std::string_view) { src.request_stop(); });
    c->onError([](const Error&) {});  // the AbortError
    test::runLoop();
    EXPECT_EQ(c->signalCode(), "SIGKILL");
}

TEST(ProcessGroup, KillsTheWholeGroupOfADetachedChild) {
    SpawnOptions o;
    o.detached = true;
    auto c = spawn("sh", {"-c", "sleep 30 & echo $!; sleep 30 & echo $!; wait"}, o);
    std::string out;
    std::vector<int> grandchildren;
    c->stdoutPipe()->onData([&](std::string_view d) {
        out += d;
        if (std::count(out.begin(), out.end(), '\n') == 2 && grandchildren.empty()) {
            int a = 0, b = 0;
            std::sscanf(out.c_str(), "%d %d", &a, &b);
            grandchildren = {a, b};
            EXPECT_TRUE(c->killProcessGroup());
        }
    });
    test::runLoop();
    ASSERT_EQ(grandchildren.size(), 2u);
    for (int pid : grandchildren) EXPECT_TRUE(test::waitGone(pid)) << pid;
    EXPECT_EQ(c->signalCode(), "SIGTERM");
}

TEST(ProcessGroup, RefusedForAChildInOurGroup) {
    auto c = spawn(kHelper, {"sleep", "10000"});
    try {
        c->killProcessGroup();
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_CHILD_NOT_DETACHED");
    }
    c->kill();
    test::runLoop();
}

TEST(ProcessGroup, FalseOnceReaped) {
    SpawnOptions o;
    o.detached = true;
    auto c = spawn(kHelper, {"exit", "0"}, o);
    test::runLoop();
    EXPECT_FALSE(c->killProcessGroup());
}

namespace {
// Fields of /proc/PID/stat after the command: pgrp is 5th, session 6th (1-based).
std::pair<int, int> groupAndSession(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string state;
    int ppid = 0, pgrp = 0, session = 0;
    rest >> state >> ppid >> pgrp >> session;
    return {pgrp, session};
}
}  // namespace

// Beyond Node: a shell's job, two children in one new group inside our session.
TEST(ProcessGroup, AChildLeadsANewGroupAndAnotherJoinsIt) {
    SpawnOptions first;
    first.processGroup = 0;
    auto a = spawn("sleep", {"30"}, first);
    SpawnOptions second;
    second.processGroup = *a->pid();
    auto b = spawn(kHelper, {"sleep", "30000"}, second);
    ASSERT_TRUE(a->pid() && b->pid());
    EXPECT_EQ(groupAndSession(*a->pid()), std::make_pair(*a->pid(), static_cast<int>(::getsid(0))));
    EXPECT_EQ(groupAndSession(*b->pid()), std::make_pair(*a->pid(), static_cast<int>(::getsid(0))));
    EXPECT_TRUE(b->killProcessGroup(SIGKILL));  // through either member
    test::runLoop();
    EXPECT_EQ(a->signalCode(), "SIGKILL");
    EXPECT_EQ(b->signalCode(), "SIGKILL");
}

TEST(ProcessGroup, ProcessGroupIsCheckedAndNeedsABackendThatCanSetIt) {
    SpawnOptions o;
    o.processGroup = 0;
    o.detached = true;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_INVALID_ARG_VALUE");
    o.detached = false;
    o.processGroup = -1;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_INVALID_ARG_VALUE");
    o.processGroup = 0;
    o.backend = Backend::uv;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_INVALID_ARG_VALUE");
}

namespace {
// The middle process starts `sleep 30` and dies at once; returns the sleeper's pid.
int orphanPid(bool killWithParent) {
    SpawnSyncOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::pipe, StdioType::inherit};
    auto r = spawnSync(kIpcChild, {"orphan-maker", killWithParent ? "with" : "without"}, o);
    EXPECT_EQ(r.status, 0);
    return std::atoi(r.stdoutData.value_or("0").c_str());
}
}  // namespace

TEST(KillWithParent, ChildDiesWhenItsParentDies) {
    int pid = orphanPid(true);
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(test::waitGone(pid)) << "pid " << pid << " outlived its parent";
}

TEST(KillWithParent, WithoutItTheChildLivesOn) {
    int pid = orphanPid(false);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(test::processGone(pid));
    ::kill(pid, SIGKILL);
}

TEST(KillWithParent, SpawnErrorsStillReported) {
    SpawnOptions o;
    o.killWithParent = true;
    test::Recorder r;
    auto c = spawn("no-such-program-xyz", {}, o);
    r.attach(*c);
    test::runLoop();
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, "ENOENT");

    o.cwd = "/no/such/dir";
    test::Recorder r2;
    auto c2 = spawn(kHelper, {"cwd"}, o);
    r2.attach(*c2);
    test::runLoop();
    ASSERT_TRUE(r2.error);
    EXPECT_EQ(r2.error->path, "/no/such/dir");
}

TEST(KillWithParent, ChildWorksNormally) {
    SpawnOptions o;
    o.killWithParent = true;
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::ignore, StdioType::ignore};
    std::string out;
    auto c = spawn(kHelper, {"echo", "fds"}, o);
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    c->stdinPipe()->end("through the vfork path\n");
    test::runLoop();
    EXPECT_EQ(out, "through the vfork path\n0\n1\n2\n");
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(KillWithParent, ManyStdioSlotsDoNotClobberTheErrorReport) {
    // Eight slots: the report pipe must sit above all of them, or a dup2 lands on it.
    SpawnOptions o;
    o.killWithParent = true;
    o.cwd = "/no/such/dir";
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::pipe,
               StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::pipe};
    test::Recorder r;
    auto c = spawn(kHelper, {"cwd"}, o);
    r.attach(*c);
    test::runLoop();
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, "ENOENT");
    EXPECT_EQ(r.error->path, "/no/such/dir");
}

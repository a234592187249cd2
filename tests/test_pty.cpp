// SPDX-License-Identifier: MIT
// Terminals: a program on a pty with it as its controlling terminal, nothing lost
// at exit, resize and SIGWINCH, ^C and ^D as a keyboard sends them, no master fd
// leaked, and expect() driving python3 -i.

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <csignal>
#include <deque>
#include <filesystem>
#include <regex>

#include "childproc/expect.hpp"
#include "childproc/pty.hpp"
#include "childproc/spawn.hpp"
#include "childproc/sync.hpp"
#include "support.hpp"

using namespace childproc;
using namespace std::chrono_literals;

namespace {

// Everything a terminal delivered, and how it ended.
struct Session {
    std::shared_ptr<Pty> pty;
    std::string out;
    std::vector<std::string> chunks;
    std::vector<std::string> events;
    std::optional<ExitStatus> exit, close;

    explicit Session(std::shared_ptr<Pty> p) : pty(std::move(p)) {
        pty->onData([this](std::string_view s) {
            out.append(s);
            chunks.emplace_back(s);
        });
        pty->onExit([this](const ExitStatus& s) {
            exit = s;
            events.push_back("exit");
        });
        pty->onClose([this](const ExitStatus& s) {
            close = s;
            events.push_back("close");
        });
    }
};

// Listeners hold the Session's address: it stays where it was made.
std::unique_ptr<Session> session(const std::string& file, const std::vector<std::string>& args, PtyOptions o = {}) {
    auto s = std::make_unique<Session>(Pty::spawn(file, args, o));
    test::runLoop();
    return s;
}

// fds of this process that point at the pty multiplexer.
int ptmxFds() {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        n += std::filesystem::read_symlink(e.path(), ec).string() == "/dev/ptmx";
    }
    return n;
}

}  // namespace

namespace childproc {
void PrintTo(const ExitStatus& s, std::ostream* os) {
    *os << "{code " << (s.code ? std::to_string(*s.code) : "null") << ", signal " << s.signal.value_or("null") << "}";
}
}  // namespace childproc

TEST(Pty, TheProgramRunsOnItsOwnTerminal) {
    auto s = session("tty", {});
    EXPECT_TRUE(std::regex_match(s->out, std::regex(R"(/dev/pts/\d+\r\n)"))) << s->out;
    EXPECT_EQ(s->out, s->pty->ptsName() + "\r\n");
    EXPECT_EQ(s->close, (ExitStatus{0, std::nullopt}));
}

TEST(Pty, StdinStdoutAndStderrAreTerminals) {
    auto s = session("python3", {"-c", "import os; print([os.isatty(i) for i in (0, 1, 2)])"});
    EXPECT_EQ(s->out, "[True, True, True]\r\n");
}

TEST(Pty, ItIsTheControllingTerminal) {
    // /dev/tty opens only for a process with a controlling terminal; the session
    // and its foreground group are the program's own.
    auto s = session("python3", {"-c",
                                 "import os; open('/dev/tty', 'w').write('tty ok\\n');"
                                 "print(os.getsid(0) == os.getpid(), os.tcgetpgrp(0) == os.getpgrp())"});
    EXPECT_EQ(s->out, "tty ok\r\nTrue True\r\n");
}

TEST(Pty, NewlinesComeBackAsCarriageReturnNewline) {
    auto s = session("printf", {"a\\nb\\n"});
    EXPECT_EQ(s->out, "a\r\nb\r\n");
}

TEST(Pty, SizeAndResizeReachTheProgram) {
    PtyOptions o;
    o.cols = 100;
    o.rows = 30;
    Expect e("sh", {"-c", "stty size; trap 'stty size; exit 0' WINCH; echo ready; while :; do sleep 0.05; done"}, o);
    auto size = e.expect(std::regex(R"((\d+ \d+)\r\n)"), 10s);
    ASSERT_TRUE(size) << e.buffer();
    EXPECT_EQ(size.groups.at(0), "30 100");
    ASSERT_TRUE(e.expect("ready\r\n", 10s));
    e.pty().resize(132, 43);
    EXPECT_EQ(e.pty().cols(), 132);
    EXPECT_EQ(e.pty().rows(), 43);
    auto r = e.expect("43 132\r\n", 10s);
    EXPECT_TRUE(r) << r.before;
    EXPECT_EQ(e.wait(), (ExitStatus{0, std::nullopt}));
}

TEST(Pty, ControlCIsSigintToTheForegroundJob) {
    auto pty = Pty::spawn("sleep", {"30"});
    Session s(pty);
    pty->write("\x03");
    test::runLoop(10s);
    EXPECT_EQ(s.close, (ExitStatus{std::nullopt, "SIGINT"}));
}

// GNU cat closes fds 0-2 before it exits: the master must stay open until the
// program is gone, or closing it hangs up the terminal and cat dies of SIGHUP.
TEST(Pty, ControlDEndsCat) {
    for (int i = 0; i < 50; ++i) {
        Expect cat("cat", {});
        cat.sendLine("hello");
        ASSERT_TRUE(cat.expect("hello\r\nhello\r\n", 10s)) << cat.buffer();  // the echo, then cat's copy
        cat.sendEof();
        ASSERT_EQ(cat.wait(), (ExitStatus{0, std::nullopt})) << "run " << i;
    }
}

TEST(Pty, NoOutputIsLostAtExit) {
    // More than the terminal buffers (4 KiB line discipline, 64 KiB pipe-like
    // buffer), written just before the program exits.
    constexpr int kRuns = 100, kBytes = 100'000;
    int wrong = 0;
    std::string firstWrong;
    for (int i = 0; i < kRuns; ++i) {
        auto s = session("sh", {"-c", "head -c 100000 /dev/zero | tr '\\0' x"});
        if (s->out.size() != kBytes || s->close != ExitStatus{0, std::nullopt}) {
            ++wrong;
            if (firstWrong.empty())
                firstWrong = std::to_string(s->out.size()) + " bytes, " + testing::PrintToString(*s->close) + " " +
                             testing::PrintToString(s->events);
        }
    }
    EXPECT_EQ(wrong, 0) << "first short run: " << firstWrong;
}

TEST(Pty, ExitComesBeforeCloseAndCloseAfterTheLastByte) {
    auto s = session("sh", {"-c", "echo last words; exit 3"});
    EXPECT_EQ(s->events, (std::vector<std::string>{"exit", "close"}));
    EXPECT_EQ(s->out, "last words\r\n");
    EXPECT_EQ(s->exit, (ExitStatus{3, std::nullopt}));
    EXPECT_EQ(s->close, s->exit);
}

TEST(Pty, ASignalDeathIsReportedAsTheSignalWithoutACode) {
    auto s = session("sh", {"-c", "kill -TERM $$"});
    EXPECT_EQ(s->close, (ExitStatus{std::nullopt, "SIGTERM"}));
}

TEST(Pty, KillSendsSighupByDefault) {
    auto pty = Pty::spawn("sleep", {"30"});
    Session s(pty);
    EXPECT_TRUE(pty->kill());
    test::runLoop(10s);
    EXPECT_EQ(s.close, (ExitStatus{std::nullopt, "SIGHUP"}));
    EXPECT_FALSE(pty->kill());  // gone
}

TEST(Pty, KillForegroundReachesTheWholeJob) {
    // sh -c runs `sleep` in its own (the foreground) group; killing sh alone would
    // leave sleep holding the terminal.
    auto pty = Pty::spawn("sh", {"-c", "sleep 30; echo not reached"}, {.drainAfterExit = 0ms});
    Session s(pty);
    // The group's leader is sh: `process` names it, as node-pty's does.
    EXPECT_EQ(pty->process(), "sh");
    test::pumpUntil([] { return false; }, 200ms);  // time for sh to start sleep
    EXPECT_TRUE(pty->killForeground(SIGTERM));
    test::runLoop(10s);
    EXPECT_EQ(s.close, (ExitStatus{std::nullopt, "SIGTERM"}));
    EXPECT_EQ(s.out, "");
}

TEST(Pty, ProcessIsTheForegroundProgram) {
    auto pty = Pty::spawn("sleep", {"30"});
    Session s(pty);
    EXPECT_EQ(pty->process(), "sleep");
    EXPECT_EQ(pty->pid().has_value(), true);
    pty->destroy();
    test::runLoop(10s);
    EXPECT_EQ(pty->process(), "sleep");  // the file, once the terminal is closed
}

TEST(Pty, ResizeAndWriteAfterExitDoNothing) {
    auto s = session("true", {});
    ASSERT_TRUE(s->close);
    EXPECT_NO_THROW(s->pty->resize(100, 40));
    EXPECT_FALSE(s->pty->write("late"));
    EXPECT_FALSE(s->pty->kill());
    EXPECT_THROW(s->pty->resize(0, 40), Error);  // a bad size is still a bad size
}

TEST(Pty, BadSizesAreRangeErrors) {
    EXPECT_EQ(test::thrownCode([] { Pty::spawn("true", {}, {.cols = 0}); }), "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([] { Pty::spawn("true", {}, {.rows = 70000}); }), "ERR_OUT_OF_RANGE");
}

TEST(Pty, AMissingProgramIsAnErrorThenClose) {
    auto pty = Pty::spawn("no-such-program-childproc", {});
    Session s(pty);
    std::optional<Error> err;
    pty->onError([&](const Error& e) { err = e; });
    test::runLoop(10s);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, "ENOENT");
    EXPECT_EQ(err->syscall, "spawn no-such-program-childproc");
    EXPECT_EQ(s.events, (std::vector<std::string>{"close"}));
    EXPECT_EQ(s.close, (ExitStatus{-ENOENT, std::nullopt}));
}

TEST(Pty, AnErrorNobodyListensToIsThrownFromRun) {
    Pty::spawn("no-such-program-childproc", {});
    EXPECT_THROW(run(), Error);
    run();
}

TEST(Pty, ACharacterSplitBetweenWritesArrivesWhole) {
    auto s = session("python3", {"-c",
                                 "import os, time\n"
                                 "for part in (b'\\xe2', b'\\x82', b'\\xac!', b'\\xf0\\x9f', b'\\x98\\x80'):\n"
                                 "    os.write(1, part); time.sleep(0.03)"});
    EXPECT_EQ(s->out, "\xe2\x82\xac!\xf0\x9f\x98\x80");
    for (const auto& c : s->chunks) EXPECT_TRUE(c == "\xe2\x82\xac!" || c == "\xf0\x9f\x98\x80") << c;
}

TEST(Pty, BufferEncodingDeliversTheBytesAsTheyCome) {
    auto s = session("python3",
                     {"-c",
                      "import os, time\n"
                      "for part in (b'\\xe2', b'\\x82\\xac'):\n"
                      "    os.write(1, part); time.sleep(0.03)"},
                     {.encoding = Encoding::buffer});
    EXPECT_EQ(s->out, "\xe2\x82\xac");
    EXPECT_EQ(s->chunks.front(), "\xe2");
}

TEST(Pty, TermCwdAndPwdAreNodePtys) {
    const auto dir = std::filesystem::temp_directory_path().string();
    auto s = session("sh", {"-c", "echo $TERM $PWD; pwd"}, {.name = "vt100", .cwd = dir});
    EXPECT_EQ(s->out, "vt100 " + dir + "\r\n" + dir + "\r\n");
    Env env{{"PATH", "/usr/bin:/bin"}, {"TERM", "dumb"}};
    auto t = session("sh", {"-c", "echo $TERM"}, {.env = env});
    EXPECT_EQ(t->out, "dumb\r\n");  // the env's TERM when no name is given
}

TEST(Pty, AGrandchildHoldingTheTerminalCannotHoldClose) {
    // setsid escapes the SIGHUP the terminal sends when its session leader exits;
    // the grandchild keeps the slave open, so EIO never comes while it lives.
    const auto started = std::chrono::steady_clock::now();
    auto s = session("sh", {"-c", "setsid sh -c 'echo grandchild $$; exec sleep 30' & sleep 0.3; echo started"},
                     {.drainAfterExit = 300ms});
    const auto took = std::chrono::steady_clock::now() - started;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(s->out, m, std::regex(R"(grandchild (\d+))"))) << s->out;
    const int grandchild = std::stoi(m[1]);
    EXPECT_FALSE(test::processGone(grandchild));  // it held the terminal to the end
    ::kill(grandchild, SIGKILL);
    EXPECT_GE(took, 600ms);
    EXPECT_LT(took, 10s);
    EXPECT_NE(s->out.find("started\r\n"), std::string::npos);
    EXPECT_EQ(s->close, (ExitStatus{0, std::nullopt}));
}

TEST(Pty, FlowControlPausesReading) {
    auto pty = Pty::spawn("sh", {"-c", "echo one; read x; echo two"}, {.handleFlowControl = true});
    Session s(pty);
    ASSERT_TRUE(test::pumpUntil([&] { return s.out.find("one") != std::string::npos; }, 10s));
    EXPECT_TRUE(pty->write("\x13"));  // XOFF: not sent, our reading stops
    pty->write("go\r");
    test::pumpUntil([] { return false; }, 300ms);  // time for "two" to come, were we reading
    EXPECT_EQ(s.out.find("two"), std::string::npos) << s.out;
    pty->write("\x11");  // XON
    test::runLoop(10s);
    EXPECT_NE(s.out.find("two"), std::string::npos) << s.out;
}

TEST(Pty, NoMasterReachesAnyChild) {
    auto held = Pty::spawn("sleep", {"30"});
    // A plain child, and a terminal's own program: neither sees a /dev/ptmx fd.
    auto r = spawnSync("sh", {"-c", "ls -l /proc/$$/fd"});
    ASSERT_TRUE(r.stdoutData);
    EXPECT_EQ(r.stdoutData->find("ptmx"), std::string::npos) << *r.stdoutData;
    Session s(Pty::spawn("sh", {"-c", "ls -l /proc/$$/fd"}));
    ASSERT_TRUE(test::pumpUntil([&] { return s.close.has_value(); }, 10s));
    EXPECT_EQ(s.out.find("ptmx"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find(s.pty->ptsName()), std::string::npos) << s.out;
    held->destroy();
    test::runLoop(10s);
}

TEST(Pty, AThousandTerminalsLeaveNoFdBehind) {
    Pty::spawn("true", {});  // the loop's own fds (epoll, signal pipe) are made once, here
    test::runLoop(10s);
    const int before = test::openFds();
    const int ptmxBefore = ptmxFds();
    int closed = 0;
    for (int batch = 0; batch < 100; ++batch) {
        for (int i = 0; i < 10; ++i)
            Pty::spawn("true", {})->onClose([&](const ExitStatus& st) { closed += st.code == 0; });
        test::runLoop(20s);
    }
    EXPECT_EQ(closed, 1000);
    EXPECT_EQ(ptmxFds(), ptmxBefore);
    EXPECT_EQ(test::openFds(), before);
}

TEST(Pty, UidAndGidAreTheProgramsIds) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to change ids";
    auto s = session("id", {"-u"}, {.uid = 65534, .gid = 65534});
    EXPECT_EQ(s->out, "65534\r\n");
}

TEST(Pty, AwaitClosed) {
    auto drive = []() -> Promise<ExitStatus> {
        auto pty = Pty::spawn("sh", {"-c", "exit 5"});
        co_return co_await pty->closed();
    };
    EXPECT_EQ(runUntil(drive()), (ExitStatus{5, std::nullopt}));
}

TEST(ControllingTerminal, RefusedOnUvSpawnAndWithPipes) {
    SpawnOptions o;
    o.controllingTerminal = "/dev/null";
    o.stdio = {StdioType::ignore, StdioType::ignore, StdioType::ignore};
    o.backend = Backend::uv;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_INVALID_ARG_VALUE");
    o.backend = Backend::automatic;
    o.stdio = StdioType::pipe;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_INVALID_ARG_VALUE");
    o.stdio = {StdioType::ignore, StdioType::ignore, StdioType::ignore};
    o.processGroup = 0;
    EXPECT_EQ(test::thrownCode([&] { spawn("true", {}, o); }), "ERR_INVALID_ARG_VALUE");
}

// pexpect's own first example, against a real interactive interpreter.
TEST(Expect, DrivesPythonInteractively) {
    Expect py("python3", {"-i", "-q"}, {.env = Env{{"PATH", "/usr/bin:/bin"}, {"PYTHON_BASIC_REPL", "1"}}});
    ASSERT_TRUE(py.expect(">>> ", 20s)) << py.buffer();
    py.sendLine("6 * 7");
    auto r = py.expect(std::regex(R"((\d+)\r\n>>> )"), 10s);
    ASSERT_TRUE(r) << py.buffer();
    EXPECT_EQ(r.groups.at(0), "42");
    EXPECT_EQ(r.before, "6 * 7\r\n");  // the terminal's echo of what was typed
    py.sendLine("import sys; print('out', file=sys.stderr)");
    ASSERT_TRUE(py.expect("out\r\n>>> ", 10s));
    py.sendEof();
    auto end = py.expect("never printed", 10s);
    EXPECT_EQ(end.status, ExpectStatus::eof);
    EXPECT_EQ(py.wait(), (ExitStatus{0, std::nullopt}));
}

TEST(Expect, TimeoutKeepsTheBufferAndTheFirstListedWinsATie) {
    Expect sh("sh", {"-c", "echo abc; sleep 30"});
    auto t = sh.expect("xyz", 300ms);
    EXPECT_EQ(t.status, ExpectStatus::timeout);
    EXPECT_EQ(t.before, "abc\r\n");
    EXPECT_EQ(sh.buffer(), "abc\r\n");
    auto m = sh.expect({"b", std::regex("a(b)"), "abc"}, 1s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m.index, 1u);  // starts first
    EXPECT_EQ(m.match, "ab");
    EXPECT_EQ(sh.buffer(), "c\r\n");
}

TEST(Expect, ControlCInterruptsTheForegroundJob) {
    Expect sh("sh", {"-c", "trap 'echo interrupted; exit 9' INT; echo go; while :; do sleep 0.05; done"});
    ASSERT_TRUE(sh.expect("go\r\n", 10s));
    sh.sendControl('c');
    ASSERT_TRUE(sh.expect("interrupted", 10s)) << sh.buffer();
    EXPECT_EQ(sh.wait(), (ExitStatus{9, std::nullopt}));
}

TEST(Expect, CoAwaitForms) {
    auto drive = []() -> Promise<std::string> {
        Expect py("python3", {"-c", "name = input('name? '); print('hello', name)"});
        co_await py.expectAsync("name? ");
        py.sendLine("pty");
        auto r = co_await py.expectAsync(std::regex("hello (\\w+)"));
        auto status = co_await py.waitAsync();
        co_return r.groups.at(0) + " " + std::to_string(status.code.value_or(-1));
    };
    EXPECT_EQ(runUntil(drive()), "pty 0");
}

TEST(Expect, ASecondWaitWhileOneWaitsIsRefused) {
    Expect sh("sleep", {"30"});
    auto first = sh.expectAsync("never", 200ms);
    EXPECT_EQ(test::thrownCode([&] { (void)sh.expectAsync("again"); }), "ERR_EXPECT_PENDING");
    EXPECT_EQ(runUntil(std::move(first)).status, ExpectStatus::timeout);
}

// The CLI as a person meets it: run from a terminal (ours), it puts that terminal
// in raw mode so ^C reaches the program, and restores it when the program ends.
TEST(CliPty, RawWhileItRunsRestoredAfterAndControlCReachesTheProgram) {
    const std::string tool = CP_TOOL_PATH;
    Expect outer("sh", {"-c", "stty -g; \"$0\" pty -- sh -c 'echo ready; exec cat'; echo rc=$?; stty -g", tool});
    // "ready" is relayed only once our terminal is raw.
    auto before = outer.expect(std::regex(R"(([0-9a-f:]+)\r\nready\r\n)"), 10s);
    ASSERT_TRUE(before) << outer.buffer();
    // The inner cat echoes through both terminals: raw outside, cooked inside.
    outer.send("hi\r");
    ASSERT_TRUE(outer.expect("hi\r\nhi\r\n", 10s)) << outer.buffer();
    auto during = spawnSync("stty", {"-F", outer.pty().ptsName(), "-g"});
    ASSERT_TRUE(during.stdoutData);
    EXPECT_NE(*during.stdoutData, before.groups.at(0) + "\n");  // raw now
    outer.sendControl('c');                                     // one byte through the raw terminal, SIGINT inside
    auto after = outer.expect(std::regex(R"(rc=(\d+)\r\n([0-9a-f:]+)\r\n)"), 10s);
    ASSERT_TRUE(after) << outer.buffer();
    EXPECT_EQ(after.groups.at(0), "130");
    EXPECT_EQ(after.groups.at(1), before.groups.at(0));
    EXPECT_EQ(outer.wait(), (ExitStatus{0, std::nullopt}));
}

TEST(CliPty, SizeStdinPipeAndStatus) {
    SpawnSyncOptions o;
    o.input = "hello\n";
    auto r = spawnSync(
        CP_TOOL_PATH,
        {"pty", "--cols", "100", "--rows", "30", "--", "sh", "-c", "stty size; read x; echo got $x; exit 7"}, o);
    ASSERT_TRUE(r.stdoutData);
    EXPECT_EQ(r.status, 7);
    EXPECT_NE(r.stdoutData->find("30 100\r\n"), std::string::npos) << *r.stdoutData;
    EXPECT_NE(r.stdoutData->find("got hello\r\n"), std::string::npos) << *r.stdoutData;
    auto missing = spawnSync(CP_TOOL_PATH, {"pty", "--", "no-such-program-childproc"});
    EXPECT_EQ(missing.status, 127);
}

TEST(CliPty, OurWindowSizeIsPassedOn) {
    const std::string tool = CP_TOOL_PATH;
    PtyOptions o;
    o.cols = 90;
    o.rows = 20;
    // The trap first: a SIGWINCH between `stty size` and `trap` would be ignored.
    Expect outer(tool, {"pty", "--", "sh", "-c", "trap 'stty size' WINCH; stty size; while :; do sleep 0.05; done"}, o);
    ASSERT_TRUE(outer.expect("20 90\r\n", 10s)) << outer.buffer();
    outer.pty().resize(120, 50);  // our terminal changes: SIGWINCH to the CLI, which resizes its own
    ASSERT_TRUE(outer.expect("50 120\r\n", 10s)) << outer.buffer();
    outer.sendControl('c');
    EXPECT_EQ(outer.wait(), (ExitStatus{130, std::nullopt}));
}

// lydell/node-pty-bug's test.js (node-pty: ptys run two at a time got SIGHUP and ended
// early on Linux CI), ported line by line with its child.js inline; run times shortened.
TEST(NodePtyBug, TwoAtATimeEachRunsToItsEnd) {
    struct Configuration {
        int exitCode, runTime;
    };
    const std::vector<Configuration> configurations = {{0, 300}, {0, 300}, {0, 800}, {0, 300}, {1, 300}};
    const std::string child =
        "console.log('start'); setTimeout(() => { console.log('end'); "
        "process.exit(Number(process.argv[1])); }, Number(process.argv[2]));";
    std::deque<std::function<void()>> queue;
    std::vector<ExitStatus> receivedExitCodes;
    std::vector<std::string> buffers(configurations.size());
    std::function<void(std::size_t)> run = [&](std::size_t i) {
        auto terminal = Pty::spawn(CP_NODE_PATH, {"-e", child, std::to_string(configurations[i].exitCode),
                                                  std::to_string(configurations[i].runTime)});
        terminal->onData([&buffers, i](std::string_view data) { buffers[i] += data; });
        terminal->onExit([&](const ExitStatus& status) {
            receivedExitCodes.push_back(status);
            if (!queue.empty()) {  // start the next in the queue, if there are any left
                auto next = std::move(queue.front());
                queue.pop_front();
                next();
            }
        });
    };
    for (std::size_t i = 0; i < configurations.size(); ++i) queue.emplace_back([&run, i] { run(i); });
    for (int i = 0; i < 2; ++i) {  // start running, 2 at a time
        auto next = std::move(queue.front());
        queue.pop_front();
        next();
    }
    test::runLoop();
    ASSERT_EQ(receivedExitCodes.size(), configurations.size());
    EXPECT_EQ(std::count(receivedExitCodes.begin(), receivedExitCodes.end(), ExitStatus{1, std::nullopt}), 1);
    EXPECT_EQ(std::count(receivedExitCodes.begin(), receivedExitCodes.end(), ExitStatus{0, std::nullopt}), 4);
    for (const auto& b : buffers) EXPECT_EQ(b, "start\r\nend\r\n");
}

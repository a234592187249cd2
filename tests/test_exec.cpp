// SPDX-License-Identifier: MIT
// exec() and execFile(): buffering, Node's error shape, maxBuffer, timeout, abort,
// encoding, and the future form.

#include <thread>

#include "support.hpp"

using namespace childproc;
using test::kHelper;
using namespace std::chrono_literals;

namespace {
struct Outcome {
    std::optional<ExecError> error;
    std::string out, err;
    int calls = 0;
};

ExecCallback into(Outcome& o) {
    return [&o](const std::optional<ExecError>& e, const std::string& out, const std::string& err) {
        ++o.calls;
        o.error = e;
        o.out = out;
        o.err = err;
    };
}

std::string helperCmd(const std::string& args) { return "'" + kHelper + "' " + args; }
}  // namespace

TEST(Exec, BuffersStdoutAndStderr) {
    Outcome r;
    exec("echo out; echo err >&2", into(r));
    test::runLoop();
    EXPECT_EQ(r.calls, 1);
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
}

TEST(Exec, RunsThroughBinSh) {
    Outcome r;
    auto c = exec("echo $0", into(r));
    test::runLoop();
    EXPECT_EQ(r.out, "/bin/sh\n");
    EXPECT_EQ(c->spawnfile(), "/bin/sh");
    EXPECT_EQ(c->spawnargs(), (std::vector<std::string>{"/bin/sh", "-c", "echo $0"}));
}

TEST(Exec, ShellPathOption) {
    Outcome r;
    ExecOptions o;
    o.shell = std::string("/bin/bash");
    exec("echo ${BASH_VERSION:+bash}", o, into(r));
    test::runLoop();
    EXPECT_EQ(r.out, "bash\n");
}

TEST(Exec, NonZeroExitIsCommandFailedWithNodesFields) {
    Outcome r;
    exec("echo partial; echo oops >&2; exit 7", into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    const ExecError& e = *r.error;
    EXPECT_STREQ(e.what(), "Command failed: echo partial; echo oops >&2; exit 7\noops\n");
    EXPECT_EQ(e.exitCode, 7);
    EXPECT_FALSE(e.killed);
    EXPECT_EQ(e.signal, std::nullopt);
    EXPECT_EQ(e.cmd, "echo partial; echo oops >&2; exit 7");
    EXPECT_EQ(e.stdoutData, "partial\n");
    EXPECT_EQ(e.stderrData, "oops\n");
    EXPECT_EQ(r.out, "partial\n");  // the callback gets the output too
}

TEST(Exec, SignalInTheError) {
    Outcome r;
    exec("kill -9 $$", into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->exitCode, std::nullopt);
    EXPECT_EQ(r.error->signal, "SIGKILL");
    EXPECT_FALSE(r.error->killed);  // not killed by us
}

TEST(ExecFile, NoShellArgsAreLiteral) {
    Outcome r;
    execFile(kHelper, {"argv"}, into(r));
    test::runLoop();
    EXPECT_EQ(r.out, kHelper + "\nargv\n");
    Outcome lit;
    execFile("echo", {"$HOME", "a b"}, into(lit));
    test::runLoop();
    EXPECT_EQ(lit.out, "$HOME a b\n");
}

TEST(ExecFile, CmdJoinsFileAndArgs) {
    Outcome r;
    execFile(kHelper, {"exit", "3"}, into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->cmd, kHelper + " exit 3");
    EXPECT_EQ(r.error->exitCode, 3);
    EXPECT_EQ(std::string(r.error->what()), "Command failed: " + kHelper + " exit 3\n");
}

TEST(ExecFile, MissingProgramGivesTheSpawnError) {
    Outcome r;
    execFile("no-such-program-xyz", {"a"}, into(r));
    test::runLoop();
    EXPECT_EQ(r.calls, 1);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOENT");
    EXPECT_EQ(r.error->errnum, UV_ENOENT);
    EXPECT_EQ(r.error->syscall, "spawn no-such-program-xyz");
    EXPECT_EQ(r.error->path, "no-such-program-xyz");
    EXPECT_EQ(r.error->cmd, "no-such-program-xyz a");
    EXPECT_STREQ(r.error->what(), "spawn no-such-program-xyz ENOENT");
}

TEST(MaxBuffer, OneByteUnderPasses) {
    Outcome r;
    execFile(kHelper, {"spew", "1", std::to_string(1024 * 1024 - 1)}, into(r));
    test::runLoop();
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.out.size(), 1024u * 1024 - 1);
}

TEST(MaxBuffer, ExactlyMaxPasses) {
    Outcome r;
    execFile(kHelper, {"spew", "1", std::to_string(1024 * 1024)}, into(r));
    test::runLoop();
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.out.size(), 1024u * 1024);
}

TEST(MaxBuffer, OneByteOverFailsKeepingExactlyMax) {
    Outcome r;
    execFile(kHelper, {"spew", "1", std::to_string(1024 * 1024 + 1)}, into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER");
    EXPECT_EQ(r.error->name, "RangeError");
    EXPECT_STREQ(r.error->what(), "stdout maxBuffer length exceeded");
    EXPECT_EQ(r.out.size(), 1024u * 1024);
    EXPECT_EQ(r.out.substr(0, 3), "abc");
}

TEST(MaxBuffer, KillsAChildThatKeepsWriting) {
    Outcome r;
    ExecOptions o;
    o.maxBuffer = 1000;
    auto c = execFile(kHelper, {"spew", "1", "100000000"}, o, into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.out.size(), 1000u);
    // As in Node, stdout is destroyed before the kill: a child blocked in write()
    // may die of the SIGPIPE first (Node 20 reports SIGPIPE here every time).
    EXPECT_TRUE(c->signalCode() == "SIGTERM" || c->signalCode() == "SIGPIPE") << c->signalCode().value_or("none");
    EXPECT_TRUE(c->killed());
}

TEST(MaxBuffer, StderrToo) {
    Outcome r;
    ExecOptions o;
    o.maxBuffer = 10;
    execFile(kHelper, {"err", "1", "0123456789abc"}, o, into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_STREQ(r.error->what(), "stderr maxBuffer length exceeded");
    EXPECT_EQ(r.err, "0123456789");
}

TEST(MaxBuffer, Unlimited) {
    Outcome r;
    ExecOptions o;
    o.maxBuffer = unlimited;
    execFile(kHelper, {"spew", "1", std::to_string(5 * 1024 * 1024)}, o, into(r));
    test::runLoop();
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.out.size(), 5u * 1024 * 1024);
}

TEST(ExecTimeout, KilledWithSigtermAndReported) {
    Outcome r;
    ExecOptions o;
    o.timeout = 100ms;
    exec(helperCmd("sleep 10000"), o, into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_TRUE(r.error->killed);
    EXPECT_EQ(r.error->signal, "SIGTERM");
    EXPECT_EQ(r.error->exitCode, std::nullopt);
    EXPECT_EQ(std::string(r.error->what()), "Command failed: " + helperCmd("sleep 10000") + "\n");
}

TEST(ExecTimeout, CustomKillSignal) {
    Outcome r;
    ExecOptions o;
    o.timeout = 100ms;
    o.killSignal = "SIGKILL";
    execFile(kHelper, {"ignore", std::to_string(SIGTERM), "sleep", "10000"}, o, into(r));
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->signal, "SIGKILL");
    EXPECT_TRUE(r.error->killed);
}

TEST(ExecTimeout, FastChildIsNotKilled) {
    Outcome r;
    ExecOptions o;
    o.timeout = 10min;  // past the hang guard: a timer left running fails runLoop()
    execFile(kHelper, {"out", "1", "quick"}, o, into(r));
    test::runLoop();
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.out, "quick");
}

TEST(ExecAbort, AbortErrorAtOnceBeforeTheChildExits) {
    std::stop_source src;
    ExecOptions o;
    o.signal = src.get_token();
    Outcome r;
    std::vector<std::string> order;
    auto c = execFile(kHelper, {"ignore", std::to_string(SIGTERM), "out", "1", "ready", "sleep", "300"}, o,
                      [&](const std::optional<ExecError>& e, const std::string&, const std::string&) {
                          order.push_back("callback");
                          r.error = e;
                      });
    c->onExit([&](auto, auto) { order.push_back("exit"); });
    // Once it says it ignores SIGTERM, it outlives the abort.
    c->stdoutPipe()->onData([&](std::string_view) { src.request_stop(); });
    test::runLoop();
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ABORT_ERR");
    EXPECT_EQ(r.error->name, "AbortError");
    EXPECT_EQ(order, (std::vector<std::string>{"callback", "exit"}));
}

TEST(ExecEncoding, Utf8ReplacesInvalidBytesBufferKeepsThem) {
    const std::string cmd = "printf 'ok \\303\\251 bad \\377 end'";
    Outcome utf8;
    exec(cmd, into(utf8));
    Outcome raw;
    ExecOptions o;
    o.encoding = Encoding::buffer;
    exec(cmd, o, into(raw));
    test::runLoop();
    EXPECT_EQ(utf8.out, "ok \xC3\xA9 bad \xEF\xBF\xBD end");
    EXPECT_EQ(raw.out, "ok \xC3\xA9 bad \xFF end");
}

TEST(ExecAsync, FutureCompletedByTheLoop) {
    auto f = execAsync("echo promised");
    ExecResult r = runUntil(f);
    EXPECT_EQ(r.stdoutData, "promised\n");
    ASSERT_TRUE(r.child);
    EXPECT_EQ(r.child->exitCode(), 0);
}

TEST(ExecAsync, RejectionThrowsExecError) {
    auto f = execFileAsync(kHelper, {"err", "1", "bad", "exit", "4"});
    try {
        runUntil(f);
        FAIL() << "no exception";
    } catch (const ExecError& e) {
        EXPECT_EQ(e.exitCode, 4);
        EXPECT_EQ(e.stderrData, "bad");
    }
}

TEST(ExecAsync, LoopOnAnotherThread) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    ExecOptions o;
    o.loop = &loop;
    auto f = execAsync("echo threaded", o);
    std::thread t([&] { run(&loop); });
    EXPECT_EQ(f.get().stdoutData, "threaded\n");  // blocking is fine: the loop runs elsewhere
    t.join();
    EXPECT_EQ(uv_loop_close(&loop), 0);
}

namespace {
std::string hexOf(const std::string& s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : s) {
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// What the real node keeps of cmd's stdout under maxBuffer and encoding.
nlohmann::json nodeExec(const std::string& cmd, std::size_t maxBuffer, const char* encoding) {
    auto r = spawnSync(
        CP_NODE_PATH, {std::string(CP_NODE_SCRIPTS) + "/exec_max_buffer.js", cmd, std::to_string(maxBuffer), encoding});
    return nlohmann::json::parse(r.stdoutData.value_or(""), nullptr, false);
}
}  // namespace

// With an encoding, Node counts bytes but cuts the chunk that crossed the limit
// at that many UTF-16 units, and flushes an unfinished character as U+FFFD.
TEST(MaxBuffer, TextCutLikeNode) {
    const std::vector<std::pair<std::string, std::size_t>> cases = {
        {"printf '\\344\\270\\255\\346\\226\\207\\346\\265\\213\\350\\257\\225\\n'", 10},  // 中文测试\n
        {"printf '\\344\\270\\255\\346\\226\\207\\346\\265\\213\\350\\257\\225\\n'", 3},
        {"printf 'a\\360\\237\\230\\200b'", 2},  // a😀b: the cut halves the pair
        {"printf 'a\\360\\237\\230\\200b'", 3},
        {"printf 'ab\\344\\270'", 3},  // an unfinished character, flushed at the end
        {"printf 'ab\\344\\270'", 5},
        {"printf 'ab\\344\\270'", 2},
        {"printf 'ab\\377cd'", 4},
    };
    for (const auto& [cmd, max] : cases) {
        for (const char* encoding : {"utf8", "buffer"}) {
            Outcome r;
            ExecOptions o;
            o.maxBuffer = max;
            o.encoding = std::string(encoding) == "buffer" ? Encoding::buffer : Encoding::utf8;
            exec(cmd, o, into(r));
            test::runLoop();
            const auto node = nodeExec(cmd, max, encoding);
            ASSERT_TRUE(node.is_object()) << cmd;
            EXPECT_EQ(node["code"].is_null() ? "" : node["code"].get<std::string>(), r.error ? r.error->code : "")
                << cmd << " maxBuffer " << max << " " << encoding;
            EXPECT_EQ(node["hex"], hexOf(r.out)) << cmd << " maxBuffer " << max << " " << encoding;
        }
    }
}

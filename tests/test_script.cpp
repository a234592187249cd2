// SPDX-License-Identifier: MIT
// Scripting: commands as values, arguments that reach the child byte for byte,
// pipelines with pipefail, redirection, lines while a command runs, readable
// errors, timeouts that never hang, verbose echo, retry.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "childproc/script.hpp"
#include "support.hpp"

using namespace childproc;
using namespace childproc::script;
using namespace std::chrono_literals;

namespace {

// Prints its arguments as a JSON list: what the child received, exactly.
constexpr const char* kArgvJson = "import json,sys; print(json.dumps(sys.argv[1:]))";

using test::slurp;

template <class Fn>
ScriptError thrownScriptError(Fn&& fn) {
    try {
        fn();
    } catch (const ScriptError& e) {
        return e;
    }
    ADD_FAILURE() << "no ScriptError thrown";
    return ScriptError(Result{});
}

// What this process writes to fd 2 while fn runs.
template <class Fn>
std::string ourStderrDuring(Fn&& fn) {
    const std::string path = test::tempPath("stderr.txt");
    int file = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int saved = ::fcntl(2, F_DUPFD_CLOEXEC, 10);
    ::dup2(file, 2);
    ::close(file);
    try {
        fn();
    } catch (...) {
        ::dup2(saved, 2);
        ::close(saved);
        throw;
    }
    ::dup2(saved, 2);
    ::close(saved);
    return slurp(path);
}

}  // namespace

TEST(Script, HostileArgumentsReachTheChildByteForByte) {
    const std::vector<std::string> hostile = {"a b", "it's",        "\"q\"",     "$(id)",  "`id`", "a;b",
                                              "x|y", "line\nbreak", "-rf",       "--help", "",     "*",
                                              "~",   "\\",          "tab\there", "ünïcödé"};
    nlohmann::json expected = hostile;
    // As a range in one {}: one argument per element.
    EXPECT_EQ(sh("python3 -c {} {}", kArgvJson, hostile).json(), expected);
    // Each in its own {}, and as words of cmd().
    EXPECT_EQ(sh("python3 -c {} {} {} {}", kArgvJson, hostile[0], hostile[10], hostile[8]).json(),
              nlohmann::json({hostile[0], hostile[10], hostile[8]}));
    EXPECT_EQ(sh.cmd("python3", "-c", kArgvJson, hostile).json(), expected);
    // A {} inside a word joins it, still one argument.
    EXPECT_EQ(sh("python3 -c {} --out={} n={}", kArgvJson, "a b;c", 42).json(),
              nlohmann::json({"--out=a b;c", "n=42"}));
}

TEST(Script, NumbersPathsAndEmptyRangesBecomeWords) {
    std::filesystem::path p = "/tmp/with space";
    std::vector<int> none;
    EXPECT_EQ(sh("python3 -c {} {} {} {} {}", kArgvJson, 7, -2.5, p, none).json(),
              nlohmann::json({"7", "-2.5", "/tmp/with space"}));
    EXPECT_EQ(sh("python3 -c {} {{}}", kArgvJson).json(), nlohmann::json({"{}"}));
}

TEST(Script, ANulByteIsRefusedClearly) {
    try {
        sh("echo {}", std::string("a\0b", 3)).run();
        ADD_FAILURE() << "no throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_INVALID_ARG_VALUE");
        EXPECT_NE(std::string(e.what()).find("Argument 1 of echo contains a NUL byte"), std::string::npos) << e.what();
    }
}

TEST(Script, ARangeMustStandAloneInTheFormat) {
    EXPECT_EQ(test::thrownCode([] { sh("echo x{}", std::vector<std::string>{"a", "b"}); }), "ERR_INVALID_ARG_VALUE");
}

TEST(Script, NoShellUnlessAskedFor) {
    EXPECT_EQ(sh("echo {}", "$((6*7)) > /dev/null").text(), "$((6*7)) > /dev/null");
    EXPECT_EQ(sh.shell("echo $((6*7))").text(), "42");
}

TEST(Script, SettingsAreValues) {
    auto tmp = sh.cwd("/tmp");
    auto withEnv = tmp.env("CP_SCRIPT_X", "one");
    EXPECT_FALSE(sh.values().cwd.has_value());
    EXPECT_TRUE(tmp.values().env.empty());
    EXPECT_EQ(withEnv.shell("echo $CP_SCRIPT_X; pwd").lines(), (std::vector<std::string>{"one", "/tmp"}));
    EXPECT_EQ(tmp.shell("echo ${CP_SCRIPT_X:-unset}").text(), "unset");
    char here[4096];
    ASSERT_TRUE(::getcwd(here, sizeof here));
    EXPECT_EQ(sh("pwd").text(), here);  // no process-wide cd
}

TEST(Script, TheResultHasEverything) {
    auto r = sh("sh -c {}", "printf 'a\\r\\nb\\n'; echo err >&2").run();
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.stdoutData, "a\r\nb\n");
    EXPECT_EQ(r.stderrData, "err\n");
    EXPECT_EQ(r.all.size(), r.stdoutData.size() + r.stderrData.size());
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_FALSE(r.signal);
    EXPECT_GT(r.duration.count(), 0);
    EXPECT_EQ(r.command, "sh -c 'printf '\\''a\\r\\nb\\n'\\''; echo err >&2'");
    EXPECT_EQ(r.text(), "a\r\nb");
    EXPECT_EQ(r.lines(), (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(r.stages.size(), 1u);
    EXPECT_TRUE(r.stages[0].pid.has_value());
    EXPECT_EQ(sh("echo {}", R"({"n": [1, 2]})").json()["n"][1], 2);
    EXPECT_EQ(test::thrownCode([] { sh("echo {}", "not json").json(); }), "ERR_CHILDPROC_NOT_JSON");
}

TEST(Script, TheCommandShownCanBePastedIntoAShell) {
    auto c = sh("printf {} {}", "%s|", "it's $(not) run") | sh("tr a-z A-Z");
    auto shown = c.toString();
    EXPECT_EQ(shown, "printf '%s|' 'it'\\''s $(not) run' | tr a-z A-Z");
    EXPECT_EQ(sh.shell(shown).text(), "IT'S $(NOT) RUN|");
    EXPECT_EQ(c.text(), "IT'S $(NOT) RUN|");
}

TEST(Script, AllKeepsTheOrderOfAlternatingWrites) {
    // Each write is flushed and the next comes a little later, as execa's test does.
    auto r = sh("python3 -c {}",
                "import sys,time\n"
                "for i in range(6):\n"
                "    s = sys.stdout if i % 2 == 0 else sys.stderr\n"
                "    s.write(f'{i}\\n'); s.flush(); time.sleep(0.05)\n")
                 .run();
    EXPECT_EQ(r.all, "0\n1\n2\n3\n4\n5\n");
    EXPECT_EQ(r.stdoutData, "0\n2\n4\n");
    EXPECT_EQ(r.stderrData, "1\n3\n5\n");
}

TEST(Script, AFailureIsAnErrorAPersonCanRead) {
    auto e = thrownScriptError(
        [] { sh.cwd("/tmp")("sh -c {}", "echo partial; echo 'fatal: bad thing' >&2; exit 3").run(); });
    std::string m = e.what();
    EXPECT_NE(m.find("Command failed with exit code 3:\n"), std::string::npos) << m;
    EXPECT_NE(m.find("$ sh -c 'echo partial; echo '\\''fatal: bad thing'\\'' >&2; exit 3'"), std::string::npos) << m;
    EXPECT_NE(m.find("cwd: /tmp"), std::string::npos) << m;
    EXPECT_NE(m.find("duration: "), std::string::npos) << m;
    EXPECT_NE(m.find("stderr:\n    fatal: bad thing\n"), std::string::npos) << m;
    EXPECT_NE(m.find("stdout:\n    partial\n"), std::string::npos) << m;
    EXPECT_EQ(e.exitCode, 3);
    EXPECT_EQ(e.result.exitCode, 3);
    EXPECT_EQ(e.stdoutData, "partial\n");
    EXPECT_EQ(e.cmd, e.result.command);
}

TEST(Script, TheErrorShowsOnlyTheLastLines) {
    auto e = thrownScriptError([] { sh("sh -c {}", "seq 1 1000 >&2; exit 1").run(); });
    std::string m = e.what();
    EXPECT_NE(m.find("    ...\n    991\n"), std::string::npos) << m;
    EXPECT_NE(m.find("    1000\n"), std::string::npos);
    EXPECT_EQ(m.find("    990\n"), std::string::npos);
    EXPECT_LT(m.size(), 1000u);
    EXPECT_EQ(e.stderrData.size(), 3893u);  // the whole of it stays on the error
}

TEST(Script, NothrowAndAcceptedCodes) {
    EXPECT_EQ(sh.okCodes({0, 1})("grep {} /dev/null", "x").run().exitCode, 1);
    auto r = sh.nothrow()("sh -c {}", "exit 4").run();
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.exitCode, 4);
    EXPECT_EQ(thrownScriptError([] { sh("grep {} /dev/null", "x").run(); }).exitCode, 1);
}

TEST(Script, AMissingProgramSaysSo) {
    auto e = thrownScriptError([] { sh("no-such-program-cp-script {}", "x").run(); });
    EXPECT_EQ(e.code, "ENOENT");
    EXPECT_NE(std::string(e.what()).find("Command could not start no-such-program-cp-script x: spawn "
                                         "no-such-program-cp-script ENOENT"),
              std::string::npos)
        << e.what();
    auto r = sh.nothrow()("no-such-program-cp-script").run();
    EXPECT_FALSE(r.ok());
    ASSERT_TRUE(r.stages[0].error.has_value());
}

TEST(Script, PipelinesRunOnKernelPipes) {
    auto r = (sh("printf {}", "b\\na\\nc\\n") | sh("sort") | sh("tr a-z A-Z")).run();
    EXPECT_EQ(r.stdoutData, "A\nB\nC\n");
    ASSERT_EQ(r.stages.size(), 3u);
    EXPECT_EQ(r.command, "printf 'b\\na\\nc\\n' | sort | tr a-z A-Z");
    // yes | head: the first stage's SIGPIPE is not a failure.
    EXPECT_EQ((sh("yes") | sh("head -n 2")).text(), "y\ny");
}

TEST(Script, PipefailNamesTheStageThatFailed) {
    auto e = thrownScriptError([] { (sh("sh -c {}", "echo oops >&2; exit 7") | sh("cat") | sh("wc -l")).run(); });
    EXPECT_EQ(e.exitCode, 7);
    std::string m = e.what();
    EXPECT_NE(m.find("stage 1: sh -c 'echo oops >&2; exit 7'  (exit 7)"), std::string::npos) << m;
    EXPECT_NE(m.find("stage 2: cat  (exit 0)"), std::string::npos) << m;
    EXPECT_NE(m.find("    oops"), std::string::npos) << m;
    EXPECT_EQ(e.result.stdoutData, "0\n");
    auto missing = thrownScriptError([] { (sh("echo x") | sh("no-such-program-cp-script")).run(); });
    EXPECT_EQ(missing.code, "ENOENT");
}

TEST(Script, PipeStderrOrBoth) {
    auto talk = sh("sh -c {}", "echo to-out; echo to-err >&2");
    auto err = (talk.pipeFrom(Piped::err) | sh("tr a-z A-Z")).run();
    EXPECT_EQ(err.stdoutData, "TO-ERR\n");
    EXPECT_EQ(err.stages[0].stdoutData, "to-out\n");
    auto all = (talk.pipeFrom(Piped::all) | sh("sort")).run();
    EXPECT_EQ(all.stdoutData, "to-err\nto-out\n");
}

TEST(Script, InputFromTextAFileLinesOrACommand) {
    EXPECT_EQ(sh("tr a-z A-Z").input("abc").text(), "ABC");
    EXPECT_EQ(sh.input("xyz")("cat").text(), "xyz");
    std::vector<std::string> lines = {"b", "a"};
    EXPECT_EQ(sh("sort").inputLines(lines).lines(), (std::vector<std::string>{"a", "b"}));
    const std::string in = test::tempPath("script-in.txt");
    std::ofstream(in) << "from a file\n";
    EXPECT_EQ(sh("cat").inputFile(in).text(), "from a file");
    EXPECT_EQ((sh("cat").inputFile(in) | sh("wc -c")).text(), "12");
    // No input: stdin is at its end, so a reader never waits.
    EXPECT_EQ(sh("cat").text(), "");
}

TEST(Script, OutputToAFileTruncatedOrAppended) {
    const std::string out = test::tempPath("script-out.txt");
    const std::string err = test::tempPath("script-err.txt");
    auto r = sh("sh -c {}", "echo one; echo e >&2").stdoutTo(out).stderrTo(err).run();
    EXPECT_EQ(r.stdoutData, "");
    EXPECT_EQ(sh("echo two").stdoutTo(out, Write::append).run().stdoutData, "");
    EXPECT_EQ(slurp(out), "one\ntwo\n");
    EXPECT_EQ(slurp(err), "e\n");
    (sh("echo three") | sh("cat")).stdoutTo(out).run();
    EXPECT_EQ(slurp(out), "three\n");
    EXPECT_EQ(test::thrownCode([&] { sh("cat").inputFile(out + ".missing").run(); }), "ENOENT");
}

TEST(Script, ATimeoutKillsTheWholeTree) {
    const std::string pidFile = test::tempPath("script-grandchild.pid");
    auto started = std::chrono::steady_clock::now();
    auto e = thrownScriptError([&] { sh.timeout(1s)("sh -c {}", "sleep 30 & echo $! > " + pidFile + "; wait").run(); });
    EXPECT_LT(std::chrono::steady_clock::now() - started, test::kHangGuard);
    EXPECT_TRUE(e.result.timedOut);
    EXPECT_EQ(e.signal, "SIGTERM");
    EXPECT_NE(std::string(e.what()).find("Command timed out and was killed by SIGTERM:\n"), std::string::npos)
        << e.what();
    const std::string pid = slurp(pidFile);
    ASSERT_FALSE(pid.empty()) << "the command was killed before it started its grandchild";
    int grandchild = std::stoi(pid);
    EXPECT_TRUE(test::waitGone(grandchild)) << "the grandchild outlived the timeout";
}

TEST(Script, AGrandchildHoldingStdoutCannotHangATimeout) {
    // It leaves the group with setsid and keeps our stdout pipe: Python's
    // communicate() and plumbum wait for it forever.
    const std::string pidFile = test::tempPath("script-escaped.pid");
    auto started = std::chrono::steady_clock::now();
    auto e = thrownScriptError([&] {
        sh.timeout(1s)
            .drainAfterKill(300ms)("sh -c {}",
                                   "echo before; setsid sh -c 'echo $$ > " + pidFile + "; exec sleep 30' & sleep 30")
            .run();
    });
    auto took = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(e.result.timedOut);
    EXPECT_EQ(e.stdoutData, "before\n");  // what came before the kill is kept
    EXPECT_LT(took, 20s);
    const std::string pid = slurp(pidFile);
    ASSERT_FALSE(pid.empty()) << "the command was killed before its grandchild escaped";
    ::kill(std::stoi(pid), SIGKILL);
}

TEST(Script, ACommandThatIgnoresTheSignalGetsSigkill) {
    // Stopped once it ignores SIGTERM (a timeout could fire before it is ready).
    const std::string ready = test::tempPath("script-ignoring.ready");
    ::unlink(ready.c_str());
    std::stop_source stop;
    std::jthread stopper([&] {
        for (auto until = std::chrono::steady_clock::now() + test::kHangGuard;
             ::access(ready.c_str(), F_OK) != 0 && std::chrono::steady_clock::now() < until;)
            std::this_thread::sleep_for(10ms);
        stop.request_stop();
    });
    auto e = thrownScriptError([&] {
        sh.stop(stop.get_token())
            .forceKillAfter(200ms)("python3 -c {} {}",
                                   "import signal,sys,time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                                   "open(sys.argv[1], 'w').close(); time.sleep(30)",
                                   ready)
            .run();
    });
    EXPECT_EQ(e.signal, "SIGKILL");
    EXPECT_TRUE(e.result.aborted);
}

TEST(Script, AStopTokenCancels) {
    std::stop_source stop;
    std::jthread later([&] {
        std::this_thread::sleep_for(200ms);
        stop.request_stop();
    });
    auto e = thrownScriptError([&] { sh.stop(stop.get_token())("sleep 30").run(); });
    EXPECT_TRUE(e.result.aborted);
    EXPECT_EQ(e.signal, "SIGTERM");
    EXPECT_EQ(std::string(e.what()).rfind("Command was aborted by its stop token and was killed by SIGTERM:\n", 0), 0u)
        << e.what();
}

TEST(Script, MaxBufferEndsTheCommandAndKeepsWhatFits) {
    auto e = thrownScriptError([] { sh.maxBuffer(1000)("head -c 100000 /dev/zero").run(); });
    EXPECT_EQ(e.code, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER");
    EXPECT_EQ(e.stdoutData.size(), 1000u);
    EXPECT_EQ(std::string(e.what()).rfind("Command failed: stdout maxBuffer length exceeded (1000 bytes):\n", 0), 0u)
        << e.what();
}

TEST(Script, EncodingUtf8ReplacesAndBufferKeeps) {
    auto bytes = "printf '\\377ok'";
    EXPECT_EQ(sh.shell(bytes).text(), "\xEF\xBF\xBDok");
    EXPECT_EQ(sh.encoding(Encoding::buffer).shell(bytes).text(), "\xFFok");
}

namespace {

Promise<std::string> awaitSome() {
    auto r = co_await sh("echo {}", "from a coroutine");
    auto piped = co_await (sh("printf {}", "b\\na\\n") | sh("sort"));
    std::string failure;
    try {
        co_await sh("sh -c {}", "exit 9");
    } catch (const ScriptError& e) {
        failure = std::to_string(e.exitCode.value_or(-1));
    }
    co_return r.text() + "|" + piped.stdoutData + "|" + failure;
}

Promise<std::vector<std::string>> awaitLines() {
    std::vector<std::string> got;
    AsyncLines lines = sh("seq 1 5").readLinesAsync();
    while (auto line = co_await lines.next()) got.push_back(*line);
    co_return got;
}

}  // namespace

TEST(Script, CoAwait) {
    EXPECT_EQ(runUntil(awaitSome()), "from a coroutine|a\nb\n|9");
    EXPECT_EQ(runUntil(awaitLines()), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
}

TEST(Script, LinesWhileItRunsWithCharactersSplitAcrossReads) {
    // "中" is e4 b8 ad: its bytes come in two writes, a line in three.
    auto c = sh("python3 -c {}",
                "import sys,time\n"
                "o = sys.stdout.buffer\n"
                "for part in [b'ab\\xe4', b'\\xb8\\xad\\nhalf', b' line\\r\\nlast']:\n"
                "    o.write(part); o.flush(); time.sleep(0.05)\n");
    std::vector<std::string> got;
    for (const auto& line : c.readLines()) got.push_back(line);
    EXPECT_EQ(got, (std::vector<std::string>{"ab\xE4\xB8\xAD", "half line", "last"}));
}

TEST(Script, LinesWithAnInvalidSequenceAreDecodedAlone) {
    std::vector<std::string> got, raw;
    auto c = sh.shell("printf 'ok\\n\\377bad\\nfine\\n'; sleep 0.05; printf 'last\\376'");
    for (const auto& line : c.readLines()) got.push_back(line);
    EXPECT_EQ(got, (std::vector<std::string>{"ok",
                                             "\xEF\xBF\xBD"
                                             "bad",
                                             "fine", "last\xEF\xBF\xBD"}));
    for (const auto& line : c.with(sh.encoding(Encoding::buffer)).readLines()) raw.push_back(line);
    EXPECT_EQ(raw, (std::vector<std::string>{"ok",
                                             "\xFF"
                                             "bad",
                                             "fine", "last\xFE"}));
}

TEST(Script, LinesEndByThrowingWhenTheCommandFailed) {
    std::vector<std::string> got;
    try {
        for (const auto& line : sh("sh -c {}", "echo one; echo two; exit 5").readLines()) got.push_back(line);
        ADD_FAILURE() << "no throw";
    } catch (const ScriptError& e) {
        EXPECT_EQ(e.exitCode, 5);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"one", "two"}));
}

TEST(Script, LeavingTheLinesEarlyKillsTheCommand) {
    auto started = std::chrono::steady_clock::now();
    int n = 0;
    for (const auto& line : sh("yes").readLines()) {
        EXPECT_EQ(line, "y");
        if (++n == 3) break;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, test::kHangGuard);
}

namespace {
// The pid of a command started through the script layer by a process that then died.
int scriptOrphan(bool detached) {
    auto r = sh(R"({} {} {})", std::string(CP_IPC_CHILD_PATH), "script-orphan-maker", detached ? "detached" : "").run();
    return std::atoi(r.stdoutData.c_str());
}
}  // namespace

TEST(Script, CommandsDieWithTheScriptUnlessDetached) {
    int pid = scriptOrphan(false);
    ASSERT_GT(pid, 0);
    EXPECT_TRUE(test::waitGone(pid)) << "pid " << pid << " outlived the script that ran it";
    pid = scriptOrphan(true);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(300ms);
    EXPECT_FALSE(test::processGone(pid)) << "a detached command died with the script";
    ::kill(pid, SIGKILL);
}

TEST(Script, VerboseEchoesEachCommandAndHowItEnded) {
    auto shown = ourStderrDuring([] {
        sh.verbose()("echo {}", "a b").run();
        sh.verbose().nothrow()("sh -c {}", "exit 2").run();
        sh("echo quiet").run();
    });
    EXPECT_NE(shown.find("$ echo 'a b'\n  exit 0 in "), std::string::npos) << shown;
    EXPECT_NE(shown.find("$ sh -c 'exit 2'\n  exit 2 in "), std::string::npos) << shown;
    EXPECT_EQ(shown.find("quiet"), std::string::npos) << shown;
    ::setenv("CHILDPROC_VERBOSE", "1", 1);
    shown = ourStderrDuring([] { sh("echo loud").run(); });
    ::unsetenv("CHILDPROC_VERBOSE");
    EXPECT_NE(shown.find("$ echo loud\n"), std::string::npos) << shown;
}

TEST(Script, RetryUntilItSucceeds) {
    const std::string counter = test::tempPath("script-retry.txt");
    ::unlink(counter.c_str());
    // Fails on its first two runs.
    auto flaky =
        sh("sh -c {} flaky {}", "n=$(cat \"$1\" 2>/dev/null || echo 0); echo $((n+1)) > \"$1\"; [ $n -ge 2 ]", counter);
    auto r = retry(5, Backoff{1ms}, [&] { return flaky.run(); });
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(slurp(counter), "3\n");
    ::unlink(counter.c_str());
    EXPECT_THROW(retry(2, Backoff{1ms}, [&] { return flaky.run(); }), ScriptError);
    EXPECT_EQ(slurp(counter), "2\n");
    EXPECT_EQ(backoffDelay(Backoff{100ms, 2.0, 30s}, 3), 400ms);
    ::unlink(counter.c_str());
    auto attempt = [&] { return flaky.async(); };
    EXPECT_TRUE(runUntil(retryAsync(3, Backoff{1ms}, attempt)).ok());
}

TEST(Script, NoFdIsLeft) {
    sh("true").run();  // the first run opens what stays open (the default loop is not used)
    const int before = test::openFds();
    for (int i = 0; i < 20; ++i) {
        (sh("echo x") | sh("cat")).stdoutTo("/dev/null").run();
        for (const auto& l : sh("seq 1 3").readLines()) (void)l;
        sh.nothrow().timeout(1ms)("sleep 1").run();
    }
    EXPECT_EQ(test::openFds(), before);
}

// execa's test/arguments/template.js, ported line by line where C++ has the same
// thing to say (its JavaScript escape-sequence cases are the compiler's business
// here). echo.js prints one argument per line; this helper prints them as JSON.
namespace {
nlohmann::json argvOf(const Cmd& c) { return c.json(); }
Cmd echoJs() { return sh("python3 -c {}", kArgvJson); }
}  // namespace

TEST(ScriptExecaTemplate, PortedCases) {
    using J = nlohmann::json;
    // '$ allows number interpolation': $`echo.js 1 ${2}` → '1\n2'
    EXPECT_EQ(argvOf(sh("python3 -c {} 1 {}", kArgvJson, 2)), J({"1", "2"}));
    // '$ can concatenate multiple tokens': $`echo.js ${'foo'}bar${'foo'}` → 'foobarfoo'
    EXPECT_EQ(argvOf(sh("python3 -c {} {}bar{}", kArgvJson, "foo", "foo")), J({"foobarfoo"}));
    // '$ can use newlines and tab indentations': $`echo.js foo\n\tbar` → 'foo\nbar'
    EXPECT_EQ(argvOf(sh("python3 -c {} foo\n\tbar", kArgvJson)), J({"foo", "bar"}));
    // '$ can use Windows newlines and tab indentations'
    EXPECT_EQ(argvOf(sh("python3 -c {} foo\r\n\tbar", kArgvJson)), J({"foo", "bar"}));
    // '$ does not ignore comments in expressions': ${''} stays an empty argument
    EXPECT_EQ(argvOf(sh("python3 -c {} foo\n\t{}\n\tbar\n\t{}\n\tbaz\n", kArgvJson, "", "")),
              J({"foo", "", "bar", "", "baz"}));
    // '$ allows escaping spaces with interpolation': $`echo.js ${'foo bar'}`
    EXPECT_EQ(argvOf(sh("python3 -c {} {}", kArgvJson, "foo bar")), J({"foo bar"}));
    // '$ allows escaping spaces in commands with interpolation': ${'command with space.js'}
    const std::string spaced = test::tempPath("command with space");
    {
        std::ofstream f(spaced);
        f << "#!/bin/sh\nprintf '%s\\n' \"$@\"\n";
    }
    ::chmod(spaced.c_str(), 0755);
    EXPECT_EQ(sh("{} foo bar", spaced).text(), "foo\nbar");
    // '$ trims': $`  echo.js foo bar  `
    EXPECT_EQ(argvOf(sh("  python3 -c {} foo bar  ", kArgvJson)), J({"foo", "bar"}));
    // '$ allows array interpolation', '... empty array ...', '... space escaped values in array ...'
    EXPECT_EQ(argvOf(sh("python3 -c {} {}", kArgvJson, std::vector<std::string>{"foo", "bar"})), J({"foo", "bar"}));
    EXPECT_EQ(argvOf(sh("python3 -c {} foo {} bar", kArgvJson, std::vector<std::string>{})), J({"foo", "bar"}));
    EXPECT_EQ(argvOf(sh("python3 -c {} {}", kArgvJson, std::vector<std::string>{"foo", "bar baz"})),
              J({"foo", "bar baz"}));
    // '$ can concatenate at the end of tokens followed by an array': a difference on
    // purpose, a range stands alone (README, Scripting).
    EXPECT_EQ(test::thrownCode([] {
                  sh("echo foo{}", std::vector<std::string>{"bar", "foo"});
              }),
              "ERR_INVALID_ARG_VALUE");
    // '$ handles tokens - ""': $`echo.js` → ''
    EXPECT_EQ(argvOf(echoJs()), J::array());
    // '$ handles expressions - ""': $`echo.js a ${''} b` → 'a\n\nb'
    EXPECT_EQ(argvOf(sh("python3 -c {} a {} b", kArgvJson, "")), J({"a", "", "b"}));
    // '$ splits expressions - ""': $`echo.js ${'a'}${'b'}` → 'ab'
    EXPECT_EQ(argvOf(sh("python3 -c {} {}{}", kArgvJson, "a", "b")), J({"ab"}));
    // '$ concatenates expressions - ""': $`echo.js a${'b'}c` → 'abc'
    EXPECT_EQ(argvOf(sh("python3 -c {} a{}c", kArgvJson, "b")), J({"abc"}));
    // '$ handles expressions - " "' (1 to 3 spaces): the spaces are the argument
    for (std::string s : {" ", "  ", "   "}) EXPECT_EQ(argvOf(sh("python3 -c {} {}", kArgvJson, s)), J({s}));
    // '$ splits tokens - " "' (1 to 3 spaces), '$ concatenates tokens - " "'
    EXPECT_EQ(argvOf(sh("python3 -c {} a b", kArgvJson)), J({"a", "b"}));
    EXPECT_EQ(argvOf(sh("python3 -c {} a  b", kArgvJson)), J({"a", "b"}));
    EXPECT_EQ(argvOf(sh("python3 -c {} a   b", kArgvJson)), J({"a", "b"}));
    EXPECT_EQ(argvOf(sh("python3 -c {}    {}   ", kArgvJson, "a")), J({"a"}));
    // '$ handles expressions - \t (no escape)' and '\n (no escape)': inside ${} they are the argument
    EXPECT_EQ(argvOf(sh("python3 -c {} {}", kArgvJson, "\t")), J({"\t"}));
    EXPECT_EQ(argvOf(sh("python3 -c {} {} ", kArgvJson, "\n")), J({"\n"}));
    // '$ splits tokens - \t (no escape)': $`echo.js a\tb` → 'a\nb'
    EXPECT_EQ(argvOf(sh("python3 -c {} a\tb", kArgvJson)), J({"a", "b"}));
}

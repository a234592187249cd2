// SPDX-License-Identifier: MIT
// The childproc CLI as a user runs it, as env(1) and timeout(1) are run: options
// before the program, exit statuses, stdin, --json, --trace.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

namespace {
const std::string kTool = CP_TOOL_PATH;

struct Run {
    int status;
    std::string out, err;
};

std::string lastLine(const std::string& s) {
    const auto end = s.size() && s.back() == '\n' ? s.size() - 1 : s.size();
    const auto start = s.rfind('\n', end ? end - 1 : 0);
    return s.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1));
}

Run cli(const std::vector<std::string>& args, std::optional<std::string> input = std::nullopt) {
    SpawnSyncOptions o;
    o.stdio = StdioType::pipe;
    o.maxBuffer = unlimited;
    o.input = std::move(input);
    auto r = spawnSync(kTool, args, o);
    return {r.status.value_or(-1), r.stdoutData.value_or(""), r.stderrData.value_or("")};
}
}  // namespace

TEST(Cli, SpawnExitStatusIsTheChilds) {
    auto r = cli({"spawn", kHelper, "out", "1", "hi", "exit", "3"});
    EXPECT_EQ(r.status, 3);
    EXPECT_EQ(r.out, "hi");
}

TEST(Cli, SignalGives128PlusN) {
    EXPECT_EQ(cli({"spawn", kHelper, "raise", std::to_string(SIGKILL)}).status, 128 + SIGKILL);
    EXPECT_EQ(cli({"exec", "kill -TERM $$"}).status, 128 + SIGTERM);
}

// Limits as prlimit(1) and setpriv(1) set them; what the child used as GNU time(1) prints it.
TEST(Cli, RlimitNiceAndNoNewPrivsReachTheChild) {
    auto r = cli({"spawn", "--rlimit", "nofile=32:64", "--rlimit", "core=0", "--nice", "5", "--no-new-privs", "sh",
                  "-c", "ulimit -n; ulimit -Hn; ulimit -c; nice; grep NoNewPrivs /proc/self/status"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "32\n64\n0\n5\nNoNewPrivs:\t1\n");
}

TEST(Cli, ABadRlimitIsAUsageError) {
    for (const char* bad : {"files=3", "nofile=3:2", "nofile=many"}) {
        auto r = cli({"spawn", "--rlimit", bad, "true"});
        EXPECT_EQ(r.status, 125) << bad;
        EXPECT_NE(r.err.find(std::string("Invalid resource limit '") + bad), std::string::npos) << r.err;
    }
    EXPECT_EQ(cli({"spawn", "--nice", "20", "true"}).status, 125);
}

// Above the hard limit, as a user who may not raise it: run the CLI as nobody
// when the suite runs as root (killWithParent takes a backend that sets ids).
TEST(Cli, ALimitAboveTheHardOneIsRefusedNamingIt) {
    struct rlimit now {};
    ::getrlimit(RLIMIT_NOFILE, &now);
    if (now.rlim_max == RLIM_INFINITY) GTEST_SKIP() << "no hard limit on open files here";
    const std::string above = std::to_string(now.rlim_max + 1);
    SpawnSyncOptions o;
    o.stdio = StdioType::pipe;
    if (::geteuid() == 0) {
        o.uid = 65534;
        o.gid = 65534;
        o.killWithParent = true;
    }
    auto r = spawnSync(kTool, {"spawn", "--rlimit", "nofile=" + above, "true"}, o);
    if (r.error) GTEST_SKIP() << "cannot run the CLI as nobody here: " << r.error->message();
    EXPECT_EQ(r.status, 125);
    EXPECT_NE(r.stderrData->find("spawn EPERM (limit nofile=" + above + ":" + above + " refused)"), std::string::npos)
        << *r.stderrData;
}

TEST(Cli, SpawnTimePrintsGnuTimesLines) {
    auto r = cli({"spawn", "--time", "--backend", "posix_spawn", "sh", "-c", "exit 3"});
    EXPECT_EQ(r.status, 3);
    const std::regex gnuTime(
        "Command exited with non-zero status 3\n"
        "[0-9]+\\.[0-9]{2}user [0-9]+\\.[0-9]{2}system [0-9]+:[0-9]{2}\\.[0-9]{2}elapsed [0-9]+%CPU "
        "\\(0avgtext\\+0avgdata [1-9][0-9]*maxresident\\)k\n"
        "[0-9]+inputs\\+[0-9]+outputs \\([0-9]+major\\+[1-9][0-9]*minor\\)pagefaults 0swaps\n");
    EXPECT_TRUE(std::regex_match(r.err, gnuTime)) << r.err;
}

TEST(Cli, JsonRecordCarriesWhatTheChildUsed) {
    auto r = cli({"spawn", "--json", "--backend", "posix_spawn", "true"});
    auto j = nlohmann::json::parse(lastLine(r.err));
    EXPECT_GT(j["resourceUsage"]["maxRSS"].get<long>(), 0);
    EXPECT_TRUE(j["resourceUsage"]["userCPUTime"].is_number());
    SKIP_UV_SPAWN_UNDER_TSAN();
    r = cli({"spawn", "--json", "--backend", "uv", "true"});
    EXPECT_TRUE(nlohmann::json::parse(lastLine(r.err))["resourceUsage"].is_null());
}

TEST(Cli, SpawnFailureGives127AndNamesTheError) {
    auto r = cli({"spawn", "no-such-program-xyz"});
    EXPECT_EQ(r.status, 127);
    EXPECT_EQ(r.err, "childproc: spawn no-such-program-xyz ENOENT\n");
}

TEST(Cli, ChildArgumentsWithDashesBelongToTheChild) {
    auto r = cli({"spawn", "sh", "-c", "echo $0 $1", "--json", "-x"});
    EXPECT_EQ(r.out, "--json -x\n");
}

TEST(Cli, SpawnJson) {
    auto r = cli({"spawn", "--json", "--stdio", "ignore", kHelper, "exit", "4"});
    auto j = nlohmann::json::parse(lastLine(r.err));
    EXPECT_EQ(j["exitCode"], 4);
    EXPECT_TRUE(j["signal"].is_null());
    EXPECT_GT(j["pid"].get<int>(), 0);
    EXPECT_GE(j["durationMs"].get<double>(), 0.0);
    EXPECT_TRUE(j["error"].is_null());
    EXPECT_EQ(r.status, 4);
}

TEST(Cli, SpawnJsonError) {
    auto r = cli({"spawn", "--json", "no-such-program-xyz"});
    auto j = nlohmann::json::parse(lastLine(r.err));
    EXPECT_TRUE(j["pid"].is_null());
    EXPECT_EQ(j["error"]["code"], "ENOENT");
    EXPECT_EQ(j["error"]["errno"], UV_ENOENT);
    EXPECT_EQ(j["error"]["syscall"], "spawn no-such-program-xyz");
    EXPECT_EQ(j["error"]["path"], "no-such-program-xyz");
}

TEST(Cli, ExecJsonBuffersOutput) {
    auto r = cli({"exec", "--json", "echo out; echo err >&2; exit 2"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["stdout"], "out\n");
    EXPECT_EQ(j["stderr"], "err\n");
    EXPECT_EQ(j["exitCode"], 2);
    EXPECT_EQ(j["error"]["exitCode"], 2);
    EXPECT_EQ(j["error"]["cmd"], "echo out; echo err >&2; exit 2");
    EXPECT_EQ(r.status, 2);
}

TEST(Cli, ExecMaxBufferFailsEvenWhenTheChildExitedZero) {
    auto r = cli({"exec", "--json", "--max-buffer", "3", "echo 0123456789"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["stdout"], "012");
    EXPECT_EQ(j["error"]["code"], "ERR_CHILD_PROCESS_STDIO_MAXBUFFER");
    EXPECT_NE(r.status, 0);
}

TEST(Cli, ExecFileTakesArgsLiterally) {
    auto r = cli({"execfile", "echo", "$HOME", ";"});
    EXPECT_EQ(r.out, "$HOME ;\n");
    EXPECT_EQ(r.status, 0);
}

TEST(Cli, TimeoutAndKillSignal) {
    auto r = cli({"spawn", "--timeout", "100", "--kill-signal", "SIGKILL", kHelper, "sleep", "10000"});
    EXPECT_EQ(r.status, 128 + SIGKILL);
}

TEST(Cli, EnvCwdArgv0) {
    auto r = cli({"spawn", "--env", "A=1", "--env", "B=2", "--cwd", "/tmp", "--argv0", "nm", kHelper, "env", "A", "env",
                  "B", "cwd", "argv"});
    EXPECT_EQ(r.out, "1\n2\n/tmp\nnm\nenv\nA\nenv\nB\ncwd\nargv\n");
}

TEST(Cli, ClearEnv) {
    auto r = cli({"spawn", "--clear-env", "--env", "ONLY=1", kHelper, "env", "ONLY", "env", "HOME"});
    EXPECT_EQ(r.out, "1\n<unset>\n");
}

TEST(Cli, ShellFlag) {
    EXPECT_EQ(cli({"spawn", "--shell=", "echo $((2+3))"}).out, "5\n");
    EXPECT_EQ(cli({"spawn", "--shell=/bin/bash", "echo ${BASH_VERSION:+bash}"}).out, "bash\n");
}

TEST(Cli, TraceShowsEachEvent) {
    auto r = cli({"spawn", "--trace", kHelper, "out", "1", "12345"});
    for (const std::string& needle : std::vector<std::string>{
             "spawn() started the child", "backend=", "argv=[\"" + kHelper + "\",\"out\",\"1\",\"12345\"]",
             std::string("stdio[0]"), "stdio[1] pipe", "spawn event", "stdio[1] closed bytesRead=5",
             "exit event code=0", "close event"})
        EXPECT_NE(r.err.find(needle), std::string::npos) << needle << "\n" << r.err;
    EXPECT_NE(r.err.find(" ms] "), std::string::npos);  // timestamped
}

TEST(Cli, PipelineJoinsStagesAndReportsPipefail) {
    auto ok = cli({"pipeline", "printf", "b\\na\\n", "|", "sort"});
    EXPECT_EQ(ok.out, "a\nb\n");
    EXPECT_EQ(ok.status, 0);
    auto bad = cli({"pipeline", "--json", kHelper, "exit", "3", "|", "cat"});
    auto j = nlohmann::json::parse(bad.out);
    EXPECT_EQ(j["stages"][0]["exitCode"], 3);
    EXPECT_EQ(j["stages"][1]["exitCode"], 0);
    EXPECT_EQ(bad.status, 3);
}

TEST(Cli, BadOptionValueIsAClearError) {
    auto r = cli({"spawn", "--kill-signal", "SIGNOPE", "true"});
    EXPECT_EQ(r.status, 125);
    EXPECT_NE(r.err.find("childproc: --kill-signal: unknown signal 'SIGNOPE'"), std::string::npos) << r.err;
}

TEST(Cli, HelpNamesTheNodeEquivalent) {
    EXPECT_NE(cli({"spawn", "--help"}).out.find("Node: child_process.spawn"), std::string::npos);
    EXPECT_NE(cli({"exec", "--help"}).out.find("Node: child_process.exec"), std::string::npos);
    EXPECT_NE(cli({"execfile", "--help"}).out.find("Node: child_process.execFile"), std::string::npos);
}

TEST(Cli, ForkSendRoundTripWithIpcEcho) {
    auto r = cli({"fork", "--send", "{\"a\":1}", "--send", "\"two\"", "--disconnect", kTool, "ipc-echo"});
    EXPECT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    std::string first, second;
    std::getline(lines, first);
    std::getline(lines, second);
    auto a = nlohmann::json::parse(first), b = nlohmann::json::parse(second);
    EXPECT_EQ(a["echo"]["a"], 1);
    EXPECT_EQ(b["echo"], "two");
    EXPECT_GT(a["pid"].get<int>(), 0);
}

TEST(Cli, ForkTraceShowsWireBytes) {
    auto r = cli({"fork", "--trace", "--send", "{\"a\":1}", "--disconnect", kTool, "ipc-echo"});
    EXPECT_NE(r.err.find("ipc out 8 bytes: 7b 22 61 22 3a 31 7d 0a"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ipc in "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("disconnect event"), std::string::npos) << r.err;
}

TEST(Cli, IpcEchoWithoutAChannelSaysSo) {
    auto r = cli({"ipc-echo"});
    EXPECT_EQ(r.status, 125);
    EXPECT_NE(r.err.find("no IPC channel"), std::string::npos);
}

TEST(Cli, NodeParentTalksToIpcEcho) {
    SpawnSyncOptions o;
    o.stdio = StdioType::pipe;
    auto r = spawnSync(CP_NODE_PATH,
                       {"-e",
                        "const {fork}=require('child_process');"
                        "const c=fork('ipc-echo',[],{execPath:process.argv[1]});"
                        "c.on('message',m=>{console.log(JSON.stringify(m.echo));c.disconnect();});"
                        "c.send({from:'node',n:[1,2,3]});",
                        kTool},
                       o);
    EXPECT_EQ(r.status, 0) << r.stderrData.value_or("");
    EXPECT_EQ(r.stdoutData, "{\"from\":\"node\",\"n\":[1,2,3]}\n");
}

TEST(Cli, ForkJsonSummaryAfterTheMessages) {
    auto r = cli({"fork", "--json", "--send", "1", "--disconnect", kTool, "ipc-echo"});
    auto j = nlohmann::json::parse(lastLine(r.err));
    EXPECT_EQ(r.out, "{\"echo\":1,\"pid\":" + j["pid"].dump() + "}\n");
    EXPECT_EQ(j["exitCode"], 0);
    EXPECT_EQ(j["messagesSent"], 1);
    EXPECT_EQ(j["messagesReceived"], 1);
}

TEST(Cli, TraceSaysWhenWeSentTheSignal) {
    auto r = cli({"spawn", "--trace", "--timeout", "50", kHelper, "sleep", "5000"});
    EXPECT_NE(r.err.find("exit event (we had sent it a signal: killed=true) code=null signal=\"SIGTERM\""),
              std::string::npos)
        << r.err;
}

// ---- env(1)/timeout(1) conventions -----------------------------------------

TEST(Cli, OurOptionsOnlyBeforeTheCommandAndDoubleDashIsConsumed) {
    EXPECT_EQ(cli({"spawn", "--", "echo", "a", "b"}).out, "a b\n");
    auto r = cli({"spawn", "echo", "--json", "--timeout", "5"});  // the child's words
    EXPECT_EQ(r.out, "--json --timeout 5\n");
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(cli({"spawn", "--", "--not-ours"}).status, 127);  // after --, even a dash word is the program
    EXPECT_EQ(cli({"execfile", "--timeout", "5000", "--", "echo", "--", "x"}).out, "-- x\n");
}

// After --, a word that looks like our option is the program: a program named
// --help runs rather than our help being printed.
TEST(Cli, AProgramNamedLikeAnOptionRunsAfterDoubleDash) {
    const std::string dir = test::tempPath("cli-help-program");
    ::mkdir(dir.c_str(), 0755);
    const std::string program = dir + "/--help";
    std::FILE* f = std::fopen(program.c_str(), "w");
    std::fputs("#!/bin/sh\necho ran as \"$0\" \"$@\"\n", f);
    std::fclose(f);
    ::chmod(program.c_str(), 0755);
    SpawnSyncOptions o;
    o.stdio = StdioType::pipe;
    o.env = processEnv();
    (*o.env)["PATH"] = dir + ":" + (*o.env)["PATH"];
    for (const char* command : {"execfile", "spawn"}) {
        auto r = spawnSync(kTool, {command, "--", "--help", "--version"}, o);
        EXPECT_EQ(r.status, 0) << command << r.stderrData.value_or("");
        EXPECT_EQ(r.stdoutData, "ran as " + program + " --version\n") << command;
    }
    ::unlink(program.c_str());
    ::rmdir(dir.c_str());
}

// --shell[=PATH] and --trace[=json] take a value only after '=': the next word is the program.
TEST(Cli, AnOptionalValueIsNeverTheProgramsName) {
    EXPECT_EQ(cli({"spawn", "--shell", "echo", "$((6*7))"}).out, "42\n");
    EXPECT_EQ(cli({"spawn", "--shell=/bin/sh", "echo", "$((6*7))"}).out, "42\n");
    EXPECT_EQ(cli({"exec", "--trace=json", "echo hi"}).out, "hi\n");
    EXPECT_EQ(cli({"spawn", "--trace=yes", "true"}).status, 125);
}

TEST(Cli, AnUnknownOptionIsAUsageError) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"spawn", "--frobnicate", "true"},
                                                                  {"spawn", "--timout", "100", "sleep", "2"},
                                                                  {"exec", "--json=yes", "true"},
                                                                  {"spawn", "-x", "true"},
                                                                  {"frobnicate"},
                                                                  {}}) {
        auto r = cli(args);
        EXPECT_EQ(r.status, 125) << r.err;
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(r.err.rfind("childproc: ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find("--help' for more information."), std::string::npos) << r.err;
    }
    EXPECT_NE(cli({"spawn", "--frobnicate", "true"}).err.find("unrecognized option '--frobnicate'"), std::string::npos);
}

TEST(Cli, UsageErrorsSayWhatIsWrong) {
    EXPECT_EQ(cli({"spawn", "--timeout"}).err,
              "childproc: option '--timeout' needs a value (MS)\nTry 'childproc spawn --help' for more information.\n");
    EXPECT_EQ(cli({"exec", "--json=yes", "true"}).err,
              "childproc: option '--json' takes no value\nTry 'childproc exec --help' for more information.\n");
    EXPECT_EQ(cli({"--frobnicate"}).err,
              "childproc: unrecognized option '--frobnicate'\nTry 'childproc --help' for more information.\n");
    EXPECT_EQ(cli({"tour", "now"}).err,
              "childproc: unexpected argument 'now'\nTry 'childproc tour --help' for more information.\n");
}

TEST(Cli, ExitStatusesAreEnvs) {
    EXPECT_EQ(cli({"spawn", "no-such-program-xyz"}).status, 127);
    const std::string plain = test::tempPath("not-executable");
    std::fclose(std::fopen(plain.c_str(), "w"));
    auto r = cli({"spawn", plain});
    EXPECT_EQ(r.status, 126) << r.err;  // found, cannot be run: EACCES
    EXPECT_NE(r.err.find("EACCES"), std::string::npos);
    ::unlink(plain.c_str());
    EXPECT_EQ(cli({"spawn", "--cwd", "/no/such/dir", "true"}).status, 125);  // env -C's status
    EXPECT_EQ(cli({"spawn", kHelper, "exit", "7"}).status, 7);
    EXPECT_EQ(cli({"spawn", kHelper, "raise", std::to_string(SIGTERM)}).status, 128 + SIGTERM);
}

TEST(Cli, Version) {
    auto r = cli({"--version"});
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "childproc " CHILDPROC_VERSION "\n");
}

TEST(Cli, HelpDocumentsTheExitStatuses) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"spawn", "--help"}}) {
        auto r = cli(args);
        EXPECT_EQ(r.status, 0);
        for (const char* needle : {"Exit status:", "125", "126", "127", "128+N"})
            EXPECT_NE(r.out.find(needle), std::string::npos) << needle;
    }
}

TEST(Cli, StdinPassesThrough) {
    EXPECT_EQ(cli({"exec", "cat"}, "hi\n").out, "hi\n");
    EXPECT_EQ(cli({"execfile", "cat"}, "hi\n").out, "hi\n");
    EXPECT_EQ(cli({"spawn", "--stdio", "pipe", "cat"}, "piped\n").out, "piped\n");
    EXPECT_EQ(cli({"spawn", "cat"}, "inherited\n").out, "inherited\n");
    EXPECT_EQ(cli({"pipeline", "cat", "|", "wc", "-c"}, std::string(1000, 'y')).out, "1000\n");
    EXPECT_EQ(cli({"exec", "head -c 3"}, std::string(1 << 20, 'z')).out, "zzz");  // stops reading: no hang
}

// A child that exits without reading: our stdin (still open) must not keep us waiting.
TEST(Cli, AChildThatIgnoresStdinDoesNotHangUs) {
    SpawnOptions o;
    o.stdio = {StdioType::pipe, StdioType::pipe, StdioType::pipe};
    auto c = spawn(kTool, {"exec", "echo done"}, o);  // its stdin pipe stays open
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    std::optional<int> code;
    c->onExit([&](std::optional<int> x, auto) { code = x; });
    ASSERT_TRUE(test::pumpUntil([&] { return code.has_value(); }));
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out, "done\n");
    c->stdinPipe()->end();
    test::runLoop();
}

TEST(Cli, PipelineRefusesPerProcessOptionsAndMalformedBars) {
    for (const char* option :
         {"--uid=12345", "--gid=1", "--shell", "--argv0=x", "--detached", "--unref", "--stdio=pipe"})
        EXPECT_EQ(cli({"pipeline", option, "true"}).status, 125) << option;
    for (const auto& words :
         std::vector<std::vector<std::string>>{{"|", "true"}, {"true", "|"}, {"true", "|", "|", "true"}}) {
        std::vector<std::string> args{"pipeline"};
        args.insert(args.end(), words.begin(), words.end());
        auto r = cli(args);
        EXPECT_EQ(r.status, 125);
        EXPECT_NE(r.err.find("empty stage"), std::string::npos) << r.err;
    }
}

TEST(Cli, NumbersAreChecked) {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"exec", "--max-buffer", "lots", "true"},
                                               {"exec", "--max-buffer", "-1", "true"},
                                               {"exec", "--timeout", "-5", "true"},
                                               {"exec", "--timeout", "123456789012345678901", "true"},
                                               {"spawn", "--uid", "4294967296", "true"},
                                               {"spawn", "--stdio", "pipe,-3", "true"},
                                               {"cluster", "--workers", "0"}}) {
        auto r = cli(args);
        EXPECT_EQ(r.status, 125) << args[1];
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 2) << r.err;  // the error and the --help pointer
        EXPECT_NE(r.err.find("is not a whole number"), std::string::npos) << r.err;
    }
}

TEST(Cli, AScriptWithoutShebangRunsThroughSh) {
    const std::string script = test::tempPath("cli-no-shebang");
    std::FILE* f = std::fopen(script.c_str(), "w");
    std::fputs("echo via sh $1\n", f);
    std::fclose(f);
    ::chmod(script.c_str(), 0755);
    auto r = cli({"spawn", script, "ok"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "via sh ok\n");
    ::unlink(script.c_str());
}

TEST(Cli, ATimeoutKillIsSaidInOneLine) {
    auto r = cli({"exec", "--timeout", "100", "sleep 5"});
    EXPECT_EQ(r.status, 128 + SIGTERM);
    EXPECT_EQ(r.err, "childproc: killed by SIGTERM after 100 ms timeout\n");
    r = cli({"spawn", "--timeout", "100", "--kill-signal", "SIGKILL", "sleep", "5"});
    EXPECT_EQ(r.status, 128 + SIGKILL);
    EXPECT_EQ(r.err, "childproc: killed by SIGKILL after 100 ms timeout\n");
}

// The record never mixes with the child's stdout: stderr for spawn, or --json-fd N.
TEST(Cli, JsonGoesWhereTheChildsStdoutIsNot) {
    auto r = cli({"spawn", "--json", "echo", "{not json}"});
    EXPECT_EQ(r.out, "{not json}\n");
    EXPECT_EQ(nlohmann::json::parse(lastLine(r.err))["exitCode"], 0);
    // --json-fd 3: our fd 3 is a pipe back to the test, read through an extra stdio slot.
    SpawnOptions o;
    o.stdio = {StdioType::ignore, StdioType::pipe, StdioType::pipe, StdioType::pipe};
    auto c = spawn(kTool, {"spawn", "--json-fd", "3", "echo", "out"}, o);
    std::string out, fd3;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    c->stdio(3)->onData([&](std::string_view d) { fd3 += d; });
    test::runLoop();
    EXPECT_EQ(out, "out\n");
    EXPECT_EQ(nlohmann::json::parse(fd3)["argv"], (nlohmann::json{"echo", "out"}));
}

TEST(Cli, TraceHtmlWritesATimelinePage) {
    const std::string page = test::tempPath("cli-trace.html");
    std::remove(page.c_str());
    auto r = cli({"pipeline", "--trace=html=" + page, "printf", "b\\na\\n", "|", "sort"});
    EXPECT_EQ(r.out, "a\nb\n");
    EXPECT_NE(r.err.find("timeline written to " + page), std::string::npos) << r.err;
    std::ifstream f(page);
    const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::size_t lanes = 0;
    for (auto at = html.find("<g class=\"lane\""); at != std::string::npos; at = html.find("<g class=\"lane\"", at + 1))
        ++lanes;
    EXPECT_EQ(lanes, 3u);  // this process and the two stages
    EXPECT_NE(html.find("class=\"pipe\""), std::string::npos);
    EXPECT_EQ(cli({"spawn", "--trace=htm", "true"}).status, 125);
    auto unwritable = cli({"spawn", "--trace=html=/nonexistent-dir/x.html", "true"});
    EXPECT_EQ(unwritable.status, 0);  // the run is the child's; the page's failure is said, not fatal
    EXPECT_NE(unwritable.err.find("/nonexistent-dir/x.html"), std::string::npos) << unwritable.err;
}

TEST(Cli, ClusterTraceNamesTheWorkers) {
    auto r = cli({"cluster", "--trace", "--workers", "2", "--requests", "4"});
    EXPECT_EQ(r.status, 0) << r.err;
    for (const char* needle :
         {"worker 1 forked", "worker 2 online", "worker 1 listening on", "was handed a connection", "worker 2 exited"})
        EXPECT_NE(r.err.find(needle), std::string::npos) << needle << "\n" << r.err;
}

TEST(Cli, TraceJsonIsOneObjectPerLine) {
    auto r = cli({"spawn", "--trace=json", "echo", "x"});
    std::istringstream lines(r.err);
    int n = 0;
    bool sawArgv = false;
    for (std::string line; std::getline(lines, line); ++n) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        ASSERT_TRUE(j.is_object()) << line;
        EXPECT_TRUE(j["t"].is_number());
        EXPECT_TRUE(j["event"].is_string());
        sawArgv = sawArgv || j.contains("argv");
    }
    EXPECT_GT(n, 4);
    EXPECT_TRUE(sawArgv);
}

// childproc cluster: the policies, socket activation, SIGHUP and SIGTERM.
TEST(Cli, ClusterReuseportServesEveryRequestFromItsWorkers) {
    auto r = cli({"cluster", "--workers", "2", "--policy", "reuseport", "--requests", "40"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("(SO_REUSEPORT)"), std::string::npos) << r.out;
    int answered = 0;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (auto at = line.find(" × hello from "); at != std::string::npos) answered += std::stoi(line.substr(0, at));
    EXPECT_EQ(answered, 40) << r.out;
    EXPECT_NE(r.out.find("all workers disconnected and exited"), std::string::npos);
}

TEST(Cli, ClusterUnderSocketActivationServesThePassedSocketWithoutAPort) {
    test::LoopbackSocket bound(false);
    SpawnSyncOptions o;
    o.stdio = std::vector<Stdio>{StdioType::pipe, StdioType::pipe, StdioType::pipe, bound.fd};
    o.maxBuffer = unlimited;
    auto r = spawnSync("/bin/sh",
                       {"-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" cluster --workers 2 --requests 10", kTool}, o);
    const std::string out = r.stdoutData.value_or("");
    EXPECT_EQ(r.status, 0) << r.stderrData.value_or("");
    EXPECT_NE(out.find("listening on port " + std::to_string(bound.port)), std::string::npos) << out;
    EXPECT_EQ(out.find("(no answer)"), std::string::npos) << out;
}

TEST(Cli, ClusterReloadsOnSighupAndStopsGracefullyOnSigterm) {
    SpawnOptions o;
    o.stdio = std::vector<Stdio>{StdioType::ignore, StdioType::pipe, 2};
    auto child = spawn(kTool, {"cluster", "--workers", "2"}, o);
    std::string out;
    child->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    std::optional<int> code;
    child->onExit([&](std::optional<int> c, std::optional<std::string>) { code = c.value_or(-1); });
    auto count = [&](const std::string& text) {
        std::size_t n = 0;
        for (auto at = out.find(text); at != std::string::npos; at = out.find(text, at + 1)) ++n;
        return n;
    };
    ASSERT_TRUE(test::pumpUntil([&] { return count(" listening on port ") == 2; })) << out;
    child->kill(SIGHUP);
    ASSERT_TRUE(test::pumpUntil([&] { return count("reloaded: every worker is new") == 1; })) << out;
    EXPECT_EQ(count(" listening on port "), 4u);
    child->kill(SIGTERM);
    ASSERT_TRUE(test::pumpUntil([&] { return code.has_value(); })) << out;
    EXPECT_EQ(code, 0);
    EXPECT_EQ(count("exitedAfterDisconnect=true"), 4u) << out;
    EXPECT_EQ(count("restarting it"), 0u) << out;
    EXPECT_NE(out.find("SIGTERM: stopping gracefully"), std::string::npos) << out;
}

// SPDX-License-Identifier: MIT
// The childproc CLI as a user runs it: exit statuses, --json, --trace.

#include <nlohmann/json.hpp>
#include <sstream>

#include "support.hpp"

using namespace childproc;
using test::kHelper;

namespace {
const std::string kTool = CP_TOOL_PATH;

struct Run {
    int status;
    std::string out, err;
};

Run cli(const std::vector<std::string>& args) {
    SpawnSyncOptions o;
    o.stdio = StdioType::pipe;
    o.maxBuffer = unlimited;
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
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["exitCode"], 4);
    EXPECT_TRUE(j["signal"].is_null());
    EXPECT_GT(j["pid"].get<int>(), 0);
    EXPECT_GE(j["durationMs"].get<double>(), 0.0);
    EXPECT_TRUE(j["error"].is_null());
    EXPECT_EQ(r.status, 4);
}

TEST(Cli, SpawnJsonError) {
    auto r = cli({"spawn", "--json", "no-such-program-xyz"});
    auto j = nlohmann::json::parse(r.out);
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
    for (const char* needle : {"spawn() returned: pid", "backend", "stdio[0]", "stdio[1] pipe", "spawn event",
                               "stdio[1] closed after 5 bytes read", "exit event: code=0", "close event: code=0"})
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
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("Unknown signal: SIGNOPE"), std::string::npos);
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
    EXPECT_EQ(r.status, 2);
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
    auto last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
    auto j = nlohmann::json::parse(last);
    EXPECT_EQ(j["exitCode"], 0);
    EXPECT_EQ(j["messagesSent"], 1);
    EXPECT_EQ(j["messagesReceived"], 1);
}

TEST(Cli, TraceSaysWhenWeSentTheSignal) {
    auto r = cli({"spawn", "--trace", "--timeout", "50", kHelper, "sleep", "5000"});
    EXPECT_NE(r.err.find("signal=SIGTERM (we had sent it a signal: killed=true)"), std::string::npos) << r.err;
}

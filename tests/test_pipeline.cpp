// SPDX-License-Identifier: MIT
// Pipelines without a shell: kernel pipes between stages, every status reported,
// pipefail errors, streaming, buffered and sync forms.

#include "support.hpp"

using namespace childproc;
using test::kHelper;
using namespace std::chrono_literals;

TEST(Pipeline, SixtyFourMiBThroughThreeStagesEqualsTheShell) {
    const std::string n = std::to_string(64 * 1024 * 1024);
    PipelineOptions o;
    o.maxBuffer = unlimited;
    auto ours = pipelineSync({{kHelper, {"spew", "1", n}}, {"tr", {"a-m", "n-z"}}, {"sha256sum", {}}}, o);
    ASSERT_FALSE(ours.error.has_value()) << ours.error->message();
    SpawnSyncOptions so;
    so.maxBuffer = unlimited;
    std::string shell = execSync("'" + kHelper + "' spew 1 " + n + " | tr a-m n-z | sha256sum", so);
    EXPECT_EQ(ours.stdoutData, shell);
    ASSERT_EQ(ours.stages.size(), 3u);
    for (const auto& s : ours.stages) EXPECT_TRUE(s.ok()) << s.cmd;
}

TEST(Pipeline, FullPayloadIdenticalToTheShell) {
    // The whole 64 MiB compared, not a digest: nothing lost or reordered.
    const std::string n = std::to_string(64 * 1024 * 1024);
    PipelineOptions o;
    o.maxBuffer = unlimited;
    auto ours = pipelineSync({{kHelper, {"spew", "1", n}}, {"tr", {"a-m", "n-z"}}, {"cat", {}}}, o);
    SpawnSyncOptions so;
    so.maxBuffer = unlimited;
    std::string shell = execSync("'" + kHelper + "' spew 1 " + n + " | tr a-m n-z | cat", so);
    ASSERT_EQ(ours.stdoutData.size(), 64u * 1024 * 1024);
    EXPECT_TRUE(ours.stdoutData == shell);
}

TEST(Pipeline, NoBytesPassThroughTheParent) {
    auto p = pipeline({{kHelper, {"out", "1", "x"}}, {"cat", {}}, {"cat", {}}});
    // Only the ends are ours: stage 1's stdout and stage 2's stdin are kernel pipes.
    EXPECT_EQ(p->stages()[0]->stdoutPipe(), nullptr);
    EXPECT_EQ(p->stages()[1]->stdinPipe(), nullptr);
    EXPECT_EQ(p->stages()[1]->stdoutPipe(), nullptr);
    EXPECT_NE(p->stdoutPipe(), nullptr);
    std::string out;
    p->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    p->stdinPipe()->end();
    test::runLoop();
    EXPECT_EQ(out, "x");
}

TEST(Pipeline, StreamingFormReportsEveryStage) {
    auto p = pipeline({{kHelper, {"out", "3", "abc\n", "exit", "5"}}, {"grep", {"-c", "abc"}}});
    std::string out;
    std::vector<StageStatus> seen;
    p->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    p->onClose([&](const std::vector<StageStatus>& s) { seen = s; });
    p->stdinPipe()->end();
    test::runLoop();
    EXPECT_EQ(out, "3\n");
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].code, 5);
    EXPECT_EQ(seen[1].code, 0);
    EXPECT_GT(seen[0].pid.value_or(0), 0);
}

TEST(Pipeline, PipefailRightmostFailureDecides) {
    std::optional<ExecError> err;
    std::vector<StageStatus> stages;
    execPipeline({{kHelper, {"err", "1", "first broke", "exit", "2"}}, {kHelper, {"exit", "3"}}, {"cat", {}}}, {},
                 [&](const std::optional<ExecError>& e, const std::string&, const std::vector<StageStatus>& s) {
                     err = e;
                     stages = s;
                 });
    test::runLoop();
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->exitCode, 3);
    const std::string msg = err->what();
    EXPECT_NE(msg.find("stage 1 (" + kHelper + " err 1 first broke exit 2) exited with code 2"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("first broke"), std::string::npos) << msg;
    EXPECT_NE(msg.find("stage 2"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("stage 3"), std::string::npos) << msg;
    EXPECT_EQ(stages[0].stderrData, "first broke");
}

TEST(Pipeline, MissingProgramInTheMiddle) {
    auto r = pipelineSync({{kHelper, {"out", "1", "x"}}, {"no-such-program-xyz", {}}, {"cat", {}}});
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ENOENT");
    ASSERT_TRUE(r.stages[1].error.has_value());
    EXPECT_EQ(r.stages[1].error->code, "ENOENT");
    EXPECT_TRUE(r.stages[2].ok());  // cat saw EOF and finished
    EXPECT_NE(std::string(r.error->what()).find("could not start: spawn no-such-program-xyz ENOENT"),
              std::string::npos);
}

TEST(Pipeline, InputFeedsTheFirstStage) {
    PipelineOptions o;
    o.input = "c\nb\na\n";
    auto r = pipelineSync({{"sort", {}}, {"head", {"-n", "2"}}}, o);
    EXPECT_FALSE(r.error.has_value());
    EXPECT_EQ(r.stdoutData, "a\nb\n");
}

TEST(Pipeline, TimeoutKillsEveryStage) {
    PipelineOptions o;
    o.timeout = 100ms;
    auto r = pipelineSync({{kHelper, {"sleep", "600000"}}, {kHelper, {"sleep", "600000"}}}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.stages[0].signal, "SIGTERM");
    EXPECT_EQ(r.stages[1].signal, "SIGTERM");
}

TEST(Pipeline, MaxBufferOnTheLastStage) {
    PipelineOptions o;
    o.maxBuffer = 100;
    auto r = pipelineSync({{kHelper, {"spew", "1", "100000000"}}, {"cat", {}}}, o);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER");
    EXPECT_EQ(r.stdoutData.size(), 100u);
}

TEST(Pipeline, EmptyIsRefused) { EXPECT_THROW(pipeline({}), Error); }

TEST(Pipeline, OutlivesTheCallersPointer) {
    bool called = false;
    execPipeline({{"echo", {"hi"}}}, {}, [&](const std::optional<ExecError>& e, const std::string& out, const auto&) {
        called = !e && out == "hi\n";
    });
    test::runLoop();
    EXPECT_TRUE(called);
}

// writeStdin: the buffered form leaves the first stage's stdin to the caller.
TEST(Pipeline, WriteStdinLeavesTheFirstStdinToTheCaller) {
    PipelineOptions o;
    o.writeStdin = true;
    std::optional<std::string> out;
    auto p = execPipeline({{"sort", {}}, {"head", {"-n", "2"}}}, o,
                          [&](const std::optional<ExecError>& e, const std::string& s, const auto&) {
                              EXPECT_FALSE(e);
                              out = s;
                          });
    p->stdinPipe()->write("c\n");
    p->stdinPipe()->end("a\nb\n");
    test::runLoop();
    EXPECT_EQ(out, "a\nb\n");
}

// SPDX-License-Identifier: MIT
// The diagnostics channels (Node's diagnostics_channel for childproc) and the
// timeline page drawn from a recording of them: real children, real events.

#include <gtest/gtest.h>

#include <childproc/childproc.hpp>
#include <childproc/diagnostics.hpp>
#include <childproc/timeline.hpp>
#include <regex>

#include "support.hpp"

using namespace childproc;
using diagnostics::Event;
using diagnostics::Kind;

namespace {

const std::string kChild = CP_IPC_CHILD_PATH;

// What a subscriber saw, copied out of the call (the views are valid only inside it).
struct Seen {
    Kind kind;
    std::uint64_t process;
    std::optional<int> pid;
    int fd;
    std::uint64_t bytes;
    std::uint64_t peer;
    int number;
    std::optional<int> code;
    bool ok;
    std::string name, text;
    std::vector<std::string> argv;
};

struct Listener {
    std::vector<Seen> seen;
    diagnostics::SubscriptionId id;
    explicit Listener(std::string_view channel = "childproc") {
        id = diagnostics::subscribe(channel, [this](const Event& e) {
            seen.push_back({e.kind,
                            e.process,
                            e.pid,
                            e.fd,
                            e.bytes,
                            e.peer,
                            e.number,
                            e.code,
                            e.ok,
                            std::string(e.name),
                            std::string(e.text),
                            {e.argv.begin(), e.argv.end()}});
        });
    }
    ~Listener() { diagnostics::unsubscribe(id); }
    std::vector<Seen> of(Kind k, std::uint64_t process) const {
        std::vector<Seen> out;
        for (const auto& s : seen)
            if (s.kind == k && s.process == process) out.push_back(s);
        return out;
    }
    std::vector<Kind> kindsOf(std::uint64_t process, diagnostics::Channel c) const {
        std::vector<Kind> out;
        for (const auto& s : seen)
            if (s.process == process && diagnostics::channelOf(s.kind) == c) out.push_back(s.kind);
        return out;
    }
};

}  // namespace

TEST(Diagnostics, ProcessChannelSeesSpawnExitCloseInOrder) {
    Listener l("childproc:process");
    auto c = spawn(test::kHelper, {"out", "1", "hello", "exit", "3"});
    test::runLoop();
    EXPECT_EQ(l.kindsOf(c->diagnosticsId(), diagnostics::Channel::process),
              (std::vector<Kind>{Kind::spawn, Kind::exit, Kind::close}));
    auto spawned = l.of(Kind::spawn, c->diagnosticsId());
    ASSERT_EQ(spawned.size(), 1u);
    EXPECT_EQ(spawned[0].pid, c->pid());
    EXPECT_EQ(spawned[0].name, c->backend());
    EXPECT_EQ(spawned[0].argv, c->spawnargs());
    EXPECT_EQ(l.of(Kind::close, c->diagnosticsId()).at(0).code, 3);
    // The stdio channel was not asked for.
    EXPECT_TRUE(l.of(Kind::read, c->diagnosticsId()).empty());
}

TEST(Diagnostics, StdioChannelCountsEveryByte) {
    Listener l("childproc:stdio");
    auto c = spawn(test::kHelper, {"out", "5000", "0123456789", "err", "3", "e"});
    std::uint64_t got = 0;
    c->stdoutPipe()->onData([&](std::string_view d) { got += d.size(); });
    test::runLoop();
    std::uint64_t out = 0, err = 0;
    for (const auto& s : l.of(Kind::read, c->diagnosticsId())) (s.fd == 1 ? out : err) += s.bytes;
    EXPECT_EQ(out, 50000u);
    EXPECT_EQ(out, got);
    EXPECT_EQ(err, 3u);
    const auto opened = l.of(Kind::open, c->diagnosticsId());
    ASSERT_EQ(opened.size(), 3u);
    EXPECT_EQ(opened[1].name, "pipe");
    bool sawClosedOut = false;
    for (const auto& s : l.of(Kind::closed, c->diagnosticsId()))
        if (s.fd == 1) sawClosedOut = s.bytes == 50000u;
    EXPECT_TRUE(sawClosedOut);
    EXPECT_EQ(l.of(Kind::end, c->diagnosticsId()).size(), 2u);
}

TEST(Diagnostics, SignalsAndErrorsAreNamed) {
    Listener l;
    auto c = spawn(test::kHelper, {"sleep", "5000"});
    c->onSpawn([&] { c->kill(SIGTERM); });
    auto missing = spawn("/nonexistent/program", {});
    missing->onError([](const Error&) {});
    test::runLoop();
    auto sent = l.of(Kind::signal, c->diagnosticsId());
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].name, "SIGTERM");
    EXPECT_TRUE(sent[0].ok);
    EXPECT_EQ(l.of(Kind::exit, c->diagnosticsId()).at(0).name, "SIGTERM");
    auto failed = l.of(Kind::error, missing->diagnosticsId());
    ASSERT_EQ(failed.size(), 1u);
    EXPECT_EQ(failed[0].name, "ENOENT");
    EXPECT_NE(failed[0].text.find("/nonexistent/program"), std::string::npos);
}

TEST(Diagnostics, IpcMessagesBothWays) {
    Listener l("childproc:ipc");
    auto c = fork(kChild, {"echo"});
    c->onMessage([](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) {});
    for (int i = 0; i < 10; ++i) c->send(i);
    c->send("disconnect");
    test::runLoop();
    EXPECT_EQ(l.of(Kind::send, c->diagnosticsId()).size(), 11u);
    EXPECT_EQ(l.of(Kind::message, c->diagnosticsId()).size(), 10u);
    EXPECT_EQ(l.of(Kind::send, c->diagnosticsId()).at(0).bytes, 2u);  // "0\n"
    EXPECT_EQ(l.of(Kind::disconnect, c->diagnosticsId()).size(), 1u);
}

TEST(Diagnostics, PipelineStagesAndThePipesBetweenThem) {
    Listener l("childproc:pipeline");
    auto r = pipelineSync({{"printf", {"b\\na\\n"}}, {"sort", {}}, {"cat", {}}});
    EXPECT_EQ(r.stdoutData, "a\nb\n");
    std::vector<Seen> stages, pipes;
    for (const auto& s : l.seen) (s.kind == Kind::stage ? stages : pipes).push_back(s);
    ASSERT_EQ(stages.size(), 3u);
    ASSERT_EQ(pipes.size(), 2u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(stages[i].number, i);
        EXPECT_EQ(stages[i].peer, stages[0].process);
    }
    EXPECT_EQ(pipes[0].process, stages[0].process);
    EXPECT_EQ(pipes[0].peer, stages[1].process);
    EXPECT_EQ(pipes[1].peer, stages[2].process);
}

TEST(Diagnostics, NothingWithoutSubscribersAndUnsubscribeInsideACall) {
    EXPECT_FALSE(diagnostics::hasSubscribers("childproc"));
    int calls = 0;
    diagnostics::SubscriptionId id = 0;
    id = diagnostics::subscribe(diagnostics::Channel::process, [&](const Event&) {
        ++calls;
        EXPECT_TRUE(diagnostics::unsubscribe(id));
    });
    EXPECT_TRUE(diagnostics::hasSubscribers("childproc:process"));
    EXPECT_FALSE(diagnostics::hasSubscribers("childproc:stdio"));
    auto c = spawn(test::kHelper, {"exit", "0"});
    test::runLoop();
    EXPECT_EQ(calls, 1);
    EXPECT_FALSE(diagnostics::unsubscribe(id));
    EXPECT_FALSE(diagnostics::hasSubscribers("childproc"));
    EXPECT_EQ(test::thrownCode([] { diagnostics::subscribe("child_process", [](const Event&) {}); }),
              "ERR_INVALID_ARG_VALUE");
}

TEST(Diagnostics, IdsAreNeverReused) {
    auto a = spawn(test::kHelper, {"exit", "0"});
    auto b = spawn(test::kHelper, {"exit", "0"});
    test::runLoop();
    EXPECT_GT(a->diagnosticsId(), 0u);
    EXPECT_EQ(b->diagnosticsId(), a->diagnosticsId() + 1);
}

// ---- the timeline page -------------------------------------------------

namespace {

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// The sum of data-count over the elements of `cls`: the messages the figure stands for.
std::uint64_t counted(const std::string& html, const std::string& cls) {
    std::uint64_t total = 0;
    std::regex re("class=\"" + cls + "\" data-count=\"([0-9]+)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
        total += std::stoull((*it)[1]);
    return total;
}

}  // namespace

TEST(Timeline, OneLanePerProcessAndOneArrowPerMessage) {
    timeline::Recording rec;
    auto c = fork(kChild, {"echo"});
    c->onMessage([](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) {});
    for (int i = 0; i < 25; ++i) c->send(i);
    c->send("disconnect");
    auto p = spawn(test::kHelper, {"out", "3", "x", "err", "1", "y"});
    test::runLoop();
    rec.stop();
    const std::string html = rec.html();
    EXPECT_EQ(occurrences(html, "<g class=\"lane\""), 3u);  // this process, the fork, the spawn
    EXPECT_EQ(counted(html, "msg"), 26u + 25u);
    EXPECT_NE(html.find("data-pid=\"" + std::to_string(*c->pid()) + "\""), std::string::npos);
    EXPECT_NE(html.find("class=\"drain\""), std::string::npos);  // exit, then close
    EXPECT_NE(html.find("class=\"err\""), std::string::npos);
    // Self-contained: nothing fetched, no external script.
    EXPECT_EQ(html.find("<script"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_EQ(occurrences(html, "http"), 1u);  // the SVG namespace only
    EXPECT_NE(html.find("prefers-color-scheme: dark"), std::string::npos);
}

TEST(Timeline, AFloodOfMessagesIsBoundedAndStillCounted) {
    timeline::RecordingOptions o;
    o.maxMarksPerLane = 100;
    timeline::Recording rec(o);
    auto c = fork(kChild, {"echo"});
    int replies = 0;
    c->onMessage([&](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) {
        if (++replies == 2000) c->send("disconnect");
    });
    for (int i = 0; i < 2000; ++i) c->send(i);
    test::runLoop();
    rec.stop();
    const auto lanes = rec.lanes();
    ASSERT_EQ(lanes.size(), 2u);
    EXPECT_LE(lanes[1].marks.size(), 100u);
    EXPECT_EQ(lanes[1].messagesOut, 2001u);
    EXPECT_EQ(lanes[1].messagesIn, 2000u);
    EXPECT_EQ(counted(rec.html(), "msg"), 4001u);
}

// A round trip alternates sends and replies: no two neighbours are alike, and the
// lane must still thin (a recorder that merged only neighbours grew without bound).
TEST(Timeline, RoundTripsAreBoundedToo) {
    timeline::RecordingOptions o;
    o.maxMarksPerLane = 100;
    timeline::Recording rec(o);
    auto c = fork(kChild, {"echo"});
    int replies = 0;
    c->onMessage([&](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) {
        c->send(++replies == 1000 ? nlohmann::json("disconnect") : nlohmann::json(replies));
    });
    c->send(0);
    test::runLoop();
    rec.stop();
    const auto lanes = rec.lanes();
    ASSERT_EQ(lanes.size(), 2u);
    EXPECT_LE(lanes[1].marks.size(), 100u);
    EXPECT_EQ(counted(rec.html(), "msg"), 2001u);  // 1001 sends ("disconnect" the last), 1000 replies
}

TEST(Timeline, PipelineStagesAreJoined) {
    timeline::Recording rec;
    pipelineSync({{"printf", {"b\\na\\n"}}, {"sort", {}}});
    rec.stop();
    const std::string html = rec.html();
    EXPECT_EQ(occurrences(html, "<g class=\"lane\""), 3u);
    EXPECT_EQ(occurrences(html, "<path class=\"pipe\""), 1u);
    EXPECT_NE(html.find("stage 2"), std::string::npos);
}

TEST(Timeline, ManyLanesFoldAndStayBounded) {
    timeline::RecordingOptions o;
    o.maxLanes = 120;
    timeline::Recording rec(o);
    std::vector<ChildProcessPtr> kids;
    SpawnOptions quiet;
    quiet.stdio = StdioType::ignore;
    for (int i = 0; i < 150; ++i) kids.push_back(spawn(test::kHelper, {"exit", "0"}, quiet));
    test::runLoop();
    rec.stop();
    EXPECT_EQ(rec.lanes().size(), 120u);
    EXPECT_EQ(rec.droppedLanes(), 31u);  // 151 lanes asked for, this process's included
    const std::string html = rec.html();
    EXPECT_NE(html.find("font-size=\"9\""), std::string::npos);  // folded: thin lanes
    EXPECT_NE(html.find("31 more processes were not recorded"), std::string::npos);
}

TEST(Timeline, AnUnwritablePathIsNamed) {
    timeline::Recording rec;
    rec.stop();
    try {
        rec.writeHtml("/nonexistent-dir/t.html");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_TIMELINE_WRITE");
        EXPECT_NE(e.message().find("/nonexistent-dir/t.html"), std::string::npos);
    }
}

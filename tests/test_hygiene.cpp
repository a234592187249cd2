// SPDX-License-Identifier: MIT
// Process and IPC hygiene under hostile peers (tests/peers/*.py): SIGPIPE, the
// NODE_* variables, fds nobody claimed, oversized lines, cancelled sends, and the
// argument checks and memory use around them.

#include <filesystem>

#include <malloc.h>
#include <sys/stat.h>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;

namespace {
const std::string kChild = CP_IPC_CHILD_PATH;
const std::string kNode = CP_NODE_PATH;
const std::string kPeers = CP_PEERS_DIR;

// A Python peer as a forked child: the channel at fd 3, stdout and stderr to the test.
ChildProcessPtr forkPeer(const std::string& script, std::vector<std::string> args, ForkOptions o = {}) {
    o.execPath = "python3";
    o.stdio = StdioOption{StdioType::ignore, StdioType::inherit, StdioType::inherit, StdioType::ipc};
    return fork(kPeers + "/" + script, std::move(args), std::move(o));
}

struct Collected {
    std::vector<json> messages;
    std::vector<Error> errors;
    void attach(ChildProcess& c) {
        c.onMessage([this](const json& m, std::shared_ptr<ReceivedHandle>) { messages.push_back(m); });
        c.onError([this](const Error& e) { errors.push_back(e); });
    }
    std::size_t errorsWithCode(const std::string& code) const {
        return static_cast<std::size_t>(
            std::count_if(errors.begin(), errors.end(), [&](const Error& e) { return e.code == code; }));
    }
};
}  // namespace

// 1. A C++ child whose parent is gone gets EPIPE on its channel, not SIGPIPE.
TEST(Hygiene, ChildWritingToAVanishedParentIsNotKilledBySigpipe) {
    auto r = spawnSync("python3", {kPeers + "/hostile_parent.py", kChild, "gone"});
    ASSERT_FALSE(r.error) << r.error->what();
    ASSERT_TRUE(r.stdoutData);
    EXPECT_EQ(*r.stdoutData, "status 0\n") << "status -13 is death by SIGPIPE";
}

// 2. The channel and cluster variables are gone before main: a grandchild spawned
// before any process:: call does not inherit them (Node would take fd 3 and abort).
TEST(Hygiene, GrandchildrenSpawnedFirstDoNotInheritTheChannel) {
    ForkOptions o;
    auto env = processEnv();
    env["NODE_UNIQUE_ID"] = "7";
    o.env = env;
    auto c = fork(kChild, {"spawn-first", kNode}, o);
    json report;
    c->onMessage([&](const json& m, auto) { report = m; });
    test::runLoop();
    EXPECT_EQ(report["sh"], "unset unset\n");
    EXPECT_EQ(report["nodeStatus"], 0);
    EXPECT_EQ(report["node"], "undefined\n");
}

// 3. fds attached to plain messages are closed at once and reported; the messages
// themselves are delivered. Returns how far above the start the fd count went.
namespace {
int strayFdsPeak(int messages, int fdsPerMessage, Collected& got) {
    const int before = test::openFds();
    auto c = forkPeer("stray_fds.py", {std::to_string(messages), std::to_string(fdsPerMessage)});
    got.attach(*c);
    int peak = before;
    c->onMessage([&](const json& m, auto) {
        peak = std::max(peak, test::openFds());
        if (m.contains("done")) c->disconnect();
    });
    test::runLoop();
    return peak - before;
}
}  // namespace

TEST(Hygiene, FdsOnPlainMessagesAreClosedAndReported) {
    Collected got;
    EXPECT_LT(strayFdsPeak(3000, 1, got), 20) << "fds held while the peer attached 3000 of them";
    ASSERT_EQ(got.messages.size(), 3001u);
    EXPECT_EQ(got.messages.back(), json({{"done", 3000}}));
    EXPECT_EQ(got.errorsWithCode("ERR_IPC_UNEXPECTED_HANDLE"), 3000u);
}

TEST(Hygiene, ExtraFdsInOneMessageAreClosed) {
    Collected got;
    EXPECT_LT(strayFdsPeak(200, 5, got), 20);
    ASSERT_EQ(got.messages.size(), 201u);
    EXPECT_GE(got.errorsWithCode("ERR_IPC_UNEXPECTED_HANDLE"), 200u);
}

// 4. One line is capped: the rest of it is dropped, framing resumes at the newline.
TEST(Hygiene, AnOversizedMessageIsDroppedAndLaterOnesArrive) {
    ForkOptions o;
    o.maxMessageSize = 1 << 20;
    auto c = forkPeer("big_line.py", {std::to_string(5 << 20)}, o);
    Collected got;
    got.attach(*c);
    c->onMessage([&](const json& m, auto) {
        if (m.contains("after")) c->disconnect();
    });
    test::runLoop();
    ASSERT_EQ(got.messages.size(), 2u);
    EXPECT_EQ(got.messages[0], json({{"first", 1}}));
    EXPECT_EQ(got.messages[1], json({{"after", 2}}));
    ASSERT_EQ(got.errors.size(), 1u);
    EXPECT_EQ(got.errors[0].code, "ERR_IPC_MESSAGE_TOO_LARGE");
    EXPECT_NE(std::string(got.errors[0].what()).find("1048576"), std::string::npos) << got.errors[0].what();
}

// The same on an 'advanced' channel: a payload that is not V8's format is an error,
// a frame over the cap is skipped by its length, and the next frame is read.
TEST(Hygiene, AdvancedFramesThatAreBadOrTooLargeDoNotStopTheNext) {
    ForkOptions o;
    o.serialization = Serialization::advanced;
    o.maxMessageSize = 1000;
    auto c = forkPeer("advanced_frames.py", {}, o);
    Collected got;
    got.attach(*c);
    test::runLoop();
    ASSERT_EQ(got.messages.size(), 1u);
    EXPECT_EQ(got.messages[0], json({{"ok", 1}}));
    ASSERT_EQ(got.errors.size(), 2u);
    EXPECT_EQ(got.errors[0].code, "ERR_IPC_BAD_MESSAGE");
    EXPECT_NE(std::string(got.errors[0].what()).find("no V8 serializer header"), std::string::npos)
        << got.errors[0].what();
    EXPECT_EQ(got.errors[1].code, "ERR_IPC_MESSAGE_TOO_LARGE");
}

// 'advanced': each form of a message is made only for a listener that asks for it,
// and a JSON view longer than maxMessageSize is refused with an error while the
// Value listener has the message whole (a Uint8Array's view has a key per byte).
TEST(Hygiene, AdvancedJsonViewIsBoundedByTheCap) {
    ForkOptions o;
    o.serialization = Serialization::advanced;
    o.maxMessageSize = 1 << 20;
    auto c = forkPeer("typed_arrays.py", {"uint8", "200000", "buffer", "1000", "uint8", "3"}, o);
    Collected got;
    got.attach(*c);
    std::vector<std::pair<Bytes::Kind, std::size_t>> values;
    c->onMessageValue(
        [&](const Value& v, auto) { values.emplace_back(v.as<Bytes>().kind, v.as<Bytes>().data.size()); });
    test::runLoop();
    EXPECT_EQ(values,
              (std::vector<std::pair<Bytes::Kind, std::size_t>>{
                  {Bytes::Kind::uint8Array, 200000}, {Bytes::Kind::buffer, 1000}, {Bytes::Kind::uint8Array, 3}}));
    ASSERT_EQ(got.messages.size(), 2u);
    EXPECT_EQ(got.messages[0]["type"], "Buffer");
    EXPECT_EQ(got.messages[0]["data"].size(), 1000u);
    EXPECT_EQ(got.messages[0]["data"][999], 1);
    EXPECT_EQ(got.messages[1], json({{"0", 2}, {"1", 2}, {"2", 2}}));
    ASSERT_EQ(got.errors.size(), 1u);
    EXPECT_EQ(got.errors[0].code, "ERR_IPC_MESSAGE_TOO_LARGE");
    EXPECT_NE(std::string(got.errors[0].what()).find("JSON view"), std::string::npos) << got.errors[0].what();
}

TEST(Hygiene, TheDefaultCapIs32MiB) {
    EXPECT_EQ(kDefaultMaxMessageSize, 32u << 20);
    auto c = forkPeer("big_line.py", {std::to_string(33 << 20)});
    Collected got;
    got.attach(*c);
    c->onMessage([&](const json& m, auto) {
        if (m.contains("after")) c->disconnect();
    });
    test::runLoop(std::chrono::seconds(60));
    ASSERT_EQ(got.messages.size(), 2u);
    EXPECT_EQ(got.errorsWithCode("ERR_IPC_MESSAGE_TOO_LARGE"), 1u);
}

TEST(Hygiene, UnlimitedLiftsTheCap) {
    ForkOptions o;
    o.maxMessageSize = unlimited;
    auto c = forkPeer("big_line.py", {std::to_string(2 << 20)}, o);
    Collected got;
    got.attach(*c);
    c->onMessage([&](const json& m, auto) {
        if (m.contains("after")) c->disconnect();
    });
    test::runLoop();
    // The 2 MiB of 'x' is one (malformed) line: an ERR_IPC_BAD_MESSAGE, not too large.
    EXPECT_EQ(got.messages.size(), 2u);
    EXPECT_EQ(got.errorsWithCode("ERR_IPC_MESSAGE_TOO_LARGE"), 0u);
    EXPECT_EQ(got.errorsWithCode("ERR_IPC_BAD_MESSAGE"), 1u);
}

TEST(Hygiene, TheChildSideCapsTooAndResynchronises) {
    auto r = spawnSync("python3", {kPeers + "/hostile_parent.py", kChild, "big", std::to_string(40 << 20)});
    ASSERT_FALSE(r.error);
    ASSERT_TRUE(r.stdoutData);
    EXPECT_EQ(*r.stdoutData,
              "{\"echo\":{\"a\":1}}\n{\"error\":\"ERR_IPC_MESSAGE_TOO_LARGE\"}\n{\"echo\":{\"b\":2}}\nstatus 0\n");
}

TEST(Hygiene, AZeroMaxMessageSizeIsRefused) {
    ForkOptions o;
    o.maxMessageSize = 0;
    EXPECT_EQ(test::thrownCode([&] { fork(kChild, {}, o); }), "ERR_INVALID_ARG_VALUE");
}

// 5. A send whose bytes never all reached the peer reports an error to its callback.
TEST(Hygiene, ASendCutShortByThePeersExitReportsAnError) {
    SpawnOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::ignore, StdioType::ignore, StdioType::ipc};
    auto c = spawn("sh", {"-c", "sleep 0.2"}, o);  // never reads its channel
    c->onError([](const Error&) {});
    std::optional<std::optional<Error>> result;
    c->send(json(std::string(100 << 20, 'x')), [&](const std::optional<Error>& e) { result = e; });
    test::runLoop();
    ASSERT_TRUE(result) << "the callback never ran";
    ASSERT_TRUE(*result) << "a 100 MiB send to a peer that exited reported success";
    EXPECT_TRUE((*result)->code == "EPIPE" || (*result)->code == "ECONNRESET" ||
                (*result)->code == "ERR_IPC_CHANNEL_CLOSED")
        << (*result)->code;
}

// The same for sends waiting in the outbox behind a write the peer never read:
// each callback runs once, and those whose bytes never left report an error.
TEST(Hygiene, BatchedSendsCutShortEachReportToTheirCallback) {
    SpawnOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::ignore, StdioType::ignore, StdioType::ipc};
    auto c = spawn("sh", {"-c", "sleep 0.2"}, o);  // never reads its channel
    c->onError([](const Error&) {});
    std::vector<int> calls(3000, 0);
    std::size_t failed = 0;
    for (std::size_t i = 0; i < calls.size(); ++i)
        c->send(json(std::string(4096, 'x')), [&, i](const std::optional<Error>& e) {
            ++calls[i];
            failed += e.has_value();
        });  // 12 MiB: far more than the socket holds, so most wait in the outbox
    test::runLoop();
    for (std::size_t i = 0; i < calls.size(); ++i) ASSERT_EQ(calls[i], 1) << "callback " << i;
    EXPECT_GT(failed, calls.size() / 2) << "the sends that never reached the peer said so";
}

// A cwd that exists but cannot be entered is named, as a missing one is.
TEST(Hygiene, AnUnsearchableCwdIsNamed) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the child as another user";
    SKIP_UV_SPAWN_UNDER_TSAN();  // uid/gid take the uv_spawn backend
    const std::string dir = test::tempPath("locked");
    ::mkdir(dir.c_str(), 0700);
    // A copy of the helper the other user can reach, wherever the build tree lives.
    const std::string helper = test::tempPath("cp_ipc_child");
    std::filesystem::copy_file(kChild, helper, std::filesystem::copy_options::overwrite_existing);
    ::chmod(helper.c_str(), 0755);
    SpawnSyncOptions o;
    o.uid = 65534;
    o.gid = 65534;
    auto r = spawnSync(helper, {"spawn-in", dir}, o);
    ::rmdir(dir.c_str());
    ::unlink(helper.c_str());
    ASSERT_FALSE(r.error) << r.error->what();
    ASSERT_TRUE(r.stdoutData);
    EXPECT_EQ(*r.stdoutData,
              "spawnSync ls EACCES (cwd \"" + dir + "\" is not searchable: permission denied)\npath " + dir + "\n");
}

TEST(Hygiene, NegativeTimeoutsAreRejectedEverywhere) {
    const auto minus5 = [](auto o) {
        o.timeout = std::chrono::milliseconds(-5);
        return o;
    };
    EXPECT_EQ(test::thrownCode([&] { exec("true", minus5(ExecOptions{}), [](auto&, auto&, auto&) {}); }),
              "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([&] { execFile("true", {}, minus5(ExecOptions{}), [](auto&, auto&, auto&) {}); }),
              "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([&] { spawnSync("true", {}, minus5(SpawnSyncOptions{})); }), "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([&] { execSync("true", minus5(SpawnSyncOptions{})); }), "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([&] { execFileSync("true", {}, minus5(SpawnSyncOptions{})); }), "ERR_OUT_OF_RANGE");
    EXPECT_EQ(test::thrownCode([&] { pipelineSync({{"true", {}}}, minus5(PipelineOptions{})); }), "ERR_OUT_OF_RANGE");
    test::runLoop();
}

// Read buffers come from one per-loop buffer: 300 children in flight with stdout and
// stderr pipes used to reserve 300 × 2 × 64 KiB (37.5 MiB) of heap.
TEST(Hygiene, ChildrenInFlightDoNotEachReserveReadBuffers) {
    const std::size_t heapBefore = mallinfo2().uordblks;
    if (heapBefore == 0) GTEST_SKIP() << "no heap statistics under this allocator (sanitizers)";
    std::vector<ChildProcessPtr> children;
    SpawnOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::pipe, StdioType::pipe};
    for (int i = 0; i < 300; ++i) children.push_back(spawn("sleep", {"0.5"}, o));
    for (auto& c : children) c->stdoutPipe()->onData([](std::string_view) {});
    runOnce();  // the spawns are done and every pipe is reading
    const std::size_t heapInFlight = mallinfo2().uordblks;
    children.clear();
    test::runLoop();
    EXPECT_LT(heapInFlight - heapBefore, std::size_t{12} << 20)
        << "heap grew by " << ((heapInFlight - heapBefore) >> 20) << " MiB";
}

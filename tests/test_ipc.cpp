// SPDX-License-Identifier: MIT
// fork() and the IPC channel between two C++ processes: ordering, sizes, UTF-8,
// disconnect from either side, lifetime, and every bad input answered clearly.

#include <thread>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;

namespace {
const std::string kChild = CP_IPC_CHILD_PATH;

struct Talk {
    std::vector<json> got;
    std::vector<std::string> events;
    std::vector<Error> errors;
    void attach(ChildProcess& c) {
        c.onMessage([this](const json& m, std::shared_ptr<ReceivedHandle>) { got.push_back(m); });
        c.onDisconnect([this] { events.push_back("disconnect"); });
        c.onExit([this](auto, auto) { events.push_back("exit"); });
        c.onClose([this](auto, auto) { events.push_back("close"); });
        c.onError([this](const Error& e) { errors.push_back(e); });
    }
};
}  // namespace

TEST(Ipc, MessagesBothWaysInOrderWithUtf8) {
    auto c = fork(kChild, {"echo"});
    Talk t;
    t.attach(*c);
    const std::string text = "héllo €𝄞 \u2028 ünïcödé";
    c->send({{"text", text}});
    c->send(42);
    c->send("a string");
    c->send(nullptr);
    c->send("disconnect");
    test::runLoop();
    ASSERT_EQ(t.got.size(), 4u);
    EXPECT_EQ(t.got[0]["echo"]["text"], text);
    EXPECT_EQ(t.got[1]["echo"], 42);
    EXPECT_EQ(t.got[2]["echo"], "a string");
    EXPECT_TRUE(t.got[3]["echo"].is_null());
    EXPECT_EQ(t.got[0]["pid"], *c->pid());
    // Node: 'disconnect' and 'exit' may come in either order; 'close' is last.
    ASSERT_EQ(t.events.size(), 3u);
    EXPECT_EQ(t.events.back(), "close");
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Ipc, TenThousandSmallMessagesEachWay) {
    auto c = fork(kChild, {"echo"});
    std::vector<long> seen;
    c->onMessage([&](const json& m, auto) {
        seen.push_back(m["echo"].get<long>());
        if (seen.size() == 10000) c->disconnect();
    });
    for (long i = 0; i < 10000; ++i) c->send(i);
    test::runLoop();
    ASSERT_EQ(seen.size(), 10000u);
    for (long i = 0; i < 10000; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)], i);
}

// Small messages sent while a write is under way go out together in one write;
// large ones on their own. Order, and one callback per send in order, hold across
// both.
TEST(Ipc, BatchedSendsKeepOrderAndEachCallback) {
    auto c = fork(kChild, {"echo"});
    std::vector<long> seen;
    c->onMessage([&](const json& m, auto) { seen.push_back(m["echo"]["i"].get<long>()); });
    std::vector<long> called;
    std::size_t failures = 0;
    const std::string large(100 * 1024, 'L');
    for (long i = 0; i < 5000; ++i) {
        json m = {{"i", i}};
        if (i % 1000 == 500) m["large"] = large;
        c->send(m, [&, i](const std::optional<Error>& e) {
            called.push_back(i);
            failures += e.has_value();
        });
    }
    ASSERT_TRUE(test::pumpUntil([&] { return seen.size() == 5000; }));
    for (long i = 0; i < 5000; ++i) ASSERT_EQ(seen[static_cast<std::size_t>(i)], i);
    ASSERT_EQ(called.size(), 5000u);
    for (long i = 0; i < 5000; ++i) ASSERT_EQ(called[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(failures, 0u);

    c->disconnect();
    test::runLoop();
}

TEST(Ipc, ABurstStraightIntoDisconnectIsDeliveredWhole) {
    ForkOptions o;
    o.silent = true;
    auto c = fork(kChild, {"count"}, o);
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    for (long i = 0; i < 20000; ++i) c->send({{"i", i}});  // most wait in the outbox
    c->disconnect();
    test::runLoop();
    EXPECT_EQ(out, "20000\n");
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Ipc, OneMebibyteMessageRoundTrip) {
    auto c = fork(kChild, {"echo"});
    const std::string big(1024 * 1024, 'q');
    std::string back;
    c->onMessage([&](const json& m, auto) {
        back = m["echo"]["big"].get<std::string>();
        c->disconnect();
    });
    c->send({{"big", big}});
    test::runLoop();
    EXPECT_TRUE(back == big);
}

TEST(Ipc, ChildDisconnectsAfterABurst) {
    auto c = fork(kChild, {"burst", "5000"});
    Talk t;
    t.attach(*c);
    test::runLoop();
    ASSERT_EQ(t.got.size(), 5000u);
    for (std::size_t i = 0; i < t.got.size(); ++i) ASSERT_EQ(t.got[i]["i"], i);
    EXPECT_EQ(t.got.back()["text"], "héllo €𝄞");
    ASSERT_EQ(t.events.size(), 3u);
    EXPECT_EQ(t.events.back(), "close");
    EXPECT_FALSE(c->connected());
}

TEST(Ipc, ChildSeesTheChannelAndClearsTheVariables) {
    ForkOptions o;
    auto env = processEnv();
    env["NODE_CHANNEL_FD"] = "7";  // a user copy must be replaced, not duplicated
    env["NODE_CHANNEL_SERIALIZATION_MODE"] = "advanced";
    o.env = env;
    auto c = fork(kChild, {"env"}, o);
    json report;
    c->onMessage([&](const json& m, auto) {
        report = m;
        c->disconnect();
    });
    test::runLoop();
    EXPECT_EQ(report["hadFdAtMain"], false) << "NODE_CHANNEL_FD must be gone before main";
    EXPECT_EQ(report["connected"], true);
    EXPECT_TRUE(report["fdAfter"].is_null());
    EXPECT_TRUE(report["modeAfter"].is_null());
}

TEST(Ipc, ChildWithoutListenersExitsOnItsOwn) {
    ForkOptions o;
    o.silent = true;
    auto c = fork(kChild, {"lonely"}, o);
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    test::runLoop();
    EXPECT_EQ(out, "exited on my own\n");
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Ipc, SendAfterDisconnectIsChannelClosed) {
    auto c = fork(kChild, {"echo"});
    Talk t;
    t.attach(*c);
    std::optional<Error> viaCallback;
    c->onSpawn([&] {
        c->disconnect();
        EXPECT_FALSE(c->connected());
        EXPECT_FALSE(c->send("late", [&](const std::optional<Error>& e) { viaCallback = e; }));
        EXPECT_FALSE(c->send("late, no callback"));
    });
    test::runLoop();
    ASSERT_TRUE(viaCallback.has_value());
    EXPECT_EQ(viaCallback->code, "ERR_IPC_CHANNEL_CLOSED");
    ASSERT_EQ(t.errors.size(), 1u);
    EXPECT_EQ(t.errors[0].code, "ERR_IPC_CHANNEL_CLOSED");
}

// Node's test-child-process-send-after-close.js, line by line: the 'error' listener
// is added inside the 'close' handler, then both sends fail, one to it and one to
// the callback. Listeners from before 'close' are still released after it.
TEST(Ipc, SendAfterClose) {
    auto child = fork(test::kHelper, {"exit", "0"});  // Node's fixture: empty.js
    std::weak_ptr<ChildProcess> weak = child;
    int testErrorCalls = 0;
    auto testError = [&](const std::optional<Error>& e) {
        ASSERT_TRUE(e.has_value());
        EXPECT_STREQ(e->what(), "Channel closed");
        EXPECT_EQ(e->code, "ERR_IPC_CHANNEL_CLOSED");
        ++testErrorCalls;
    };
    bool closed = false;
    child->onExit([child](auto, auto) {});  // captures the child: must still be released
    child->onClose([&](std::optional<int> code, std::optional<std::string> signal) {
        closed = true;
        EXPECT_EQ(code, 0);
        EXPECT_EQ(signal, std::nullopt);
        child->onError([&, child](const Error& e) { testError(e); });  // captures it too
        EXPECT_FALSE(child->send("ping"));
        EXPECT_FALSE(child->send("pong", testError));
    });
    test::runLoop();
    EXPECT_TRUE(closed);
    EXPECT_EQ(testErrorCalls, 2);
    child.reset();
    EXPECT_TRUE(weak.expired()) << "a listener kept its ChildProcess alive after 'close'";
}

TEST(Ipc, DisconnectTwiceIsErrIpcDisconnected) {
    auto c = fork(kChild, {"echo"});
    Talk t;
    t.attach(*c);
    c->onSpawn([&] {
        c->disconnect();
        c->disconnect();
    });
    test::runLoop();
    ASSERT_EQ(t.errors.size(), 1u);
    EXPECT_EQ(t.errors[0].code, "ERR_IPC_DISCONNECTED");
    EXPECT_STREQ(t.errors[0].what(), "IPC channel is already disconnected");
}

// Node's stdioStringToArray: fork({stdio: 'pipe' | 'inherit' | 'ignore'}) is [s, s, s, 'ipc'].
TEST(Ipc, ForkTakesTheStdioShorthandsWithTheChannelAsFd3) {
    for (StdioType s : {StdioType::pipe, StdioType::inherit, StdioType::ignore}) {
        ForkOptions o;
        o.stdio = s;
        auto c = fork(kChild, {"echo"}, o);
        ASSERT_EQ(c->stdioCount(), 4u);
        EXPECT_EQ(c->stdio(0) != nullptr, s == StdioType::pipe);
        EXPECT_EQ(c->stdio(3), nullptr);  // the channel is not a stream, as in Node
        json reply;
        c->onMessage([&](const json& m, auto) {
            reply = m;
            c->disconnect();
        });
        c->send("hi");
        test::runLoop();
        EXPECT_FALSE(reply.is_null()) << "no answer over fd 3";
    }
}

TEST(Ipc, ForkValidation) {
    EXPECT_EQ(test::thrownCode([] {
                  ForkOptions o;
                  o.stdio = StdioOption{StdioType::pipe, StdioType::pipe, StdioType::pipe};
                  fork(kChild, {}, o);
              }),
              "ERR_CHILD_PROCESS_IPC_REQUIRED");
    EXPECT_EQ(test::thrownCode([] {
                  ForkOptions o;
                  o.serialization = static_cast<Serialization>(7);  // neither 'json' nor 'advanced'
                  fork(kChild, {}, o);
              }),
              "ERR_INVALID_ARG_VALUE");
    EXPECT_EQ(
        test::thrownCode([] {
            ForkOptions o;
            o.stdio = StdioOption{StdioType::pipe, StdioType::pipe, StdioType::pipe, StdioType::ipc, StdioType::ipc};
            fork(kChild, {}, o);
        }),
        "ERR_IPC_ONE_PIPE");
}

TEST(Ipc, SpawnWithIpcSlot) {
    SpawnOptions o;
    o.stdio = {StdioType::ignore, StdioType::ignore, StdioType::inherit, StdioType::pipe, StdioType::ipc};
    auto c = spawn(kChild, {"echo"}, o);
    EXPECT_EQ(c->stdio(4), nullptr);  // Node: the ipc slot is null in child.stdio
    ASSERT_NE(c->channel(), nullptr);
    EXPECT_GE(c->channel()->fd(), 0);
    json got;
    c->onMessage([&](const json& m, auto) {
        got = m;
        c->disconnect();
    });
    c->send("via fd 4");
    test::runLoop();
    EXPECT_EQ(got["echo"], "via fd 4");
}

TEST(Ipc, MessagesBeforeTheFirstListenerAreReplayed) {
    auto c = fork(kChild, {"burst", "3"});
    std::vector<json> got;
    c->onExit([&](auto, auto) { c->onMessage([&](const json& m, auto) { got.push_back(m); }); });
    test::runLoop();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[2]["i"], 2);
}

TEST(Ipc, DisconnectDuringReplayIsSafe) {
    ForkOptions o;
    o.silent = true;
    auto c = fork(kChild, {"replay-disconnect"}, o);
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    c->send(1);
    c->send(2);
    c->send(3);
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);
    EXPECT_NE(out.find("survived"), std::string::npos) << out;
}

TEST(Ipc, AThrowingListenerLosesNoLaterMessage) {
    auto c = fork(kChild, {"burst", "3"});
    std::vector<json> got;
    c->onMessage([&](const json& m, auto) {
        got.push_back(m);
        if (m["i"] == 0) throw std::runtime_error("listener threw");
    });
    EXPECT_THROW(run(), std::runtime_error);
    test::runLoop();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[1]["i"], 1);
    EXPECT_EQ(got[2]["i"], 2);
}

TEST(Ipc, ChannelUnrefLetsTheParentGo) {
    ForkOptions o;
    auto c = fork(kChild, {"echo"}, o);  // the echo child waits for messages forever
    c->channel()->unref();
    c->unref();
    test::runLoop();  // had the child or channel held the loop, this fails as hung
    EXPECT_FALSE(c->exitCode().has_value());
    c->channel()->ref();
    c->ref();
    c->disconnect();
    test::runLoop();
    EXPECT_EQ(c->exitCode(), 0);
}

// --- bad input from the peer: never a crash, always an error naming it ---

TEST(IpcBadInput, MalformedJsonAndEmptyLinesAreErrorsNotCrashes) {
    auto c = fork(kChild, {"raw", "{\"before\":1}\n", "{not json\n", "\n", "{\"after\":2}\n"});
    Talk t;
    t.attach(*c);
    test::runLoop();
    ASSERT_EQ(t.got.size(), 2u);
    EXPECT_EQ(t.got[0]["before"], 1);
    EXPECT_EQ(t.got[1]["after"], 2);
    ASSERT_EQ(t.errors.size(), 2u);
    EXPECT_EQ(t.errors[0].code, "ERR_IPC_BAD_MESSAGE");
    EXPECT_NE(std::string(t.errors[0].what()).find("{not json"), std::string::npos);
    EXPECT_NE(std::string(t.errors[1].what()).find("an empty line"), std::string::npos);
}

TEST(IpcBadInput, InternalMessagesNeverReachListeners) {
    auto c =
        fork(kChild, {"raw", "{\"cmd\":\"NODE_SOMETHING\"}\n", "{\"cmd\":\"fooNODE_\"}\n", "{\"cmd\":\"NODE_\"}\n"});
    Talk t;
    t.attach(*c);
    test::runLoop();
    ASSERT_EQ(t.got.size(), 2u);  // "fooNODE_" and "NODE_" (too short) are user messages, as in Node
    EXPECT_EQ(t.got[0]["cmd"], "fooNODE_");
    EXPECT_EQ(t.got[1]["cmd"], "NODE_");
}

TEST(IpcBadInput, HandleMessageWithoutAnFdIsNacked) {
    ForkOptions o;
    o.silent = true;
    auto env = processEnv();
    env["CP_READ_REPLY"] = "1";
    o.env = env;
    auto c = fork(kChild, {"raw", "{\"cmd\":\"NODE_HANDLE\",\"type\":\"net.Native\",\"msg\":{\"x\":1}}\n"}, o);
    Talk t;
    t.attach(*c);
    std::string reply;
    c->stdoutPipe()->onData([&](std::string_view d) { reply += d; });
    test::runLoop();
    EXPECT_EQ(reply, "{\"cmd\":\"NODE_HANDLE_NACK\"}\n");
    EXPECT_TRUE(t.got.empty());
    ASSERT_EQ(t.errors.size(), 1u);
    EXPECT_EQ(t.errors[0].code, "ERR_IPC_BAD_HANDLE");
}

TEST(IpcBadInput, PeerDyingMidMessageKeepsWhatCameBefore) {
    auto c = fork(kChild, {"raw", "{\"whole\":true}\n", "{\"half\":"});
    Talk t;
    t.attach(*c);
    test::runLoop();
    ASSERT_EQ(t.got.size(), 1u);
    EXPECT_EQ(t.got[0]["whole"], true);
    ASSERT_EQ(t.errors.size(), 1u);
    EXPECT_EQ(t.errors[0].code, "ERR_IPC_TRUNCATED");
    // Node: 'disconnect' usually comes before 'exit', but not always; 'close' is last.
    ASSERT_EQ(t.events.size(), 3u);
    EXPECT_EQ(t.events.back(), "close");
}

TEST(IpcBadInput, InvalidUtf8AndNulBytesAreDecodedOrRejectedNotFatal) {
    auto c = fork(kChild, {"raw", std::string("\"nul:\\u0000 ok\"\n") + "\"bad:\xff\"\n" + "{\"last\":1}\n"});
    Talk t;
    t.attach(*c);
    test::runLoop();
    ASSERT_GE(t.got.size(), 2u);
    EXPECT_EQ(t.got[0], std::string("nul:\0 ok", 8));
    EXPECT_EQ(t.got.back()["last"], 1);
}

TEST(IpcBadInput, SendingAnUnsupportedHandleThrows) {
    auto c = fork(kChild, {"echo"});
    uv_timer_t timer;
    uv_timer_init(c->loop(), &timer);
    try {
        c->send("x", SendHandle{"net.Server", reinterpret_cast<uv_handle_t*>(&timer)});
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.code, "ERR_INVALID_HANDLE_TYPE");
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    c->disconnect();
    test::runLoop();
}

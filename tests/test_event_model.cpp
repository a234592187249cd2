// SPDX-License-Identifier: MIT
// The event model as Node's EventEmitter: an 'error' nobody listens to is thrown
// (here from run()), every listener exception reaches the caller, once/off, and
// listeners are released after an object's last event.

#include <memory>
#include <stdexcept>
#include <thread>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kChild = CP_IPC_CHILD_PATH;

// run() until it returns, collecting what it throws on the way.
std::vector<std::string> runCollecting(std::size_t atMost = 100) {
    std::vector<std::string> thrown;
    for (std::size_t i = 0; i < atMost; ++i) {
        try {
            test::runLoop();
            return thrown;
        } catch (const Error& e) {
            thrown.push_back(e.code.empty() ? e.what() : e.code);
        } catch (const std::exception& e) {
            thrown.push_back(e.what());
        }
    }
    ADD_FAILURE() << "run() kept throwing";
    return thrown;
}

// Counts its copies: the listener must not be copied per event.
struct Counted {
    std::shared_ptr<int> copies;
    std::shared_ptr<int> calls;
    Counted(std::shared_ptr<int> c, std::shared_ptr<int> n) : copies(std::move(c)), calls(std::move(n)) {}
    Counted(const Counted& o) : copies(o.copies), calls(o.calls) { ++*copies; }
    Counted(Counted&&) noexcept = default;
    void operator()(std::string_view) const { ++*calls; }
};

}  // namespace

// --- 1. Unhandled errors surface ---

TEST(EventModel, AStreamErrorWithNoListenerIsThrown) {
    // The child closes its stdin and stays: our write meets EPIPE (Node: 'error' on child.stdin).
    auto c = spawn("sh", {"-c", "exec 0<&-; sleep 1"});
    // More than a pipe holds: the write is still waiting when the child closes its end.
    c->stdinPipe()->write(std::string(1 << 20, 'x'));
    const auto thrown = runCollecting();
    ASSERT_EQ(thrown, std::vector<std::string>{"EPIPE"});
}

TEST(EventModel, AChannelErrorWithNoListenerIsThrownAndTheLoopRunsOn) {
    // Node: a second child.disconnect() emits ERR_IPC_DISCONNECTED on the child.
    auto c = fork(kChild, {"lonely"});
    std::optional<int> closed;
    c->onClose([&](std::optional<int> code, auto) { closed = code; });
    c->disconnect();
    c->disconnect();
    const auto thrown = runCollecting();
    EXPECT_EQ(thrown, std::vector<std::string>{"ERR_IPC_DISCONNECTED"});
    EXPECT_TRUE(closed.has_value()) << "the child still closes after the throw";
}

TEST(EventModel, AServerErrorWithNoListenerIsThrown) {
    auto first = net::createServer();
    first->listen(0, "127.0.0.1");
    std::optional<int> port;
    first->onListening([&] { port = first->address()->port; });
    ASSERT_TRUE(test::pumpUntil([&] { return port.has_value(); }));
    auto second = net::createServer();
    second->listen(*port, "127.0.0.1");
    std::string code = "no exception";
    try {
        test::pumpUntil([] { return false; });  // ends with the throw
    } catch (const Error& e) {
        code = e.code;
        EXPECT_EQ(e.syscall, "listen");
        EXPECT_EQ(e.port, *port);
    }
    EXPECT_EQ(code, "EADDRINUSE");
    first->close();
    test::runLoop();
}

TEST(EventModel, ADgramErrorWithNoListenerIsThrown) {
    auto a = dgram::createSocket(dgram::Type::udp4);
    std::optional<int> port;
    a->bind(0, "127.0.0.1", [&] { port = a->address().port; });
    ASSERT_TRUE(test::pumpUntil([&] { return port.has_value(); }));
    auto b = dgram::createSocket(dgram::Type::udp4);
    b->bind(*port, "127.0.0.1");
    std::string code = "no exception";
    try {
        test::pumpUntil([] { return false; });  // ends with the throw
    } catch (const Error& e) {
        code = e.code;
    }
    EXPECT_EQ(code, "EADDRINUSE");
    a->close();
    test::runLoop();
}

TEST(EventModel, TheChildSideProcessErrorWithNoListenerIsThrown) {
    // This test process has no parent channel: Node's process.send() then emits
    // ERR_IPC_CHANNEL_CLOSED on process.
    ASSERT_FALSE(process::connected());
    EXPECT_FALSE(process::send({{"x", 1}}));
    EXPECT_EQ(runCollecting(), std::vector<std::string>{"ERR_IPC_CHANNEL_CLOSED"});
}

TEST(EventModel, AnErrorWithAListenerIsNotThrown) {
    auto c = spawn("no-such-program-xyz");
    std::string code;
    c->onError([&](const Error& e) { code = e.code; });
    EXPECT_TRUE(runCollecting().empty());
    EXPECT_EQ(code, "ENOENT");
}

TEST(EventModel, EachOfTenThrowingMessageListenersReachesTheCaller) {
    // Ten messages arrive in one read; each handler throws. Node reports each as
    // an uncaughtException: each comes out of its own run(), in order.
    auto c = fork(kChild, {"burst", "10"});
    c->onMessage([](const json& m, std::shared_ptr<ReceivedHandle>) {
        throw std::runtime_error("message " + std::to_string(m["i"].get<int>()));
    });
    const auto thrown = runCollecting();
    std::vector<std::string> want;
    for (int i = 0; i < 10; ++i) want.push_back("message " + std::to_string(i));
    EXPECT_EQ(thrown, want);
}

TEST(EventModel, ThrowsFromSeveralObjectsInOneTurnAllComeOut) {
    std::vector<ChildProcessPtr> children;
    for (int i = 0; i < 4; ++i) {
        children.push_back(spawn(test::kHelper, {"exit", "0"}));
        children.back()->onExit([i](auto, auto) { throw std::runtime_error("exit " + std::to_string(i)); });
    }
    auto thrown = runCollecting();
    std::sort(thrown.begin(), thrown.end());
    EXPECT_EQ(thrown, (std::vector<std::string>{"exit 0", "exit 1", "exit 2", "exit 3"}));
    for (auto& c : children) EXPECT_EQ(c->exitCode(), 0);
}

// --- 2. Listener lifetime ---

TEST(EventModel, OnceHearsOneEventAndLeavesTheRestForOthers) {
    auto c = fork(kChild, {"burst", "5"});
    std::vector<int> first, rest;
    c->onMessage([&](const json& m, std::shared_ptr<ReceivedHandle>) { first.push_back(m["i"]); }, childproc::once);
    ASSERT_TRUE(test::pumpUntil([&] { return !first.empty(); }));
    // Messages with no listener left wait, as before the first: a later listener gets them all.
    c->onMessage([&](const json& m, std::shared_ptr<ReceivedHandle>) { rest.push_back(m["i"]); });
    test::runLoop();
    EXPECT_EQ(first, std::vector<int>{0});
    EXPECT_EQ(rest, (std::vector<int>{1, 2, 3, 4}));
}

TEST(EventModel, OffRemovesAListenerAndScopedSubscriptionDoesOnLeavingScope) {
    auto c = spawn(test::kHelper, {"out", "3", "abc"});
    int kept = 0, removed = 0, scoped = 0;
    c->stdoutPipe()->onData([&](std::string_view) { ++kept; });
    Subscription s = c->stdoutPipe()->onData([&](std::string_view) { ++removed; });
    {
        ScopedSubscription inScope = c->stdoutPipe()->onData([&](std::string_view) { ++scoped; });
    }
    s.off();
    s.off();  // twice is harmless
    test::runLoop();
    EXPECT_GT(kept, 0);
    EXPECT_EQ(removed, 0);
    EXPECT_EQ(scoped, 0);
    s.off();  // after the emitter is gone too
}

TEST(EventModel, AListenerRemovedDuringAnEmitStillHearsThatEventAsInNode) {
    auto c = spawn(test::kHelper, {"exit", "0"});
    std::vector<std::string> order;
    Subscription second;
    c->onExit([&](auto, auto) {
        order.push_back("first");
        second.off();
        c->onExit([&](auto, auto) { order.push_back("added during emit"); });
    });
    second = c->onExit([&](auto, auto) { order.push_back("second"); });
    test::runLoop();
    EXPECT_EQ(order, (std::vector<std::string>{"first", "second"}));
}

TEST(EventModel, ListenersThatCaptureTheirChildAreReleasedAfterClose) {
    std::weak_ptr<ChildProcess> weak;
    {
        auto c = fork(kChild, {"burst", "2"});
        weak = c;
        // Each listener holds the child: without release this is a cycle for ever.
        c->onExit([c](auto, auto) {});
        c->onClose([c](auto, auto) {});
        c->onError([c](const Error&) {});
        c->onMessage([c](const json&, std::shared_ptr<ReceivedHandle>) {});
        c->onDisconnect([c] {});
    }
    test::runLoop();
    EXPECT_TRUE(weak.expired()) << "a listener kept its ChildProcess alive after 'close'";
}

TEST(EventModel, StreamListenersThatCaptureTheChildAreReleased) {
    std::weak_ptr<ChildProcess> weak;
    std::string out;
    {
        auto c = spawn(test::kHelper, {"out", "2", "hi"});
        weak = c;
        c->stdoutPipe()->onData([c, &out](std::string_view d) { out += d; });
        c->stdoutPipe()->onEnd([c] {});
        c->stdoutPipe()->onClose([c] {});
        c->stdinPipe()->onError([c](const Error&) {});
    }
    test::runLoop();
    EXPECT_EQ(out, "hihi");
    EXPECT_TRUE(weak.expired());
}

TEST(EventModel, AListenerIsNotCopiedPerEvent) {
    auto copies = std::make_shared<int>(0);
    auto calls = std::make_shared<int>(0);
    auto c = spawn(test::kHelper, {"spew", "1", "4000000"});
    c->stdoutPipe()->onData(Counted(copies, calls));
    const int afterAdd = *copies;
    test::runLoop();
    EXPECT_GT(*calls, 10) << "several chunks are needed for this test to mean something";
    EXPECT_EQ(*copies, afterAdd);
}

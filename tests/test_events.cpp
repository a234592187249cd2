// SPDX-License-Identifier: MIT
// Event ordering as Node's: spawn first, exit, then close after every stdio stream ended.

#include "support.hpp"

using namespace childproc;
using test::kHelper;

TEST(Events, SpawnExitCloseInOrder) {
    test::Recorder r;
    auto c = spawn(kHelper, {"out", "1", "hi", "exit", "0"});
    r.attach(*c);
    test::runLoop();
    EXPECT_EQ(r.events, (std::vector<std::string>{"spawn", "exit", "close"}));
    EXPECT_EQ(r.out, "hi");
}

TEST(Events, SpawnComesBeforeAnyData) {
    std::vector<std::string> seen;
    auto c = spawn(kHelper, {"out", "1", "x"});
    c->onSpawn([&] { seen.push_back("spawn"); });
    c->stdoutPipe()->onData([&](std::string_view) { seen.push_back("data"); });
    test::runLoop();
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen.front(), "spawn");
}

TEST(Events, CloseWaitsForAllOutputAfterExit) {
    // The child exits while 2 MiB is still in flight: close must come after the last byte.
    std::size_t bytes = 0;
    std::size_t bytesAtExit = 0, bytesAtClose = 0;
    auto c = spawn(kHelper, {"spew", "1", "2097152"});
    c->stdoutPipe()->onData([&](std::string_view d) { bytes += d.size(); });
    c->onExit([&](auto, auto) { bytesAtExit = bytes; });
    c->onClose([&](auto, auto) { bytesAtClose = bytes; });
    test::runLoop();
    EXPECT_EQ(bytesAtClose, 2097152u);
    EXPECT_LE(bytesAtExit, bytesAtClose);
}

TEST(Events, CloseWaitsForGrandchildHoldingStdout) {
    // Node: 'close' waits for a grandchild that inherited stdout; 'exit' does not.
    // The grandchild reads our stdin to its end (fd 3: sh gives a background job
    // /dev/null as fd 0), and our end closes only at 'exit', as Node destroys
    // child.stdin there: the order holds by construction, with no clock.
    auto c = spawn("/bin/sh", {"-c", std::string("exec 3<&0; '") + kHelper + "' count <&3 & echo early"});
    std::string out, order;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    c->onExit([&](auto, auto) { order += "exit "; });
    c->onClose([&](auto, auto) { order += "close"; });
    test::runLoop();
    EXPECT_EQ(out, "early\n0\n");
    EXPECT_EQ(order, "exit close");
}

TEST(Events, SeveralListenersPerEventRunInOrder) {
    std::string order;
    auto c = spawn(kHelper, {"exit", "0"});
    c->onExit([&](auto, auto) { order += "a"; });
    c->onExit([&](auto, auto) { order += "b"; });
    c->onClose([&](auto, auto) { order += "c"; });
    c->onClose([&](auto, auto) { order += "d"; });
    test::runLoop();
    EXPECT_EQ(order, "abcd");
}

TEST(Events, CloseFiresEvenWhenNobodyReadsOutput) {
    // Unread output that fits the read buffer: Node resumes unconsumed stdio after
    // exit so that 'close' comes. (More than that blocks the child, as in Node: Gotchas.)
    bool closed = false;
    auto c = spawn(kHelper, {"spew", "1", "32768", "spew", "2", "32768"});
    c->onClose([&](auto code, auto) {
        closed = true;
        EXPECT_EQ(code, 0);
    });
    test::runLoop();
    EXPECT_TRUE(closed);
}

TEST(Events, DataBufferedBeforeTheFirstListenerIsDelivered) {
    // Attach the data listener only after the child has exited: nothing is lost.
    std::string out;
    auto c = spawn(kHelper, {"out", "3", "abc"});
    c->onExit([&](auto, auto) { c->stdoutPipe()->onData([&](std::string_view d) { out += d; }); });
    test::runLoop();
    EXPECT_EQ(out, "abcabcabc");
}

TEST(Events, ListenerExceptionIsRethrownByRunAndBookkeepingContinues) {
    auto c = spawn(kHelper, {"exit", "0"});
    bool closed = false;
    c->onExit([](auto, auto) { throw std::runtime_error("boom"); });
    c->onClose([&](auto, auto) { closed = true; });
    EXPECT_THROW(run(), std::runtime_error);
    test::runLoop();  // the rest of the work is still there
    EXPECT_TRUE(closed);
}

TEST(Events, ChildrenEmitSpawnInTheOrderTheyWereSpawned) {
    // Node's nextTick queue is FIFO: spawn a, b, c → 'spawn' a, b, c.
    std::string order;
    std::vector<ChildProcessPtr> kids;
    for (char name : std::string("abcdef")) {
        kids.push_back(spawn(kHelper, {"exit", "0"}));
        kids.back()->onSpawn([&order, name] { order += name; });
    }
    test::runLoop();
    EXPECT_EQ(order, "abcdef");
}

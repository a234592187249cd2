// SPDX-License-Identifier: MIT
// net::Server in this process: connections as Node's net.Socket treats them.

#include <future>

#include "support.hpp"

using namespace childproc;
using namespace std::chrono_literals;

// Node ports: test-child-process-server-close, test-cluster-disconnect. A socket that
// answers with end() and never reads ends when its peer closes, so close(cb) completes.
TEST(Net, AnEndedSocketThatNeverReadClosesWhenThePeerDoes) {
    auto server = net::createServer([](std::shared_ptr<net::Socket> s) { s->end("bye\n"); });
    int port = 0;
    server->listen(0, "127.0.0.1", [&] { port = server->address()->port; });
    ASSERT_TRUE(test::pumpUntil([&] { return port != 0; }));
    auto fetched = std::async(std::launch::async, [port] { return test::tcpFetch(port); });
    ASSERT_TRUE(test::pumpUntil([&] { return fetched.wait_for(0s) == std::future_status::ready; }));
    EXPECT_EQ(fetched.get(), "bye\n");
    std::optional<std::optional<Error>> closed;
    server->close([&](const std::optional<Error>& e) { closed = e; });
    ASSERT_TRUE(test::pumpUntil([&] { return closed.has_value(); }, 5s)) << "server.close(cb) never called back";
    EXPECT_FALSE(*closed);
    EXPECT_EQ(server->connections(), 0u);
}

// Node: server.unref() lets the program end while the server listens; ref() undoes
// it; both may come before listen().
TEST(Net, UnrefLetsTheLoopEndAndRefKeepsIt) {
    auto server = net::createServer();
    server->unref();
    bool listening = false;
    server->listen(0, "127.0.0.1", [&] { listening = true; });
    test::runLoop(5s);  // returns although the server listens
    EXPECT_TRUE(listening);
    EXPECT_TRUE(server->listening());
    EXPECT_FALSE(uv_loop_alive(defaultLoop()));
    server->ref();
    EXPECT_TRUE(uv_loop_alive(defaultLoop()));
    server->unref();
    EXPECT_FALSE(uv_loop_alive(defaultLoop()));
    server->ref();
    bool closed = false;
    server->close([&](const std::optional<Error>&) { closed = true; });
    test::runLoop(5s);
    EXPECT_TRUE(closed);
}

// SPDX-License-Identifier: MIT
// net::Server in this process: connections as Node's net.Socket treats them.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

namespace {

std::string tempSocketPath(const std::string& name) {
    return "/tmp/childproc-test-" + std::to_string(::getpid()) + "-" + name + ".sock";
}

template <class Fn>
std::string fetchWhilePumping(Fn fetch) {
    auto fetched = std::async(std::launch::async, std::move(fetch));
    EXPECT_TRUE(test::pumpUntil([&] { return fetched.wait_for(0s) == std::future_status::ready; }));
    return fetched.get();
}

void closeAndWait(net::Server& server) {
    bool closed = false;
    server.close([&](const std::optional<Error>&) { closed = true; });
    EXPECT_TRUE(test::pumpUntil([&] { return closed; }));
}

}  // namespace

// Node's server.listen(path): a Unix socket, its path as address(), gone after close.
TEST(Net, ListenOnAUnixPathServesThereAndRemovesTheSocketOnClose) {
    const std::string path = tempSocketPath("listen");
    auto server = net::createServer([](std::shared_ptr<net::Socket> s) { s->end("over unix\n"); });
    bool listening = false;
    server->listen(path, [&] { listening = true; });
    ASSERT_TRUE(test::pumpUntil([&] { return listening; }));
    ASSERT_TRUE(server->address());
    EXPECT_EQ(server->address()->address, path);
    EXPECT_EQ(server->address()->family, "unix");
    EXPECT_EQ(fetchWhilePumping([path] { return test::unixFetch(path); }), "over unix\n");
    EXPECT_EQ(::access(path.c_str(), F_OK), 0);
    closeAndWait(*server);
    EXPECT_NE(::access(path.c_str(), F_OK), 0) << "the socket file is removed on close, as in Node";
}

TEST(Net, AUnixPathInUseIsNodesEaddrinuse) {
    const std::string path = tempSocketPath("inuse");
    auto first = net::createServer();
    first->listen(path);
    auto second = net::createServer();
    std::optional<Error> error;
    second->onError([&](const Error& e) { error = e; });
    second->listen(path);
    ASSERT_TRUE(test::pumpUntil([&] { return error.has_value(); }));
    EXPECT_EQ(error->message(), "listen EADDRINUSE: address already in use " + path);
    EXPECT_EQ(error->code, "EADDRINUSE");
    EXPECT_EQ(error->address, path);
    EXPECT_EQ(error->port, -1);
    closeAndWait(*first);
}

// Node's server.listen({fd}): serve on a socket opened elsewhere; our fd stays ours.
TEST(Net, ListenOnAnFdServesOnThatSocketAndLeavesTheFdToTheCaller) {
    test::LoopbackSocket bound(false);  // who listens on it serves it
    auto server = net::createServer([](std::shared_ptr<net::Socket> s) { s->end("from the fd\n"); });
    net::ListenOptions o;
    o.fd = bound.fd;
    bool listening = false;
    server->listen(o, [&] { listening = true; });
    ASSERT_TRUE(test::pumpUntil([&] { return listening; }));
    EXPECT_EQ(server->address()->port, bound.port);
    EXPECT_EQ(fetchWhilePumping([port = bound.port] { return test::tcpFetch(port); }), "from the fd\n");
    closeAndWait(*server);
    EXPECT_EQ(::fcntl(bound.fd, F_GETFD), FD_CLOEXEC) << "the caller's fd is still open";
}

TEST(Net, AnFdThatIsNotAStreamSocketIsNodesEinval) {
    const int file = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    auto server = net::createServer();
    std::optional<Error> error;
    server->onError([&](const Error& e) { error = e; });
    net::ListenOptions o;
    o.fd = file;
    server->listen(o);
    ASSERT_TRUE(test::pumpUntil([&] { return error.has_value(); }));
    EXPECT_EQ(error->message(), "listen EINVAL: invalid argument");
    EXPECT_EQ(error->code, "EINVAL");
    ::close(file);
    o.fd = -1;
    EXPECT_THROW(server->listen(o), Error);
}

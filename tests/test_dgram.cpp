// SPDX-License-Identifier: MIT
// dgram: UDP sockets as Node's (test-dgram-*), passed to C++ and Node children
// (test-child-process-fork-dgram), and shared by cluster workers (test-cluster-dgram-1).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <sstream>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::string kChild = CP_IPC_CHILD_PATH;
const std::string kNode = CP_NODE_PATH;
const std::string kScripts = CP_NODE_SCRIPTS;
const std::string kWorker = CP_CLUSTER_WORKER_PATH;

// Pings 127.0.0.1:port every 50 ms (UDP may drop one) until `answers` replies came.
std::vector<std::string> pingUntilAnswered(int port, std::size_t answers = 1) {
    std::vector<std::string> got;
    auto client = dgram::createSocket(dgram::Type::udp4);
    client->onMessage([&](std::string_view d, const dgram::RemoteInfo&) { got.emplace_back(d); });
    const auto deadline = std::chrono::steady_clock::now() + test::kHangGuard;
    while (got.size() < answers && std::chrono::steady_clock::now() < deadline) {
        client->send("ping", port);
        test::pumpUntil([&] { return got.size() >= answers; }, 50ms);
    }
    client->close();
    test::pumpUntil([] { return false; }, 10ms);
    return got;
}

}  // namespace

// Node: bind, 'listening', address(); a socket that sends unbound binds itself;
// 'message' with rinfo; send's callback gets the bytes; close(cb) after 'close'.
TEST(Dgram, SendAndReceiveLikeNode) {
    std::vector<std::string> events;
    auto a = dgram::createSocket(dgram::Type::udp4);
    std::optional<dgram::RemoteInfo> from;
    std::string got;
    a->onListening([&] { events.push_back("listening"); });
    a->onMessage([&](std::string_view d, const dgram::RemoteInfo& r) {
        got = d;
        from = r;
        a->close([&] { events.push_back("close cb"); });
    });
    a->onClose([&] { events.push_back("close"); });
    a->bind(0, "127.0.0.1", [&] { events.push_back("bind cb"); });
    ASSERT_TRUE(test::pumpUntil([&] { return events.size() == 2; }));
    const net::Address where = a->address();
    EXPECT_EQ(where.address, "127.0.0.1");
    EXPECT_EQ(where.family, "IPv4");
    EXPECT_GT(where.port, 0);

    auto c = dgram::createSocket(dgram::Type::udp4);
    std::optional<std::size_t> sent;
    c->send("hello", where.port, [&](const std::optional<Error>& e, std::size_t n) {
        EXPECT_FALSE(e);
        sent = n;
    });
    ASSERT_TRUE(test::pumpUntil([&] { return events.size() == 4; }));
    EXPECT_EQ(sent, 5u);
    EXPECT_EQ(got, "hello");
    ASSERT_TRUE(from);
    EXPECT_EQ(from->address, "127.0.0.1");
    EXPECT_EQ(from->family, "IPv4");
    EXPECT_EQ(from->port, c->address().port);
    EXPECT_EQ(from->address, "127.0.0.1");
    EXPECT_EQ(from->size, 5u);
    EXPECT_EQ(c->address().address, "0.0.0.0");  // the implicit bind: Node's { port: 0 }
    EXPECT_EQ(events, (std::vector<std::string>{"listening", "bind cb", "close", "close cb"}));
    c->close();
    test::runLoop(5s);
}

TEST(Dgram, Ipv6) {
    auto a = dgram::createSocket(dgram::Type::udp6);
    std::string got;
    a->onMessage([&](std::string_view d, const dgram::RemoteInfo& r) {
        got = std::string(d) + " from " + r.family;
        a->close();
    });
    bool ipv6 = true;
    a->onError([&](const Error&) { ipv6 = false; });  // no IPv6 here
    bool bound = false;
    a->bind(0, "::1", [&] { bound = true; });
    ASSERT_TRUE(test::pumpUntil([&] { return bound || !ipv6; }));
    if (!ipv6) GTEST_SKIP() << "no IPv6 loopback";
    EXPECT_EQ(a->address().family, "IPv6");
    auto c = dgram::createSocket(dgram::Type::udp6);
    c->send("six", a->address().port);  // default address: '::1'
    ASSERT_TRUE(test::pumpUntil([&] { return !got.empty(); }));
    EXPECT_EQ(got, "six from IPv6");
    c->close();
    test::runLoop(5s);
}

// Node 20: "bind EADDRINUSE 0.0.0.0:<port>", errno -98, syscall 'bind', address, port.
TEST(Dgram, BindErrorHasNodesShape) {
    auto a = dgram::createSocket(dgram::Type::udp4);
    bool listening = false;
    a->bind(0, [&] { listening = true; });
    ASSERT_TRUE(test::pumpUntil([&] { return listening; }));
    const int port = a->address().port;
    auto b = dgram::createSocket(dgram::Type::udp4);
    std::optional<Error> err;
    b->onError([&](const Error& e) { err = e; });
    b->bind(port);
    ASSERT_TRUE(test::pumpUntil([&] { return err.has_value(); }));
    EXPECT_EQ(std::string(err->what()), "bind EADDRINUSE 0.0.0.0:" + std::to_string(port));
    EXPECT_EQ(err->code, "EADDRINUSE");
    EXPECT_EQ(err->errnum, UV_EADDRINUSE);
    EXPECT_EQ(err->syscall, "bind");
    EXPECT_EQ(err->address, "0.0.0.0");
    EXPECT_EQ(err->port, port);
    b->bind(0);  // unbound again after the failure, as in Node
    a->close();
    b->close();
    test::runLoop(5s);
}

// Node's throws: address() unbound, bind twice, a bad port, use after close.
TEST(Dgram, MisuseThrowsNodesCodes) {
    auto s = dgram::createSocket(dgram::Type::udp4);
    EXPECT_EQ(test::thrownCode([&] { s->address(); }), "EBADF");
    EXPECT_EQ(test::thrownCode([&] { s->send("x", 0); }), "ERR_SOCKET_BAD_PORT");
    EXPECT_EQ(test::thrownCode([&] { s->send("x", 65536); }), "ERR_SOCKET_BAD_PORT");
    EXPECT_EQ(test::thrownCode([&] { s->bind(70000); }), "ERR_SOCKET_BAD_PORT");
    s->bind(0);
    EXPECT_EQ(test::thrownCode([&] { s->bind(0); }), "ERR_SOCKET_ALREADY_BOUND");
    s->close();
    EXPECT_EQ(test::thrownCode([&] { s->close(); }), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    EXPECT_EQ(test::thrownCode([&] { s->send("x", 9); }), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    EXPECT_EQ(test::thrownCode([&] { s->bind(0); }), "ERR_SOCKET_DGRAM_NOT_RUNNING");
    test::runLoop(5s);
}

// A send error goes to the callback ("send EMSGSIZE 127.0.0.1:9"), or to 'error'
// without one (Node drops it; here it must not vanish).
TEST(Dgram, SendErrorsReachTheCallbackOrError) {
    auto s = dgram::createSocket(dgram::Type::udp4);
    std::optional<Error> viaCallback, viaEvent;
    s->onError([&](const Error& e) { viaEvent = e; });
    s->send(std::string(70000, 'x'), 9, [&](const std::optional<Error>& e, std::size_t) { viaCallback = e; });
    s->send(std::string(70000, 'x'), 9);
    ASSERT_TRUE(test::pumpUntil([&] { return viaCallback && viaEvent; }));
    EXPECT_STREQ(viaCallback->what(), "send EMSGSIZE 127.0.0.1:9");
    EXPECT_EQ(viaCallback->syscall, "send");
    EXPECT_EQ(viaEvent->code, "EMSGSIZE");
    s->close();
    test::runLoop(5s);
}

// Names are not looked up (no blocking DNS on the loop): Node's lookup error, at once.
TEST(Dgram, ANameOtherThanLocalhostIsNotFound) {
    auto s = dgram::createSocket(dgram::Type::udp4);
    std::optional<Error> sendErr, bindErr;
    s->send("x", 9, "no.such.host.invalid", [&](const std::optional<Error>& e, std::size_t) { sendErr = e; });
    ASSERT_TRUE(test::pumpUntil([&] { return sendErr.has_value(); }));
    EXPECT_STREQ(sendErr->what(), "getaddrinfo ENOTFOUND no.such.host.invalid");
    EXPECT_EQ(sendErr->code, "ENOTFOUND");
    s->close();
    auto b = dgram::createSocket(dgram::Type::udp4);
    b->onError([&](const Error& e) { bindErr = e; });
    b->bind(0, "no.such.host.invalid");
    ASSERT_TRUE(test::pumpUntil([&] { return bindErr.has_value(); }));
    EXPECT_EQ(bindErr->code, "ENOTFOUND");
    std::string got;
    auto l = dgram::createSocket(dgram::Type::udp4, [&](std::string_view d, const dgram::RemoteInfo&) { got = d; });
    l->bind(0, "localhost", [&] { b->send("to localhost", l->address().port, "localhost"); });
    ASSERT_TRUE(test::pumpUntil([&] { return !got.empty(); }));
    EXPECT_EQ(got, "to localhost");
    b->close();
    l->close();
    test::runLoop(5s);
}

// Beyond Node: under socket activation (systemd's ListenDatagram=, LISTEN_FDS) a
// bind of the passed socket's port serves on that socket; without it the bind is
// EADDRINUSE, since the passed socket holds the port.
TEST(Dgram, ABindServesOnTheSocketThatSocketActivationPassed) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
    const int port = ntohs(a.sin_port);

    SpawnOptions o;
    o.stdio = std::vector<Stdio>{StdioType::ignore, StdioType::pipe, 2, fd};
    auto c =
        spawn("/bin/sh",
              {"-c", "LISTEN_PID=$$ LISTEN_FDS=1 exec \"$0\" udp-activated \"$1\"", kChild, std::to_string(port)}, o);
    ::close(fd);
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    ASSERT_TRUE(test::pumpUntil([&] { return out.find('\n') != std::string::npos; })) << "never bound";
    ASSERT_EQ(out, "bound\n");
    EXPECT_EQ(pingUntilAnswered(port), std::vector<std::string>{"activated:ping"});
    EXPECT_TRUE(test::pumpUntil([&] { return c->exitCode().has_value(); }));
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Dgram, UnrefLetsTheLoopEnd) {
    auto s = dgram::createSocket(dgram::Type::udp4);
    s->unref();
    bool listening = false;
    s->bind(0, "127.0.0.1", [&] { listening = true; });
    test::runLoop(5s);  // returns although the socket is bound
    EXPECT_TRUE(listening);
    EXPECT_FALSE(uv_loop_alive(defaultLoop()));
    s->ref();
    EXPECT_TRUE(uv_loop_alive(defaultLoop()));
    s->close();
    test::runLoop(5s);
}

// ---- handle passing ---------------------------------------------------------

namespace {
// Sends our bound socket to the child, closes ours once it reported what it got
// (`handle`: a C++ child names the type, Node its class), and returns what a ping
// to the port gets back.
std::string handOverAndPing(const ChildProcessPtr& c, const std::string& handle) {
    auto udp = dgram::createSocket(dgram::Type::udp4);
    bool bound = false;
    udp->bind(0, "127.0.0.1", [&] { bound = true; });
    EXPECT_TRUE(test::pumpUntil([&] { return bound; }));
    const int port = udp->address().port;
    std::optional<json> reply;
    c->onMessage([&](const json& m, auto) { reply = m; });
    c->send({{"take", "dgram"}}, udp->sendHandle());
    EXPECT_TRUE(test::pumpUntil([&] { return reply.has_value(); }));
    EXPECT_EQ((*reply)["handle"], handle);
    udp->close();  // from now on only the child receives
    auto answers = pingUntilAnswered(port);
    c->kill();
    test::runLoop();
    return answers.empty() ? "" : answers.front();
}
}  // namespace

TEST(DgramHandles, CppParentToCppChild) {
    EXPECT_EQ(handOverAndPing(fork(kChild, {"echo"}), "dgram.Socket"), "child:ping");
}

TEST(DgramHandles, CppParentToNodeChild) {
    ForkOptions o;
    o.execPath = kNode;
    EXPECT_EQ(handOverAndPing(fork(kScripts + "/echo_child.js", {}, o), "Socket"), "node:ping");
}

namespace {
json nodeParent(const std::string& how) {
    SpawnSyncOptions o;
    o.stdio = StdioOption{StdioType::ignore, StdioType::pipe, StdioType::pipe};
    o.timeout = 60s;
    auto r = spawnSync(kNode, {kScripts + "/parent_of_cpp.js", kChild, how}, o);
    EXPECT_EQ(r.status, 0) << r.stderrData.value_or("") << r.stdoutData.value_or("");
    auto out = r.stdoutData.value_or("");
    return json::parse(out.substr(0, out.find('\n')), nullptr, false);
}
}  // namespace

TEST(DgramHandles, NodeParentToCppChild) { EXPECT_EQ(nodeParent("dgram")["text"], "child:ping"); }
TEST(DgramHandles, CppChildToNodeParent) { EXPECT_EQ(nodeParent("offer-dgram")["text"], "node-parent:ping"); }

TEST(DgramHandles, AUdpHandleMustBeSentAsDgram) {
    auto c = fork(kChild, {"echo"});
    auto udp = dgram::createSocket(dgram::Type::udp4);
    udp->bind(0, "127.0.0.1");
    test::pumpUntil([&] { return udp->handle() != nullptr; });
    SendHandle wrong = udp->sendHandle();
    wrong.type = "net.Native";
    EXPECT_EQ(test::thrownCode([&] { c->send("x", wrong); }), "ERR_INVALID_HANDLE_TYPE");
    udp->close();
    c->kill();
    test::runLoop();
}

// ---- cluster ----------------------------------------------------------------

namespace {
// Two workers bind one UDP port through the primary; pings get answers from
// their pids. Returns the pids that answered and the port each reported.
void expectSharedUdp(std::vector<cluster::WorkerPtr> ws) {
    std::set<int> ports;
    int listening = 0;
    for (auto& w : ws) {
        w->onListening([&](const cluster::Address& a) {
            ++listening;
            ports.insert(a.port);
            EXPECT_TRUE(a.udp);
            EXPECT_EQ(a.addressType, 4);
        });
        w->onMessage([](const json& m, auto) { ADD_FAILURE() << m.dump(); });
    }
    ASSERT_TRUE(test::pumpUntil([&] { return listening == 2; }));
    ASSERT_EQ(ports.size(), 1u) << "both workers share the primary's one socket";
    std::set<std::string> pids;
    for (const auto& w : ws) pids.insert(std::to_string(*w->process()->pid()));
    for (const auto& answer : pingUntilAnswered(*ports.begin(), 20)) EXPECT_TRUE(pids.count(answer)) << answer;
    bool done = false;
    cluster::disconnect([&] { done = true; });
    EXPECT_TRUE(test::pumpUntil([&] { return done; }));
    cluster::removeAllListeners();
}
}  // namespace

TEST(DgramCluster, CppWorkersShareThePrimarysSocket) {
    cluster::Settings s;
    s.exec = kWorker;
    s.execPath = "";
    s.args = std::vector<std::string>{"udp", "0"};
    cluster::setupPrimary(s);
    expectSharedUdp({cluster::fork(), cluster::fork()});
}

TEST(DgramCluster, NodeWorkersUnderACppPrimary) {
    cluster::Settings s;
    s.execPath = kNode;
    s.exec = kScripts + "/cluster_worker.js";
    s.args = std::vector<std::string>{"0", "udp"};
    cluster::setupPrimary(s);
    expectSharedUdp({cluster::fork(), cluster::fork()});
}

TEST(DgramCluster, CppWorkersUnderANodePrimary) {
    auto p = spawn(kNode, {kScripts + "/cluster_primary.js", kWorker, "rr", "udp"});
    std::string out;
    p->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    ASSERT_TRUE(test::pumpUntil([&] { return out.find('\n') != std::string::npos; })) << out;
    std::istringstream line(out);
    std::string ready;
    int port = 0, pid1 = 0, pid2 = 0;
    line >> ready >> port >> pid1 >> pid2;
    ASSERT_EQ(ready, "ready") << out;
    for (const auto& answer : pingUntilAnswered(port, 10))
        EXPECT_TRUE(answer == std::to_string(pid1) || answer == std::to_string(pid2)) << answer;
    p->kill(SIGKILL);
    test::runLoop();
    EXPECT_TRUE(test::waitGone(pid1));
    EXPECT_TRUE(test::waitGone(pid2));
}

// SPDX-License-Identifier: MIT
// Handle passing with Node's NODE_HANDLE protocol: listening servers and connected
// sockets, C++ ⇄ C++ and C++ ⇄ Node, each way.

#include <future>

#include "support.hpp"

using namespace childproc;
using nlohmann::json;

namespace {
const std::string kChild = CP_IPC_CHILD_PATH;
const std::string kNode = CP_NODE_PATH;
const std::string kNodeDir = CP_NODE_SCRIPTS;

// A listening TCP server on 127.0.0.1 with an ephemeral port, owned by the test.
struct Listener {
    uv_tcp_t tcp{};
    int port = 0;
    explicit Listener(
        uv_loop_t* loop, uv_connection_cb onConn = [](uv_stream_t*, int) {}) {
        uv_tcp_init(loop, &tcp);
        sockaddr_in addr{};
        uv_ip4_addr("127.0.0.1", 0, &addr);
        uv_tcp_bind(&tcp, reinterpret_cast<const sockaddr*>(&addr), 0);
        uv_listen(reinterpret_cast<uv_stream_t*>(&tcp), 16, onConn);
        sockaddr_storage bound{};
        int len = sizeof bound;
        uv_tcp_getsockname(&tcp, reinterpret_cast<sockaddr*>(&bound), &len);
        port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp); }
    void close() {
        if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(&tcp)))
            uv_close(reinterpret_cast<uv_handle_t*>(&tcp), nullptr);
    }
};

ChildProcessPtr forkPeer(bool node, Serialization serialization = Serialization::json) {
    ForkOptions o;
    o.serialization = serialization;
    if (!node) return fork(kChild, {"echo"}, o);
    o.execPath = kNode;
    return fork(kNodeDir + "/echo_child.js", {}, o);
}

// Send our listening server to the peer, stop accepting, and see the peer answer.
void serverTo(bool node, Serialization serialization = Serialization::json) {
    auto c = forkPeer(node, serialization);
    Listener l(c->loop());
    std::future<std::string> fetched;
    json reply;
    std::string text;
    c->onMessage([&](const json& m, auto) {
        reply = m;
        l.close();                      // only the child accepts from now on
        text = test::tcpFetch(l.port);  // blocking is fine: the child serves it
        c->kill();                      // a child serving a shared socket does not leave by itself
    });
    c->send({{"take", "server"}}, SendHandle::server(l.stream()));
    test::runLoop();
    EXPECT_EQ(reply["handle"], node ? "Server" : "net.Server");
    EXPECT_EQ(text.rfind(node ? "node:" : "child:", 0), 0u) << text;
}

// Accept a connection ourselves and hand the socket to the peer, which answers on it.
void socketTo(bool node) {
    auto c = forkPeer(node);
    struct Ctx {
        ChildProcess* child;
    } ctx{c.get()};
    Listener l(c->loop(), [](uv_stream_t* server, int status) {
        if (status < 0) return;
        auto* conn = new uv_tcp_t;
        uv_tcp_init(server->loop, conn);
        uv_accept(server, reinterpret_cast<uv_stream_t*>(conn));
        auto* child = static_cast<Ctx*>(server->data)->child;
        child->send({{"take", "socket"}}, SendHandle::socket(reinterpret_cast<uv_stream_t*>(conn)),
                    [conn](const std::optional<Error>&) {
                        // The peer has its own copy now: ours can go, as Node closes it.
                        uv_close(reinterpret_cast<uv_handle_t*>(conn),
                                 [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
                    });
    });
    l.tcp.data = &ctx;
    int port = l.port;
    auto fetched = std::async(std::launch::async, [port] { return test::tcpFetch(port); });
    json reply;
    c->onMessage([&](const json& m, auto) {
        reply = m;
        l.close();
        c->disconnect();
    });
    test::runLoop();
    EXPECT_EQ(fetched.get(), node ? "node got socket\n" : "child got socket\n");
    EXPECT_EQ(reply["handle"], node ? "Socket" : "net.Socket");
}

// The peer sends us its listening server; we accept on it.
void serverFrom(bool node) {
    ChildProcessPtr c;
    if (node) {
        c = forkPeer(true);
        c->send("offer-server");
    } else {
        c = fork(kChild, {"offer-server"});
    }
    std::shared_ptr<ReceivedHandle> server;
    std::future<std::string> fetched;
    c->onMessage([&](const json& m, std::shared_ptr<ReceivedHandle> h) {
        ASSERT_TRUE(h);
        EXPECT_EQ(h->type(), "net.Server");
        EXPECT_EQ(h->kind(), UV_TCP);
        server = h;
        uv_listen(h->stream(), 16, [](uv_stream_t* s, int status) {
            if (status < 0) return;
            auto* conn = new uv_tcp_t;
            uv_tcp_init(s->loop, conn);
            uv_accept(s, reinterpret_cast<uv_stream_t*>(conn));
            static std::string text = "cpp-parent-took-it\n";
            auto* req = new uv_write_t;
            req->data = conn;
            uv_buf_t buf = uv_buf_init(text.data(), static_cast<unsigned>(text.size()));
            uv_write(req, reinterpret_cast<uv_stream_t*>(conn), &buf, 1, [](uv_write_t* w, int) {
                uv_close(static_cast<uv_handle_t*>(w->data),
                         [](uv_handle_t* hh) { delete reinterpret_cast<uv_tcp_t*>(hh); });
                delete w;
            });
        });
        int port = m["port"].get<int>();
        fetched = std::async(std::launch::async, [port] {
            std::string t = test::tcpFetch(port);
            return t;
        });
    });
    // Close our copy of the server once the fetch is done so the loop can finish.
    uv_timer_t poll;
    uv_timer_init(c->loop(), &poll);
    struct P {
        std::future<std::string>* f;
        std::shared_ptr<ReceivedHandle>* s;
        ChildProcess* c;
        std::string text;
    } p{&fetched, &server, c.get(), {}};
    poll.data = &p;
    uv_timer_start(
        &poll,
        [](uv_timer_t* t) {
            auto* pp = static_cast<P*>(t->data);
            if (!pp->f->valid() || pp->f->wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
            pp->text = pp->f->get();
            (*pp->s)->close();
            if (pp->c->connected()) pp->c->disconnect();
            uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
        },
        10, 10);
    test::runLoop();
    EXPECT_EQ(p.text, "cpp-parent-took-it\n");
}
}  // namespace

TEST(IpcHandles, ServerToCppChild) { serverTo(false); }
TEST(IpcHandles, SocketToCppChild) { socketTo(false); }
TEST(IpcHandles, ServerFromCppChild) { serverFrom(false); }
TEST(IpcHandles, ServerToNodeChild) { serverTo(true); }
TEST(IpcHandles, SocketToNodeChild) { socketTo(true); }
TEST(IpcHandles, ServerFromNodeChild) { serverFrom(true); }
// With serialization 'advanced' the NODE_HANDLE envelope is a V8-serialized object.
TEST(IpcHandles, ServerToCppChildAdvanced) { serverTo(false, Serialization::advanced); }
TEST(IpcHandles, ServerToNodeChildAdvanced) { serverTo(true, Serialization::advanced); }

TEST(IpcHandles, RawNativeHandleToCppChild) {
    // net.Native (what cluster uses): a raw handle, here a listening TCP socket.
    auto c = fork(kChild, {"echo"});
    Listener l(c->loop());
    json reply;
    std::string text;
    c->onMessage([&](const json& m, auto) {
        reply = m;
        l.close();
        text = test::tcpFetch(l.port);
        c->kill();
    });
    c->send({{"take", "native"}}, SendHandle::native(l.stream()));
    test::runLoop();
    EXPECT_EQ(reply["handle"], "net.Native");
    EXPECT_EQ(text.rfind("native:", 0), 0u) << text;
}

TEST(IpcHandles, MessagesAfterAHandleWaitForItsAck) {
    // Everything sent after a handle is queued until the ACK, then goes in order.
    auto c = fork(kChild, {"echo"});
    Listener l(c->loop());
    std::vector<json> got;
    c->onMessage([&](const json& m, auto) {
        got.push_back(m["echo"]);
        if (got.size() == 3) {
            l.close();
            c->kill();  // it serves the socket it was sent: it would not leave by itself
        }
    });
    EXPECT_TRUE(c->send("first", SendHandle::server(l.stream())));
    EXPECT_TRUE(c->send("second"));  // queue length 1: Node returns true
    EXPECT_FALSE(c->send("third"));  // and false after that
    test::runLoop();
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0], "first");
    EXPECT_EQ(got[1], "second");
    EXPECT_EQ(got[2], "third");
}

namespace {
// Accepts `n` connections on the default loop and hands each socket to `take`.
struct Acceptor {
    Listener listener;
    std::function<void(uv_tcp_t*)> take;
    explicit Acceptor(std::function<void(uv_tcp_t*)> fn)
        : listener(uv_default_loop(),
                   [](uv_stream_t* server, int status) {
                       if (status < 0) return;
                       auto* conn = new uv_tcp_t;
                       uv_tcp_init(server->loop, conn);
                       uv_accept(server, reinterpret_cast<uv_stream_t*>(conn));
                       static_cast<Acceptor*>(server->data)->take(conn);
                   }),
          take(std::move(fn)) {
        listener.tcp.data = this;
    }
};

void closeAndFree(uv_tcp_t* conn) {
    uv_close(reinterpret_cast<uv_handle_t*>(conn), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
}
}  // namespace

// Node detaches a sent socket at send(): closing ours the moment send() returns
// fails nothing, even for a send still queued behind an unanswered handle. Each
// client still gets the child's answer, then its end: the copy we took is closed.
TEST(IpcHandles, ASocketClosedRightAfterSendStillGoes) {
    auto c = forkPeer(false);
    std::vector<std::optional<Error>> results;
    Acceptor a([&](uv_tcp_t* conn) {
        c->send({{"take", "socket"}}, SendHandle::socket(reinterpret_cast<uv_stream_t*>(conn)),
                [&](const std::optional<Error>& e) { results.push_back(e); });
        closeAndFree(conn);  // the second is queued behind the first's ACK: freed before it is written
    });
    const int port = a.listener.port;
    auto first = std::async(std::launch::async, [port] { return test::tcpFetch(port); });
    auto second = std::async(std::launch::async, [port] { return test::tcpFetch(port); });
    int replies = 0;
    c->onMessage([&](const json& m, auto) {
        EXPECT_EQ(m["handle"], "net.Socket");
        if (++replies == 2) {
            a.listener.close();
            c->disconnect();
        }
    });
    test::runLoop();
    EXPECT_EQ(first.get(), "child got socket\n");
    EXPECT_EQ(second.get(), "child got socket\n");
    ASSERT_EQ(results.size(), 2u);
    for (const auto& r : results) EXPECT_FALSE(r) << r->code << ": " << r->what();
}

// The other order: a socket already closing is refused with EBADF, to the callback
// or to 'error', and the channel goes on.
TEST(IpcHandles, ASocketClosedBeforeSendIsEbadf) {
    auto c = forkPeer(false);
    std::optional<Error> viaCallback, viaError;
    c->onError([&](const Error& e) { viaError = e; });
    Acceptor a([&](uv_tcp_t* conn) {
        closeAndFree(conn);
        const auto handle = SendHandle::socket(reinterpret_cast<uv_stream_t*>(conn));
        EXPECT_FALSE(c->send({{"take", "socket"}}, handle, [&](const std::optional<Error>& e) { viaCallback = e; }));
        EXPECT_FALSE(c->send({{"take", "socket"}}, handle));
        c->send("after");
        a.listener.close();
    });
    const int port = a.listener.port;
    auto fetched = std::async(std::launch::async, [port] { return test::tcpFetch(port); });
    c->onMessage([&](const json& m, auto) {
        EXPECT_EQ(m["echo"], "after");
        c->disconnect();
    });
    test::runLoop();
    EXPECT_EQ(fetched.get(), "");
    ASSERT_TRUE(viaCallback && viaError);
    EXPECT_EQ(viaCallback->code, "EBADF");
    EXPECT_EQ(viaError->code, "EBADF");
    EXPECT_NE(std::string(viaError->what()).find("the handle to send is closed"), std::string::npos);
}

// SPDX-License-Identifier: MIT
// A server's own listening TCP socket: bound here or received from a cluster primary.

#include "core/guard.hpp"
#include "net/listener.hpp"
#include "net/tcp.hpp"

namespace childproc::detail {

namespace {

class TcpListener : public Listener {
public:
    explicit TcpListener(net::Server& server) : server_(server) {}
    ~TcpListener() override { closeHandle({}); }

    int listenOnOwn(uv_tcp_t* bound, int backlog) {
        own_ = handle_ = bound;
        return start(backlog);
    }

    int listenOn(std::shared_ptr<ReceivedHandle> h, int backlog) {
        if (h->kind() != UV_TCP) return UV_EINVAL;
        shared_ = std::move(h);
        handle_ = reinterpret_cast<uv_tcp_t*>(shared_->handle());
        return start(backlog);
    }

    std::optional<net::Address> address() const override {
        if (!handle_) return std::nullopt;
        sockaddr_storage ss{};
        int len = sizeof ss;
        if (uv_tcp_getsockname(handle_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
        return addressOf(ss);
    }

    void close(std::function<void()> done) override { closeHandle(std::move(done)); }
    uv_stream_t* stream() const override { return reinterpret_cast<uv_stream_t*>(handle_); }

private:
    int start(int backlog) {
        handle_->data = this;
        return uv_listen(reinterpret_cast<uv_stream_t*>(handle_), backlog, [](uv_stream_t* s, int status) {
            auto* self = static_cast<TcpListener*>(s->data);
            guarded(s->loop, [&] { self->onConnection(status); });
        });
    }

    void onConnection(int status) {
        if (status < 0) {
            ServerAccess::fail(server_, systemError(status, "accept"));
            return;
        }
        auto socket = makeTcpSocket(server_.loop(), ServerAccess::ticks(server_));
        if (uv_accept(reinterpret_cast<uv_stream_t*>(handle_), socket->handle()) != 0) {
            socket->destroy();
            return;
        }
        if (!ServerAccess::accepting(server_)) {  // at maxConnections: Node closes it at once
            socket->destroy();
            return;
        }
        ServerAccess::adopt(server_, std::move(socket));
    }

    void closeHandle(std::function<void()> done) {
        uv_tcp_t* h = std::exchange(handle_, nullptr);
        if (shared_) {
            // Other workers accept on the same socket: stop here, and close our copy.
            shared_.reset();
            if (done) done();
            return;
        }
        if (!h) {
            if (done) done();
            return;
        }
        own_ = nullptr;
        closeTcp(h, std::move(done));
    }

    net::Server& server_;
    uv_tcp_t* handle_ = nullptr;
    uv_tcp_t* own_ = nullptr;
    std::shared_ptr<ReceivedHandle> shared_;
};

}  // namespace

BindResult bindTcp(net::Server& server, const net::ListenOptions& o) {
    BindResult out;
    uv_tcp_t* bound = nullptr;
    if ((out.error = bindTcpHandle(server.loop(), o.host, o.port, o.ipv6Only, &bound)) != 0) return out;
    auto l = std::make_unique<TcpListener>(server);
    out.error = l->listenOnOwn(bound, o.backlog);
    if (out.error == 0) out.listener = std::move(l);
    return out;
}

BindResult listenOnReceived(net::Server& server, std::shared_ptr<ReceivedHandle> handle, int backlog) {
    BindResult out;
    auto l = std::make_unique<TcpListener>(server);
    out.error = l->listenOn(std::move(handle), backlog);
    if (out.error == 0) out.listener = std::move(l);
    return out;
}

}  // namespace childproc::detail

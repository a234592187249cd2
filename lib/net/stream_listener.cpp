// SPDX-License-Identifier: MIT
// A server's own listening socket, TCP or Unix: bound here, opened from an fd,
// or received from a cluster primary.

#include "core/guard.hpp"
#include "net/listener.hpp"
#include "net/sockets.hpp"

namespace childproc::detail {

namespace {

class StreamListener : public Listener {
public:
    explicit StreamListener(net::Server& server) : server_(server) {}
    ~StreamListener() override { closeHandle({}); }

    int listenOnOwn(uv_stream_t* bound, int backlog) {
        handle_ = bound;
        return start(backlog);
    }

    int listenOn(std::shared_ptr<ReceivedHandle> h, int backlog) {
        if (h->kind() != UV_TCP && h->kind() != UV_NAMED_PIPE) return UV_EINVAL;
        shared_ = std::move(h);
        handle_ = reinterpret_cast<uv_stream_t*>(shared_->handle());
        return start(backlog);
    }

    std::optional<net::Address> address() const override { return handle_ ? socketAddress(handle_) : std::nullopt; }

    void close(std::function<void()> done) override { closeHandle(std::move(done)); }
    uv_stream_t* stream() const override { return handle_; }

private:
    int start(int backlog) {
        handle_->data = this;
        return uv_listen(handle_, backlog, [](uv_stream_t* s, int status) {
            auto* self = static_cast<StreamListener*>(s->data);
            guarded(s->loop, [&] { self->onConnection(status); });
        });
    }

    void onConnection(int status) {
        if (status < 0) {
            ServerAccess::fail(server_, systemError(status, "accept"));
            return;
        }
        auto socket = makeSocket(server_.loop(), ServerAccess::ticks(server_), handle_->type);
        if (uv_accept(handle_, socket->handle()) != 0) {
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
        uv_stream_t* h = std::exchange(handle_, nullptr);
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
        closeSocket(h, std::move(done));
    }

    net::Server& server_;
    uv_stream_t* handle_ = nullptr;
    std::shared_ptr<ReceivedHandle> shared_;
};

}  // namespace

BindResult bindAndListen(net::Server& server, const net::ListenOptions& o) {
    BindResult out;
    uv_stream_t* bound = nullptr;
    if ((out.error = bindServer(server.loop(), bindSpec(o), &bound)) != 0) return out;
    auto l = std::make_unique<StreamListener>(server);
    out.error = l->listenOnOwn(bound, o.backlog);
    if (out.error == 0) out.listener = std::move(l);
    return out;
}

BindResult listenOnReceived(net::Server& server, std::shared_ptr<ReceivedHandle> handle, int backlog) {
    BindResult out;
    auto l = std::make_unique<StreamListener>(server);
    out.error = l->listenOn(std::move(handle), backlog);
    if (out.error == 0) out.listener = std::move(l);
    return out;
}

}  // namespace childproc::detail

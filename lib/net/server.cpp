// SPDX-License-Identifier: MIT
// net::Server: Node's net.Server for TCP. listen() binds here, or a listen hook
// takes it over (a cluster worker asks its primary); connections are Sockets.

#include "childproc/net.hpp"

#include "childproc/loop.hpp"
#include "core/guard.hpp"
#include "core/handle_ref.hpp"
#include "core/tick_queue.hpp"
#include "net/listen_hook.hpp"
#include "net/listener.hpp"

namespace childproc::detail {

namespace {
ListenHook installedHook = nullptr;  // set before main, read afterwards
}  // namespace

void setListenHook(ListenHook hook) { installedHook = hook; }
ListenHook listenHook() { return installedHook; }

}  // namespace childproc::detail

namespace childproc::net {

namespace {

// Node's uvExceptionWithHostPort: "listen EADDRINUSE: address already in use :::8000",
// "... /tmp/app.sock" for a path, and no address for an fd.
Error listenError(int err, const ListenOptions& o) {
    std::string message = "listen " + errorName(err) + ": " + uv_strerror(err);
    if (o.path) message += " " + *o.path;
    else if (!o.fd) message += " " + o.host.value_or("::") + ":" + std::to_string(o.port);
    Error e(message, errorName(err));
    e.errnum = err;
    e.syscall = "listen";
    if (o.path) {
        e.address = *o.path;
        e.port = -1;
    } else if (!o.fd) {
        e.address = o.host.value_or("::");
        e.port = o.port;
    }
    return e;
}

}  // namespace

Server::Server(uv_loop_t* loop) : loop_(loop), ticks_(detail::TickQueue::shared(loop)) {}

Server::~Server() = default;

Subscription Server::onConnection(ConnectionListener fn, Listen how) { return connection_.add(std::move(fn), how); }
Subscription Server::onListening(std::function<void()> fn, Listen how) {
    return listeningEvent_.add(std::move(fn), how);
}
Subscription Server::onError(std::function<void(const Error&)> fn, Listen how) {
    return error_.add(std::move(fn), how);
}
Subscription Server::onClose(std::function<void()> fn, Listen how) { return close_.add(std::move(fn), how); }

void Server::listen(int port, std::function<void()> cb) {
    ListenOptions o;
    o.port = port;
    listen(std::move(o), std::move(cb));
}

void Server::listen(int port, const std::string& host, std::function<void()> cb) {
    ListenOptions o;
    o.port = port;
    o.host = host;
    listen(std::move(o), std::move(cb));
}

void Server::listen(const std::string& path, std::function<void()> cb) {
    ListenOptions o;
    o.path = path;
    listen(std::move(o), std::move(cb));
}

void Server::onceListening(std::function<void()> cb) {
    if (!cb) return;
    auto fired = std::make_shared<bool>(false);
    listeningEvent_.add([fired, cb = std::move(cb)] {
        if (!std::exchange(*fired, true)) cb();
    });
}

void Server::listen(std::shared_ptr<ReceivedHandle> handle, std::function<void()> cb) {
    if (listening_ || binding_)
        throw Error("Listen method has been called more than once without closing.", "ERR_SERVER_ALREADY_LISTEN");
    if (!handle || (handle->kind() != UV_TCP && handle->kind() != UV_NAMED_PIPE))
        throw Error("The \"handle\" argument must be a listening TCP or pipe handle", "ERR_INVALID_ARG_TYPE",
                    "TypeError");
    onceListening(std::move(cb));
    binding_ = true;
    closing_ = false;
    self_ = shared_from_this();
    detail::BindResult r = detail::listenOnReceived(*this, std::move(handle), 511);
    if (r.error) return fail(systemError(r.error, "listen"));
    startListening(std::move(r.listener));
}

uv_stream_t* Server::handle() const { return listener_ ? listener_->stream() : nullptr; }

void Server::listen(ListenOptions o, std::function<void()> cb) {
    if (listening_ || binding_)
        throw Error("Listen method has been called more than once without closing.", "ERR_SERVER_ALREADY_LISTEN");
    if (o.fd && *o.fd < 0)
        throw Error("The value of \"options.fd\" is out of range. It must be >= 0. Received " + std::to_string(*o.fd),
                    "ERR_OUT_OF_RANGE", "RangeError");
    if (!o.path && !o.fd && (o.port < 0 || o.port > 65535))
        throw Error("options.port should be >= 0 and < 65536. Received " + std::to_string(o.port) + ".",
                    "ERR_SOCKET_BAD_PORT", "RangeError");
    onceListening(std::move(cb));
    if (o.backlog <= 0) o.backlog = 511;  // Node: backlog || 511
    binding_ = true;
    closing_ = false;
    self_ = shared_from_this();
    if (auto hook = detail::listenHook(); hook && hook(*this, o)) return;  // a cluster worker's primary
    detail::BindResult r = detail::bindAndListen(*this, o);
    if (r.error) return fail(listenError(r.error, o));
    startListening(std::move(r.listener));
}

void Server::startListening(std::unique_ptr<detail::Listener> listener) {
    binding_ = false;
    if (closing_) {  // close() came while the primary was still answering
        listener->close({});
        return maybeClosed();
    }
    listener_ = std::move(listener);
    listening_ = true;
    applyRef();
    ticks_->post([self = shared_from_this()] { detail::emitGuarded(self->loop_, self->listeningEvent_); });
}

Server& Server::ref() {
    unref_ = false;
    applyRef();
    return *this;
}

Server& Server::unref() {
    unref_ = true;
    applyRef();
    return *this;
}

void Server::applyRef() { detail::setRef(reinterpret_cast<uv_handle_t*>(handle()), !unref_); }

void Server::fail(Error e) {
    const bool bindFailed = binding_;
    binding_ = false;
    ticks_->post([self = shared_from_this(), e = std::move(e), bindFailed] {
        detail::emitError(self->loop_, self->error_, e);
        if (bindFailed && !self->listening_) self->self_.reset();
    });
}

bool Server::accepting() const {
    return listening_ && !closing_ && (!maxConnections || connections_ < *maxConnections);
}

void Server::adopt(std::shared_ptr<Socket> socket) {
    ++connections_;
    socket->onClose([self = shared_from_this()] {
        --self->connections_;
        self->maybeClosed();
    });
    socket->startReading();
    detail::emitGuarded(loop_, connection_, std::move(socket));
}

std::optional<Address> Server::address() const { return listener_ ? listener_->address() : std::nullopt; }

void Server::close(std::function<void(const std::optional<Error>&)> cb) {
    if (!listening_ && !binding_) {
        if (cb) ticks_->post([cb = std::move(cb)] { cb(Error("Server is not running.", "ERR_SERVER_NOT_RUNNING")); });
        return;
    }
    if (cb) closeCallbacks_.push_back(std::move(cb));
    closing_ = true;
    listening_ = false;
    if (binding_) return;  // startListening() finishes the close
    auto l = std::move(listener_);
    l->close([self = shared_from_this()] { self->maybeClosed(); });
}

void Server::maybeClosed() {
    if (!closing_ || binding_ || listener_ || connections_ > 0) return;
    closing_ = false;
    ticks_->post([self = shared_from_this()] {
        auto callbacks = std::move(self->closeCallbacks_);
        self->closeCallbacks_.clear();
        for (auto& cb : callbacks) detail::guarded(self->loop_, [&] { cb(std::nullopt); });
        detail::emitGuarded(self->loop_, self->close_);
        if (!self->listening_ && !self->binding_) {  // closed for good: 'close' was the last event
            self->connection_.clear();
            self->listeningEvent_.clear();
            self->error_.clear();
            self->close_.clear();
        }
        if (!self->listening_ && !self->binding_) self->self_.reset();
    });
}

std::shared_ptr<Server> createServer(ConnectionListener onConnection, uv_loop_t* loop) {
    std::shared_ptr<Server> s(new Server(loop ? loop : defaultLoop()));
    if (onConnection) s->onConnection(std::move(onConnection));
    return s;
}

}  // namespace childproc::net

// SPDX-License-Identifier: MIT
// dgram::Socket: Node's dgram.Socket on a uv_udp_t. bind() binds here, or a bind
// hook takes it over (a cluster worker shares its primary's socket).

#include "childproc/dgram.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "childproc/loop.hpp"
#include "core/guard.hpp"
#include "core/handle_ref.hpp"
#include "core/read_buffer.hpp"
#include "core/tick_queue.hpp"
#include "net/activation.hpp"
#include "net/address.hpp"
#include "net/listen_hook.hpp"
#include "net/udp.hpp"

namespace childproc::detail {

namespace {
DgramBindHook installedDgramHook = nullptr;  // set before main, read afterwards
}  // namespace

void setDgramBindHook(DgramBindHook hook) { installedDgramHook = hook; }
DgramBindHook dgramBindHook() { return installedDgramHook; }

int udpAddress(bool ipv6, const std::string& address, int port, sockaddr_storage& out) {
    const std::string& ip = address == "localhost" ? (ipv6 ? "::1" : "127.0.0.1") : address;
    const int err = ipv6 ? uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&out))
                         : uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&out));
    return err == 0 ? 0 : UV_EAI_NONAME;
}

namespace {

// A UDP socket the service manager passed us (our own duplicate of it: the
// passed fd stays open for a later bind of the same port).
int openActivated(uv_loop_t* loop, int fd, uv_udp_t** out) {
    const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (own < 0) return uv_translate_sys_error(errno);
    auto* h = new uv_udp_t;
    uv_udp_init(loop, h);
    if (int err = uv_udp_open(h, own)) {
        ::close(own);
        closeUdp(h);
        return err;
    }
    *out = h;
    return 0;
}

}  // namespace

int bindUdpHandle(uv_loop_t* loop, bool ipv6, const std::string& address, int port, unsigned flags, uv_udp_t** out) {
    if (auto passed = activatedFor(port, SOCK_DGRAM)) return openActivated(loop, *passed, out);
    sockaddr_storage ss{};
    const int family = ipv6 ? AF_INET6 : AF_INET;
    if (int err = udpAddress(ipv6, address, port, ss)) return err;
    auto* h = new uv_udp_t;
    if (int err = uv_udp_init_ex(loop, h, static_cast<unsigned>(family))) {
        delete h;
        return err;
    }
    if (int err = uv_udp_bind(h, reinterpret_cast<const sockaddr*>(&ss), flags)) {
        closeUdp(h);
        return err;
    }
    *out = h;
    return 0;
}

void closeUdp(uv_udp_t* h) {
    uv_close(reinterpret_cast<uv_handle_t*>(h),
             [](uv_handle_t* closed) { delete reinterpret_cast<uv_udp_t*>(closed); });
}

}  // namespace childproc::detail

namespace childproc::dgram {

namespace {

Error notRunning() { return Error("Not running", "ERR_SOCKET_DGRAM_NOT_RUNNING"); }

// Node's ExceptionWithHostPort: "bind EADDRINUSE 0.0.0.0:41234".
Error hostPortError(int err, const std::string& syscall, const std::string& address, int port) {
    Error e(syscall + " " + errorName(err) + " " + address + ":" + std::to_string(port), errorName(err));
    e.errnum = err;
    e.syscall = syscall;
    e.address = address;
    e.port = port;
    return e;
}

// Node's dns.lookup error for a name it cannot resolve (here: anything but an IP or localhost).
Error lookupError(int err, const std::string& address) {
    Error e("getaddrinfo ENOTFOUND " + address, "ENOTFOUND");
    e.errnum = err;
    e.syscall = "getaddrinfo";
    return e;
}

// One send that libuv could not finish at once: the bytes live until it completes.
struct SendReq {
    uv_udp_send_t req{};
    std::string bytes;
    std::shared_ptr<Socket> socket;
    SendCallback cb;
    std::string address;
    int port;
};

}  // namespace

std::shared_ptr<Socket> createSocket(Type type, MessageListener onMessage) {
    SocketOptions o;
    o.type = type;
    return createSocket(o, std::move(onMessage));
}

std::shared_ptr<Socket> createSocket(SocketOptions options, MessageListener onMessage) {
    std::shared_ptr<Socket> s(new Socket(options));
    if (onMessage) s->onMessage(std::move(onMessage));
    return s;
}

Socket::Socket(const SocketOptions& o)
    : loop_(o.loop ? o.loop : defaultLoop()), type_(o.type),
      flags_((o.reuseAddr ? unsigned{UV_UDP_REUSEADDR} : 0u) | (o.ipv6Only ? unsigned{UV_UDP_IPV6ONLY} : 0u)),
      ticks_(detail::TickQueue::shared(loop_)) {}

Socket::~Socket() { releaseHandle(); }

Subscription Socket::onMessage(MessageListener fn, Listen how) { return message_.add(std::move(fn), how); }
Subscription Socket::onListening(std::function<void()> fn, Listen how) { return listening_.add(std::move(fn), how); }
Subscription Socket::onError(std::function<void(const Error&)> fn, Listen how) {
    return error_.add(std::move(fn), how);
}
Subscription Socket::onClose(std::function<void()> fn, Listen how) { return close_.add(std::move(fn), how); }

void Socket::bind(int port, std::function<void()> cb) { bind(BindOptions{port, std::nullopt, false}, std::move(cb)); }

void Socket::bind(int port, const std::string& address, std::function<void()> cb) {
    bind(BindOptions{port, address, false}, std::move(cb));
}

void Socket::bind(BindOptions o, std::function<void()> cb) {
    if (closed_) throw notRunning();
    if (bindState_ != BindState::unbound) throw Error("Socket is already bound", "ERR_SOCKET_ALREADY_BOUND");
    if (o.port < 0 || o.port > 65535)
        throw Error("options.port should be >= 0 and < 65536. Received type number (" + std::to_string(o.port) + ").",
                    "ERR_SOCKET_BAD_PORT", "RangeError");
    if (cb) afterBind_.push_back(std::move(cb));
    bindState_ = BindState::binding;
    self_ = shared_from_this();
    const std::string address = o.address ? *o.address : type_ == Type::udp4 ? "0.0.0.0" : "::";
    if (auto hook = detail::dgramBindHook(); hook && hook(*this, o, address, flags_)) return;

    uv_udp_t* h = nullptr;
    if (int err = detail::bindUdpHandle(loop_, type_ == Type::udp6, address, o.port, flags_, &h))
        return bindFailed(err, address, o.port);
    startListening(h);
}

void Socket::bind(std::shared_ptr<ReceivedHandle> handle, std::function<void()> cb) {
    if (closed_) throw notRunning();
    if (bindState_ != BindState::unbound) throw Error("Socket is already bound", "ERR_SOCKET_ALREADY_BOUND");
    if (!handle || handle->kind() != UV_UDP)
        throw Error("The \"handle\" argument must be a UDP handle (dgram.Socket or dgram.Native)",
                    "ERR_INVALID_ARG_TYPE", "TypeError");
    if (cb) afterBind_.push_back(std::move(cb));
    self_ = shared_from_this();
    received_ = std::move(handle);
    startListening(reinterpret_cast<uv_udp_t*>(received_->handle()));
}

void Socket::startListening(uv_udp_t* h) {
    handle_ = h;
    handle_->data = this;
    bindState_ = BindState::bound;
    const int err = uv_udp_recv_start(
        handle_,
        [](uv_handle_t* hh, size_t, uv_buf_t* buf) {
            *buf = uv_buf_init(detail::loopReadBuffer(hh->loop), detail::kLoopReadBufferSize);
        },
        [](uv_udp_t* hh, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned) {
            auto* self = static_cast<Socket*>(hh->data);
            detail::guarded(hh->loop, [&] { self->onRecv(nread, buf, from); });
        });
    applyRef();
    ticks_->post([self = shared_from_this(), err] {
        if (err != 0) detail::emitError(self->loop_, self->error_, systemError(err, "recvStart"));
        detail::emitGuarded(self->loop_, self->listening_);
        auto waiting = std::move(self->afterBind_);
        self->afterBind_.clear();
        for (auto& fn : waiting) detail::guarded(self->loop_, fn);
    });
}

void Socket::bindFailed(int err, const std::string& address, int port) {
    bindState_ = BindState::unbound;
    afterBind_.clear();  // as Node: queued sends are dropped, the error says why
    Error e = err == UV_EAI_NONAME ? lookupError(err, address) : hostPortError(err, "bind", address, port);
    ticks_->post([self = shared_from_this(), e = std::move(e)] {
        detail::emitError(self->loop_, self->error_, e);
        if (self->bindState_ == BindState::unbound) self->self_.reset();
    });
}

void Socket::onRecv(ssize_t nread, const uv_buf_t* buf, const sockaddr* from) {
    if (nread < 0) {
        detail::emitError(loop_, error_, systemError(static_cast<int>(nread), "recvmsg"));
        return;
    }
    if (!from) return;  // nothing more to read now
    sockaddr_storage ss{};
    std::memcpy(&ss, from, from->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    auto a = detail::addressOf(ss);
    if (!a) return;
    const RemoteInfo rinfo{a->address, a->family, a->port, static_cast<std::size_t>(nread)};
    detail::emitGuarded(loop_, message_, std::string_view(buf->base, static_cast<std::size_t>(nread)), rinfo);
}

void Socket::send(std::string message, int port, SendCallback cb) {
    send(std::move(message), port, type_ == Type::udp4 ? "127.0.0.1" : "::1", std::move(cb));
}

void Socket::send(std::string message, int port, const std::string& address, SendCallback cb) {
    if (closed_) throw notRunning();
    if (port <= 0 || port > 65535)
        throw Error("Port should be > 0 and < 65536. Received type number (" + std::to_string(port) + ").",
                    "ERR_SOCKET_BAD_PORT", "RangeError");
    if (bindState_ == BindState::unbound) bind(BindOptions{0, std::nullopt, true});
    if (bindState_ == BindState::binding) {
        afterBind_.push_back([this, message = std::move(message), port, address, cb = std::move(cb)]() mutable {
            if (!closed_) doSend(std::move(message), port, address, std::move(cb));
        });
        return;
    }
    doSend(std::move(message), port, address, std::move(cb));
}

void Socket::doSend(std::string message, int port, const std::string& address, SendCallback cb) {
    sockaddr_storage ss{};
    if (int err = detail::udpAddress(type_ == Type::udp6, address, port, ss)) {
        return sendFailed(lookupError(err, address), std::move(cb));
    }
    const auto* to = reinterpret_cast<const sockaddr*>(&ss);
    uv_buf_t buf = uv_buf_init(message.data(), static_cast<unsigned>(message.size()));
    const int n = uv_udp_try_send(handle_, &buf, 1, to);
    if (n >= 0) {
        if (cb) ticks_->post([cb = std::move(cb), n] { cb(std::nullopt, static_cast<std::size_t>(n)); });
        return;
    }
    if (n != UV_EAGAIN) return sendFailed(hostPortError(n, "send", address, port), std::move(cb));
    auto* req = new SendReq{{}, std::move(message), shared_from_this(), std::move(cb), address, port};
    req->req.data = req;
    buf = uv_buf_init(req->bytes.data(), static_cast<unsigned>(req->bytes.size()));
    const int err = uv_udp_send(&req->req, handle_, &buf, 1, to, [](uv_udp_send_t* r, int status) {
        std::unique_ptr<SendReq> done(static_cast<SendReq*>(r->data));
        Socket& s = *done->socket;
        detail::guarded(s.loop_, [&] {
            if (status < 0) s.sendFailed(hostPortError(status, "send", done->address, done->port), std::move(done->cb));
            else if (done->cb) done->cb(std::nullopt, done->bytes.size());
        });
    });
    if (err != 0) {
        std::unique_ptr<SendReq> failed(req);
        sendFailed(hostPortError(err, "send", address, port), std::move(failed->cb));
    }
}

// Node hands a send error to the callback only, and drops it without one; here it
// goes to 'error' then, so that it is never lost (README, differences).
void Socket::sendFailed(Error e, SendCallback cb) {
    ticks_->post([self = shared_from_this(), e = std::move(e), cb = std::move(cb)] {
        if (cb) detail::guarded(self->loop_, [&] { cb(e, 0); });
        else detail::emitError(self->loop_, self->error_, e);
    });
}

void Socket::close(std::function<void()> cb) {
    if (closed_) throw notRunning();
    closed_ = true;
    if (cb) close_.add(std::move(cb));
    afterBind_.clear();
    releaseHandle();
    bindState_ = BindState::unbound;
    ticks_->post([self = shared_from_this()] {
        detail::emitGuarded(self->loop_, self->close_);
        // 'close' is the last event: listeners that captured this socket let it go.
        self->message_.clear();
        self->listening_.clear();
        self->error_.clear();
        self->close_.clear();
        self->self_.reset();
    });
}

void Socket::releaseHandle() {
    uv_udp_t* h = std::exchange(handle_, nullptr);
    if (h) uv_udp_recv_stop(h);
    if (received_) std::exchange(received_, nullptr)->close();
    else if (h) detail::closeUdp(h);
    if (auto release = std::exchange(onRelease_, nullptr)) release();
}

net::Address Socket::address() const {
    sockaddr_storage ss{};
    int len = sizeof ss;
    int err = handle_ ? uv_udp_getsockname(handle_, reinterpret_cast<sockaddr*>(&ss), &len) : UV_EBADF;
    auto a = err == 0 ? detail::addressOf(ss) : std::nullopt;
    if (!a) throw systemError(err ? err : UV_EBADF, "getsockname");
    return *a;
}

Socket& Socket::ref() {
    unref_ = false;
    applyRef();
    return *this;
}

Socket& Socket::unref() {
    unref_ = true;
    applyRef();
    return *this;
}

void Socket::applyRef() { detail::setRef(reinterpret_cast<uv_handle_t*>(handle_), !unref_); }

}  // namespace childproc::dgram

namespace childproc::detail {

void DgramAccess::bound(dgram::Socket& s, std::shared_ptr<ReceivedHandle> handle, std::function<void()> onClose) {
    if (s.closed_ || !handle || handle->kind() != UV_UDP) {
        if (handle) handle->close();
        if (onClose) onClose();
        if (!s.closed_) bindFailed(s, UV_EINVAL, "", 0);
        return;
    }
    s.received_ = std::move(handle);
    s.onRelease_ = std::move(onClose);
    s.startListening(reinterpret_cast<uv_udp_t*>(s.received_->handle()));
}

void DgramAccess::bindFailed(dgram::Socket& s, int err, const std::string& address, int port) {
    if (!s.closed_) s.bindFailed(err, address, port);
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
// Node's _createServerHandle: resolve, create and bind, not listen. No host
// means '::' (dual stack), or '0.0.0.0' where there is no IPv6. A path binds a
// Unix socket; an fd (or a socket-activation socket for the port or path) is
// opened as what it is.

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include "net/activation.hpp"
#include "net/sockets.hpp"

namespace childproc::detail {

namespace {

// libuv 1.44 has no UV_TCP_REUSEPORT: set it on the socket before bind().
int setReusePort(uv_tcp_t* h) {
    uv_os_fd_t fd = -1;
    if (int r = uv_fileno(reinterpret_cast<uv_handle_t*>(h), &fd)) return r;
    const int on = 1;
    return ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0 ? 0 : uv_translate_sys_error(errno);
}

uv_stream_t* asStream(void* h) { return static_cast<uv_stream_t*>(h); }

int bindTo(uv_loop_t* loop, const sockaddr* addr, unsigned flags, const BindSpec& spec, uv_stream_t** out) {
    auto* h = new uv_tcp_t;
    if (int r = uv_tcp_init_ex(loop, h, addr->sa_family)) {  // no socket() for this family
        delete h;
        return r;
    }
    int r = spec.reusePort ? setReusePort(h) : 0;
    if (r == 0) r = uv_tcp_bind(h, addr, flags);
    if (r == 0) r = checkBoundPort(asStream(h), spec.port);
    if (r != 0) {
        closeSocket(asStream(h), {});
        return r;
    }
    *out = asStream(h);
    return 0;
}

int bindTcp(uv_loop_t* loop, const BindSpec& spec, uv_stream_t** out) {
    const unsigned v6flags = spec.ipv6Only ? UV_TCP_IPV6ONLY : 0;
    if (spec.host) {
        sockaddr_storage ss{};
        if (int r = resolveAddress(*spec.host, spec.port, AF_UNSPEC, ss)) return r;
        return bindTo(loop, reinterpret_cast<sockaddr*>(&ss), ss.ss_family == AF_INET6 ? v6flags : 0, spec, out);
    }
    sockaddr_in6 any6{};
    uv_ip6_addr("::", spec.port, &any6);
    int r = bindTo(loop, reinterpret_cast<sockaddr*>(&any6), v6flags, spec, out);
    if (r == UV_EAFNOSUPPORT || r == UV_EINVAL) {
        sockaddr_in any4{};
        uv_ip4_addr("0.0.0.0", spec.port, &any4);
        r = bindTo(loop, reinterpret_cast<sockaddr*>(&any4), 0, spec, out);
    }
    return r;
}

int bindPipe(uv_loop_t* loop, const std::string& path, uv_stream_t** out) {
    auto* h = new uv_pipe_t;
    uv_pipe_init(loop, h, 0);
    if (int r = uv_pipe_bind(h, path.c_str())) {
        closeSocket(asStream(h), {});
        return r;
    }
    *out = asStream(h);
    return 0;
}

// A socket open here, TCP or Unix stream, through a duplicate of ours.
int openFd(uv_loop_t* loop, int fd, uv_stream_t** out) {
    const uv_handle_type type = uv_guess_handle(fd);
    if (type != UV_TCP && type != UV_NAMED_PIPE) return UV_EINVAL;  // as Node, a closed fd too
    const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (own < 0) return uv_translate_sys_error(errno);
    uv_stream_t* h = nullptr;
    int r;
    if (type == UV_TCP) {
        auto* tcp = new uv_tcp_t;
        uv_tcp_init(loop, tcp);
        h = asStream(tcp);
        r = uv_tcp_open(tcp, own);
    } else {
        auto* pipe = new uv_pipe_t;
        uv_pipe_init(loop, pipe, 0);
        h = asStream(pipe);
        r = uv_pipe_open(pipe, own);
    }
    if (r != 0) {
        ::close(own);
        closeSocket(h, {});
        return r;
    }
    *out = h;
    return 0;
}

}  // namespace

BindSpec bindSpec(const net::ListenOptions& o) {
    BindSpec spec;
    spec.host = o.host;
    spec.port = o.port;
    spec.ipv6Only = o.ipv6Only;
    spec.path = o.path;
    spec.fd = o.fd;
    return spec;
}

int bindServer(uv_loop_t* loop, const BindSpec& spec, uv_stream_t** out) {
    if (spec.fd) return openFd(loop, *spec.fd, out);
    if (auto passed = spec.path ? activatedFor(*spec.path) : activatedFor(spec.port)) return openFd(loop, *passed, out);
    if (spec.path) return bindPipe(loop, *spec.path, out);
    return bindTcp(loop, spec, out);
}

uv_stream_t* newClientFor(uv_stream_t* listener) {
    if (listener->type == UV_NAMED_PIPE) {
        auto* p = new uv_pipe_t;
        uv_pipe_init(listener->loop, p, 0);
        return asStream(p);
    }
    auto* t = new uv_tcp_t;
    uv_tcp_init(listener->loop, t);
    return asStream(t);
}

int checkBoundPort(uv_stream_t* h, int port) {
    if (port <= 0 || h->type != UV_TCP) return 0;
    auto got = socketAddress(h);
    return got && got->port == port ? 0 : UV_EADDRINUSE;
}

std::optional<net::Address> socketAddress(uv_stream_t* h) {
    if (h->type == UV_NAMED_PIPE) {
        char path[sizeof(sockaddr_un{}.sun_path) + 1] = {};
        std::size_t len = sizeof path;
        if (uv_pipe_getsockname(reinterpret_cast<uv_pipe_t*>(h), path, &len) != 0) return std::nullopt;
        return net::Address{std::string(path, len), "unix", 0};
    }
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getsockname(reinterpret_cast<uv_tcp_t*>(h), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
        return std::nullopt;
    return addressOf(ss);
}

void closeSocket(uv_stream_t* h, std::function<void()> done) {
    h->data = new std::function<void()>(std::move(done));
    uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* closed) {
        std::unique_ptr<std::function<void()>> cb(static_cast<std::function<void()>*>(closed->data));
        if (closed->type == UV_NAMED_PIPE) delete reinterpret_cast<uv_pipe_t*>(closed);
        else delete reinterpret_cast<uv_tcp_t*>(closed);
        if (*cb) (*cb)();
    });
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
// Node's _createServerHandle for TCP: resolve, create and bind, not listen.
// No host means '::' (dual stack), or '0.0.0.0' where there is no IPv6.

#include <sys/socket.h>

#include <cerrno>

#include "net/tcp.hpp"

namespace childproc::detail {

namespace {

// libuv 1.44 has no UV_TCP_REUSEPORT: set it on the socket before bind().
int setReusePort(uv_tcp_t* h) {
    uv_os_fd_t fd = -1;
    if (int r = uv_fileno(reinterpret_cast<uv_handle_t*>(h), &fd)) return r;
    const int on = 1;
    return ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == 0 ? 0 : uv_translate_sys_error(errno);
}

int bindTo(uv_loop_t* loop, const sockaddr* addr, unsigned flags, int port, bool reusePort, uv_tcp_t** out) {
    auto* h = new uv_tcp_t;
    if (int r = uv_tcp_init_ex(loop, h, addr->sa_family)) {  // no socket() for this family
        delete h;
        return r;
    }
    int r = reusePort ? setReusePort(h) : 0;
    if (r == 0) r = uv_tcp_bind(h, addr, flags);
    if (r == 0) r = checkBoundPort(h, port);
    if (r != 0) {
        closeTcp(h, {});
        return r;
    }
    *out = h;
    return 0;
}

}  // namespace

int bindTcpHandle(uv_loop_t* loop, const std::optional<std::string>& host, int port, bool ipv6Only, uv_tcp_t** out,
                  bool reusePort) {
    const unsigned v6flags = ipv6Only ? UV_TCP_IPV6ONLY : 0;
    if (host) {
        sockaddr_storage ss{};
        if (int r = resolveAddress(*host, port, AF_UNSPEC, ss)) return r;
        return bindTo(loop, reinterpret_cast<sockaddr*>(&ss), ss.ss_family == AF_INET6 ? v6flags : 0, port, reusePort, out);
    }
    sockaddr_in6 any6{};
    uv_ip6_addr("::", port, &any6);
    int r = bindTo(loop, reinterpret_cast<sockaddr*>(&any6), v6flags, port, reusePort, out);
    if (r == UV_EAFNOSUPPORT || r == UV_EINVAL) {
        sockaddr_in any4{};
        uv_ip4_addr("0.0.0.0", port, &any4);
        r = bindTo(loop, reinterpret_cast<sockaddr*>(&any4), 0, port, reusePort, out);
    }
    return r;
}

int checkBoundPort(uv_tcp_t* h, int port) {
    if (port <= 0) return 0;
    sockaddr_storage ss{};
    int len = sizeof ss;
    auto got = uv_tcp_getsockname(h, reinterpret_cast<sockaddr*>(&ss), &len) == 0 ? addressOf(ss) : std::nullopt;
    return got && got->port == port ? 0 : UV_EADDRINUSE;
}

void closeTcp(uv_tcp_t* h, std::function<void()> done) {
    h->data = new std::function<void()>(std::move(done));
    uv_close(reinterpret_cast<uv_handle_t*>(h), [](uv_handle_t* closed) {
        std::unique_ptr<std::function<void()>> cb(static_cast<std::function<void()>*>(closed->data));
        delete reinterpret_cast<uv_tcp_t*>(closed);
        if (*cb) (*cb)();
    });
}

}  // namespace childproc::detail

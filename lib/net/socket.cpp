// SPDX-License-Identifier: MIT
// Connections of a net::Server: a Stream on a uv_tcp_t that owns itself while
// open, so that a handler may keep it or drop it, as with Node's sockets.

#include <fcntl.h>
#include <unistd.h>

#include "core/tick_queue.hpp"
#include "net/listener.hpp"
#include "net/tcp.hpp"

namespace childproc::detail {

namespace {

struct SocketBox {
    std::shared_ptr<TickQueue> ticks;
    net::Socket stream;
    std::shared_ptr<SocketBox> self;  // until the handle is closed

    SocketBox(uv_loop_t* loop, std::shared_ptr<TickQueue> t)
        : ticks(std::move(t)), stream(loop, *ticks, true, true, Stream::Kind::tcp) {}
};

}  // namespace

std::shared_ptr<net::Socket> makeTcpSocket(uv_loop_t* loop, const std::shared_ptr<TickQueue>& ticks) {
    auto box = std::make_shared<SocketBox>(loop, ticks);
    box->self = box;
    // Released from a tick: the close hook runs inside the Stream being freed.
    box->stream.setCloseHook([b = box.get()] { b->ticks->post([keep = std::move(b->self)] {}); });
    return {box, &box->stream};
}

std::shared_ptr<net::Socket> adoptTcpSocket(net::Server& server, ReceivedHandle& received) {
    uv_os_fd_t fd = -1;
    if (received.kind() != UV_TCP || uv_fileno(received.handle(), &fd) != 0) return nullptr;
    const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    received.close();
    if (own < 0) return nullptr;
    auto socket = makeTcpSocket(server.loop(), ServerAccess::ticks(server));
    if (uv_tcp_open(socket->tcpHandle(), own) != 0) {
        ::close(own);
        socket->destroy();
        return nullptr;
    }
    return socket;
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
// Connections of a net::Server: a Stream on a TCP or pipe handle that owns itself while
// open, so that a handler may keep it or drop it, as with Node's sockets.

#include <fcntl.h>
#include <unistd.h>

#include "core/tick_queue.hpp"
#include "net/listener.hpp"
#include "net/sockets.hpp"

namespace childproc::detail {

namespace {

struct SocketBox {
    std::shared_ptr<TickQueue> ticks;
    net::Socket stream;
    std::shared_ptr<SocketBox> self;  // until the handle is closed

    SocketBox(uv_loop_t* loop, std::shared_ptr<TickQueue> t, Stream::Kind kind)
        : ticks(std::move(t)), stream(loop, *ticks, true, true, kind) {}
};

}  // namespace

std::shared_ptr<net::Socket> makeSocket(uv_loop_t* loop, const std::shared_ptr<TickQueue>& ticks, uv_handle_type kind) {
    auto box = std::make_shared<SocketBox>(loop, ticks, kind == UV_NAMED_PIPE ? Stream::Kind::pipe : Stream::Kind::tcp);
    box->self = box;
    // Released from a tick: the close hook runs inside the Stream being freed.
    box->stream.setCloseHook([b = box.get()] { b->ticks->post([keep = std::move(b->self)] {}); });
    return {box, &box->stream};
}

std::shared_ptr<net::Socket> adoptSocket(net::Server& server, ReceivedHandle& received) {
    uv_os_fd_t fd = -1;
    const uv_handle_type kind = received.kind();
    if ((kind != UV_TCP && kind != UV_NAMED_PIPE) || uv_fileno(received.handle(), &fd) != 0) return nullptr;
    const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    received.close();
    if (own < 0) return nullptr;
    auto socket = makeSocket(server.loop(), ServerAccess::ticks(server), kind);
    const int r = kind == UV_TCP ? uv_tcp_open(socket->tcpHandle(), own) : uv_pipe_open(socket->pipeHandle(), own);
    if (r != 0) {
        ::close(own);
        socket->destroy();
        return nullptr;
    }
    return socket;
}

}  // namespace childproc::detail

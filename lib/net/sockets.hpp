// SPDX-License-Identifier: MIT
#pragma once
// Stream sockets for net and cluster, TCP or Unix: binding as Node's
// _createServerHandle does (or taking a socket passed to us), connection
// Sockets, and addresses in Node's shape.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <uv.h>

#include "childproc/ipc.hpp"
#include "childproc/net.hpp"
#include "net/address.hpp"

namespace childproc::detail {

class TickQueue;

// Where a server listens: a TCP host and port, a Unix socket path, or a socket
// already open here (Node's listen({fd})).
struct BindSpec {
    std::optional<std::string> host;
    int port = 0;
    bool ipv6Only = false;
    bool reusePort = false;  // SO_REUSEPORT, so that more sockets may bind the port
    std::optional<std::string> path;
    std::optional<int> fd;
};
BindSpec bindSpec(const net::ListenOptions& o);

// A bound, not yet listening, TCP or pipe handle (heap; closeSocket frees it),
// or a libuv error. An fd is used through a close-on-exec duplicate, so that it
// stays the caller's; so is a socket-activation socket bound to the port or path.
int bindServer(uv_loop_t* loop, const BindSpec& spec, uv_stream_t** out);
// A new, unconnected handle of the listener's kind, to accept into.
uv_stream_t* newClientFor(uv_stream_t* listener);
void closeSocket(uv_stream_t* h, std::function<void()> done);

// libuv keeps EADDRINUSE until listen(); Node's checkBindError finds it by the port:
// UV_EADDRINUSE unless TCP `h` is bound to `port` (0 or a pipe asks nothing).
int checkBoundPort(uv_stream_t* h, int port);
// server.address(): Node's { address, family, port }; a pipe's is its path, family "unix".
std::optional<net::Address> socketAddress(uv_stream_t* h);

// A connection Socket of that kind (UV_TCP or UV_NAMED_PIPE); it keeps itself alive until closed.
std::shared_ptr<net::Socket> makeSocket(uv_loop_t* loop, const std::shared_ptr<TickQueue>& ticks, uv_handle_type kind);
// Take over the connected socket in `received` (a round-robin hand-off).
std::shared_ptr<net::Socket> adoptSocket(net::Server& server, ReceivedHandle& received);

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// TCP handles for net and cluster: binding as Node's _createServerHandle does,
// connection Sockets, and addresses in Node's shape.

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

// A connection Socket on a TCP handle of its own; it keeps itself alive until closed.
std::shared_ptr<net::Socket> makeTcpSocket(uv_loop_t* loop, const std::shared_ptr<TickQueue>& ticks);
// Take over the connected TCP socket in `received` (a round-robin hand-off).
std::shared_ptr<net::Socket> adoptTcpSocket(net::Server& server, ReceivedHandle& received);

// Node's _createServerHandle: a bound TCP handle (heap, closed with closeTcp) or a libuv error.
// reusePort sets SO_REUSEPORT first, so that more sockets may bind the same port.
int bindTcpHandle(uv_loop_t* loop, const std::optional<std::string>& host, int port, bool ipv6Only, uv_tcp_t** out,
                  bool reusePort = false);
void closeTcp(uv_tcp_t* h, std::function<void()> done);
// libuv keeps EADDRINUSE until listen(); Node's checkBindError finds it by the port:
// UV_EADDRINUSE unless `h` is bound to `port` (0 asks nothing).
int checkBoundPort(uv_tcp_t* h, int port);

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// What a net::Server accepts through (Node's server._handle): a socket (TCP or
// Unix) it listens on, bound here or received from a cluster primary, or the
// primary's round-robin hand-offs; and the library's own door into Server.

#include <functional>
#include <memory>
#include <optional>

#include "childproc/ipc.hpp"
#include "childproc/net.hpp"

namespace childproc::detail {

class Listener {
public:
    virtual ~Listener() = default;
    virtual std::optional<net::Address> address() const = 0;
    virtual uv_stream_t* stream() const { return nullptr; }  // a socket we listen on ourselves
    // Stop accepting; done runs once nothing of ours is open any more.
    virtual void close(std::function<void()> done) = 0;
};

struct ServerAccess {
    static void startListening(net::Server& s, std::unique_ptr<Listener> l) { s.startListening(std::move(l)); }
    static void fail(net::Server& s, Error e) { s.fail(std::move(e)); }
    static bool accepting(const net::Server& s) { return s.accepting(); }
    static void adopt(net::Server& s, std::shared_ptr<net::Socket> c) { s.adopt(std::move(c)); }
    static const std::shared_ptr<TickQueue>& ticks(net::Server& s) { return s.ticks_; }
};

// Bind and listen here: 0, or a negative libuv error.
struct BindResult {
    std::unique_ptr<Listener> listener;
    int error = 0;
};
BindResult bindAndListen(net::Server& server, const net::ListenOptions& options);
// Listen on a socket bound elsewhere (the cluster primary's, under SCHED_NONE).
BindResult listenOnReceived(net::Server& server, std::shared_ptr<ReceivedHandle> handle, int backlog);

}  // namespace childproc::detail

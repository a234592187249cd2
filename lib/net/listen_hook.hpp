// SPDX-License-Identifier: MIT
#pragma once
// net sits below cluster: a Server binds here unless a listen hook takes the
// listen over, and so does a dgram Socket's bind. The cluster worker side installs
// both (cluster/worker_servers.cpp), so that a worker binds through its primary, as
// Node's net and dgram call cluster._getServer.

#include <functional>
#include <memory>

#include "childproc/dgram.hpp"
#include "childproc/net.hpp"

namespace childproc::detail {

// true when the hook took the listen over (the server hears back through ServerAccess).
using ListenHook = bool (*)(net::Server& server, const net::ListenOptions& options);

void setListenHook(ListenHook hook);
ListenHook listenHook();

// true when the hook took the bind over (the socket hears back through DgramAccess).
// `address` is the one to bind (the default filled in); flags are libuv's UV_UDP_*.
using DgramBindHook = bool (*)(dgram::Socket& socket, const dgram::BindOptions& options, const std::string& address,
                               unsigned flags);

void setDgramBindHook(DgramBindHook hook);
DgramBindHook dgramBindHook();

struct DgramAccess {
    // The bind a hook took over succeeded: listen on `handle`; onClose runs when the
    // socket lets it go. A socket closed meanwhile closes the handle at once.
    static void bound(dgram::Socket& s, std::shared_ptr<ReceivedHandle> handle, std::function<void()> onClose);
    static void bindFailed(dgram::Socket& s, int err, const std::string& address, int port);
};

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// net sits below cluster: a Server binds here unless a listen hook takes the
// listen over. The cluster worker side installs one (cluster/worker_servers.cpp),
// so that a worker listens through its primary, as Node's net calls cluster._getServer.

#include "childproc/net.hpp"

namespace childproc::detail {

// true when the hook took the listen over (the server hears back through ServerAccess).
using ListenHook = bool (*)(net::Server& server, const net::ListenOptions& options);

void setListenHook(ListenHook hook);
ListenHook listenHook();

}  // namespace childproc::detail

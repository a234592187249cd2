// SPDX-License-Identifier: MIT
#pragma once
// Socket activation (systemd's sd_listen_fds rules): the listening sockets a
// service manager passed us, and which of them serves a port or a path.

#include <optional>
#include <string>
#include <vector>

#include "childproc/net.hpp"

namespace childproc::detail {

// The first call reads and clears LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES.
const std::vector<net::ListenFd>& takeListenFds();
// A passed stream socket bound to this TCP port (> 0), or to this Unix path.
std::optional<int> activatedFor(int port);
std::optional<int> activatedFor(const std::string& path);

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// Socket activation (systemd's sd_listen_fds rules): the listening sockets a
// service manager passed us, and which of them serves a port or a path.

#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

#include "childproc/net.hpp"

namespace childproc::detail {

// The first call reads and clears LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES.
const std::vector<net::ListenFd>& takeListenFds();
// A passed socket of this type (a TCP listener; SOCK_DGRAM for UDP, systemd's
// ListenDatagram=) bound to this port (> 0), or a stream socket on this Unix path.
std::optional<int> activatedFor(int port, int socketType = SOCK_STREAM);
std::optional<int> activatedFor(const std::string& path);

}  // namespace childproc::detail

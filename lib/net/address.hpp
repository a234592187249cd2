// SPDX-License-Identifier: MIT
#pragma once
// Socket addresses for net and dgram: a host and port to a sockaddr, and a
// sockaddr to Node's { address, family, port }.

#include <sys/socket.h>

#include <optional>
#include <string>

#include "childproc/net.hpp"

namespace childproc::detail {

// Node looks names up with dns.lookup; getaddrinfo answers numeric addresses
// without a query. `family` AF_UNSPEC takes the first answer. 0 or UV_EAI_NONAME.
int resolveAddress(const std::string& host, int port, int family, sockaddr_storage& out);

// Node's sockaddr → { address, family, port }.
std::optional<net::Address> addressOf(const sockaddr_storage& ss);

}  // namespace childproc::detail

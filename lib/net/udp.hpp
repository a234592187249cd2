// SPDX-License-Identifier: MIT
#pragma once
// UDP handles for dgram and cluster: Node's dgram._createSocketHandle.

#include <sys/socket.h>

#include <string>

#include <uv.h>

namespace childproc::detail {

// address:port in the family: an IP literal or "localhost", never a DNS query
// (which would block the loop; Node's is asynchronous). 0 or UV_EAI_NONAME.
int udpAddress(bool ipv6, const std::string& address, int port, sockaddr_storage& out);

// A UDP handle (heap, closed with closeUdp) bound to address:port with libuv's
// UV_UDP_* flags, or a libuv error.
int bindUdpHandle(uv_loop_t* loop, bool ipv6, const std::string& address, int port, unsigned flags, uv_udp_t** out);
void closeUdp(uv_udp_t* h);

}  // namespace childproc::detail

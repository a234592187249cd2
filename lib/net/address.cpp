// SPDX-License-Identifier: MIT
#include "net/address.hpp"

#include <netdb.h>

#include <cstring>

#include <uv.h>

namespace childproc::detail {

int resolveAddress(const std::string& host, int port, int family, sockaddr_storage& out) {
    addrinfo hints{};
    hints.ai_family = family;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0 || !res) return UV_EAI_NONAME;
    std::memcpy(&out, res->ai_addr, res->ai_addrlen);
    ::freeaddrinfo(res);
    if (out.ss_family == AF_INET) reinterpret_cast<sockaddr_in&>(out).sin_port = htons(static_cast<uint16_t>(port));
    else reinterpret_cast<sockaddr_in6&>(out).sin6_port = htons(static_cast<uint16_t>(port));
    return 0;
}

std::optional<net::Address> addressOf(const sockaddr_storage& ss) {
    char ip[INET6_ADDRSTRLEN] = {};
    net::Address a;
    if (ss.ss_family == AF_INET) {
        const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
        uv_ip4_name(&in, ip, sizeof ip);
        a.family = "IPv4";
        a.port = ntohs(in.sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
        uv_ip6_name(&in6, ip, sizeof ip);
        a.family = "IPv6";
        a.port = ntohs(in6.sin6_port);
    } else {
        return std::nullopt;
    }
    a.address = ip;
    return a;
}

}  // namespace childproc::detail

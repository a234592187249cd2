// SPDX-License-Identifier: MIT
// sd_notify(3)'s protocol: one datagram of "KEY=VALUE\n..." to the AF_UNIX socket
// named by $NOTIFY_SOCKET ("@name" is an abstract one), and sd_watchdog_enabled's
// reading of $WATCHDOG_USEC and $WATCHDOG_PID. libsystemd would add a dependency
// for these few lines; its extras (fd passing, vsock) a cluster does not use.

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

#include "childproc/systemd.hpp"

namespace childproc::systemd {

namespace {

std::optional<unsigned long long> number(const char* text) {
    if (!text) return std::nullopt;
    unsigned long long n = 0;
    const auto* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, n);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return n;
}

}  // namespace

int notify(std::string_view state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (!path || !*path) return 0;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t length = std::strlen(path);
    if ((path[0] != '/' && path[0] != '@') || length >= sizeof addr.sun_path) return -EINVAL;
    std::memcpy(addr.sun_path, path, length);
    if (path[0] == '@') addr.sun_path[0] = '\0';
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
    const ssize_t sent =
        ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), size);
    const int err = errno;
    ::close(fd);
    return sent < 0 ? -err : 1;
}

std::optional<std::chrono::microseconds> watchdogInterval() {
    const auto usec = number(std::getenv("WATCHDOG_USEC"));
    if (!usec || *usec == 0) return std::nullopt;
    if (const char* pid = std::getenv("WATCHDOG_PID"))
        if (number(pid) != static_cast<unsigned long long>(::getpid())) return std::nullopt;
    return std::chrono::microseconds(*usec);
}

}  // namespace childproc::systemd

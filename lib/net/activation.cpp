// SPDX-License-Identifier: MIT
// sd_listen_fds(3) by hand: libsystemd would bring a dependency for twenty lines,
// and these rules are the protocol, not systemd's: fds from 3, LISTEN_PID must be
// ours (a variable inherited from a parent is not for us), the fds become
// close-on-exec, and the variables are cleared so that our children do not
// take them for theirs.

#include "net/activation.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "net/address.hpp"

namespace childproc::detail {

namespace {

constexpr int kFirstFd = 3;  // SD_LISTEN_FDS_START

std::optional<long> number(const char* s) {
    if (!s || !*s) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s, &end, 10);
    if (*end || errno || v < 0) return std::nullopt;
    return v;
}

std::vector<net::ListenFd> readListenFds() {
    std::vector<net::ListenFd> fds;
    const auto pid = number(std::getenv("LISTEN_PID"));
    const auto count = number(std::getenv("LISTEN_FDS"));
    const char* names = std::getenv("LISTEN_FDNAMES");
    std::vector<std::string> named;
    if (names)
        for (const char *p = names, *colon;; p = colon + 1) {
            colon = std::strchr(p, ':');
            named.emplace_back(p, colon ? static_cast<std::size_t>(colon - p) : std::strlen(p));
            if (!colon) break;
        }
    if (pid && count && *pid == ::getpid() && *count < 4096) {
        for (int i = 0; i < *count; ++i) {
            const int fd = kFirstFd + i;
            if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) continue;  // not open: nothing to serve on
            fds.push_back({fd, i < static_cast<int>(named.size()) ? named[static_cast<std::size_t>(i)] : "unknown"});
        }
    }
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    return fds;
}

bool isType(int fd, int socketType) {
    int type = 0;
    socklen_t len = sizeof type;
    return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == socketType;
}

}  // namespace

const std::vector<net::ListenFd>& takeListenFds() {
    static std::once_flag once;
    static std::vector<net::ListenFd>* fds = nullptr;
    std::call_once(once, [] { fds = new std::vector<net::ListenFd>(readListenFds()); });
    return *fds;
}

std::optional<int> activatedFor(int port, int socketType) {
    if (port <= 0) return std::nullopt;
    for (const auto& passed : takeListenFds()) {
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        if (!isType(passed.fd, socketType) || ::getsockname(passed.fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0)
            continue;
        if (auto a = addressOf(ss); a && a->port == port) return passed.fd;
    }
    return std::nullopt;
}

std::optional<int> activatedFor(const std::string& path) {
    for (const auto& passed : takeListenFds()) {
        sockaddr_un un{};
        socklen_t len = sizeof un;
        if (!isType(passed.fd, SOCK_STREAM) || ::getsockname(passed.fd, reinterpret_cast<sockaddr*>(&un), &len) != 0 ||
            un.sun_family != AF_UNIX)
            continue;
        if (std::strncmp(un.sun_path, path.c_str(), sizeof un.sun_path) == 0) return passed.fd;
    }
    return std::nullopt;
}

}  // namespace childproc::detail

namespace childproc::net {

const std::vector<ListenFd>& listenFds() { return detail::takeListenFds(); }

}  // namespace childproc::net

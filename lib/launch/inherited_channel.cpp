// SPDX-License-Identifier: MIT
#include "launch/inherited_channel.hpp"

#include <fcntl.h>
#include <csignal>
#include <cstdlib>

namespace childproc::detail {

namespace {

std::optional<int> parseNumber(const char* text, long limit) {
    if (!text || !*text) return std::nullopt;
    char* end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (*end != '\0' || v < 0 || v >= limit) return std::nullopt;
    return static_cast<int>(v);
}

InheritedChannel capture() {
    InheritedChannel got;
    if (auto fd = parseNumber(std::getenv("NODE_CHANNEL_FD"), 1 << 20); fd && ::fcntl(*fd, F_GETFD) >= 0) {
        got.channelFd = *fd;
        ::fcntl(*fd, F_SETFD, FD_CLOEXEC);  // our own children must not inherit it
        // A peer that goes away must be an EPIPE on the channel, not our death: Node
        // ignores SIGPIPE at startup. A handler the program installs later wins.
        struct sigaction old {};
        if (::sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) ::signal(SIGPIPE, SIG_IGN);
    }
    if (const char* mode = std::getenv("NODE_CHANNEL_SERIALIZATION_MODE"); mode && *mode) got.serialization = mode;
    got.clusterWorkerId = parseNumber(std::getenv("NODE_UNIQUE_ID"), 1L << 31);
    // Grandchildren must not think they have our channel or are cluster workers.
    ::unsetenv("NODE_CHANNEL_FD");
    ::unsetenv("NODE_CHANNEL_SERIALIZATION_MODE");
    ::unsetenv("NODE_UNIQUE_ID");
    return got;
}

// Before main: this file is linked into every program that can spawn (the
// launcher selection asks for it), so the capture precedes any spawn.
[[maybe_unused]] const InheritedChannel& atStartup = inheritedChannel();

}  // namespace

const InheritedChannel& inheritedChannel() {
    static const InheritedChannel captured = capture();
    return captured;
}

}  // namespace childproc::detail

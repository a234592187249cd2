// SPDX-License-Identifier: MIT
#include "launch/fd_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>

namespace childproc::detail {

namespace {
// Relaxed: hints for the choice of backend, not counts. Below kHighFds: the number
// the last new fd was given. At kHighFds and up: how far into that range the last
// moved one landed.
std::atomic<int> lowFds{0}, highFds{0};
}  // namespace

int keepHigh(int fd) noexcept {
    if (fd < 0) return fd;
    lowFds.store(fd, std::memory_order_relaxed);
    if (fd < kCrowded) return fd;
    const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, kHighFds);
    if (high < 0) return fd;  // EINVAL: the limit is kHighFds or less; EMFILE: the range is full
    ::close(fd);
    highFds.store(high - kHighFds + 1, std::memory_order_relaxed);
    return high;
}

bool holdsManyFds() noexcept {
    return lowFds.load(std::memory_order_relaxed) + highFds.load(std::memory_order_relaxed) > kManyFds;
}

}  // namespace childproc::detail

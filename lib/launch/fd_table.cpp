// SPDX-License-Identifier: MIT
#include "launch/fd_table.hpp"

#include <atomic>

namespace childproc::detail {

namespace {
std::atomic<int> lastFd{0};  // relaxed: a hint for the choice of backend, not a count
}

void noteNewFd(int fd) noexcept { lastFd.store(fd, std::memory_order_relaxed); }

bool holdsManyFds() noexcept { return lastFd.load(std::memory_order_relaxed) > kManyFds; }

}  // namespace childproc::detail

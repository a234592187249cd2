// SPDX-License-Identifier: MIT
#pragma once
// How full this process's fd table is, learnt from the fds our spawns are given
// (the kernel hands out the lowest free number, so an fd numbered n means n open
// below it at that moment): no system call of its own.

namespace childproc::detail {

// Called with each fd a spawn opens for the parent (its pipes' ends, its pidfd).
void noteNewFd(int fd) noexcept;
// Whether the last of those was numbered past kManyFds: posix_spawn's closefrom would
// close that many fds in each child while the parent waits (choose_backend.cpp).
bool holdsManyFds() noexcept;
inline constexpr int kManyFds = 512;

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// How full this process's fd table is, and where the fds that live as long as a
// child are kept. Fullness is learnt from the fds our spawns are given (the kernel
// hands out the lowest free number, so an fd numbered n means n open below it at
// that moment): no system call of its own.

namespace childproc::detail {

// An fd a spawn opened for the parent that lives as long as the child (its pipes'
// ends, its pidfd), numbered kCrowded or more, is moved to kHighFds or more when
// the fd limit allows. The low numbers then stay free for the fds a spawn needs only
// while it starts, and the vfork backend's child copies only those, not every fd a
// supervisor of thousands of children holds (vfork_launcher.cpp). Returns the fd
// to use; it stays where it was when it cannot move.
int keepHigh(int fd) noexcept;
inline constexpr int kCrowded = 64;
inline constexpr int kHighFds = 1024;

// Whether the fds noted by keepHigh put the table past kManyFds: posix_spawn's
// closefrom would close that many in each child while the parent waits
// (choose_backend.cpp).
bool holdsManyFds() noexcept;
inline constexpr int kManyFds = 512;

}  // namespace childproc::detail

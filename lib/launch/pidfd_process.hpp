// SPDX-License-Identifier: MIT
#pragma once
// A child watched through a pidfd (Linux 5.3+): no SIGCHLD handler of ours,
// reaping with waitid(P_PIDFD), and kill() through pidfd_send_signal, which can
// never reach a recycled pid. Shared by the posix_spawn and vfork backends.

#include <sys/types.h>
#include <memory>

#include "launch/launchers.hpp"

namespace childproc::detail {

// Watch `pid`, a child only we can reap, on `loop`. On failure the child is killed
// and reaped and a negative errno is returned.
int watchChild(uv_loop_t* loop, pid_t pid, const char* backend, ProcessHandle::ExitFn onExit,
               std::unique_ptr<ProcessHandle>& out);

// The handle of a spawn that failed before any process existed.
std::unique_ptr<ProcessHandle> failedProcess(uv_loop_t* loop, const char* backend);

}  // namespace childproc::detail

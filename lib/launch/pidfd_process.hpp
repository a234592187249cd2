// SPDX-License-Identifier: MIT
#pragma once
// A child watched through a pidfd (Linux 5.3+): no SIGCHLD handler of ours,
// reaping with waitid(P_PIDFD), and kill() through pidfd_send_signal, which can
// never reach a recycled pid. Shared by the posix_spawn and vfork backends.

#include <sys/types.h>
#include <memory>
#include <string>

#include "launch/launchers.hpp"

namespace childproc::detail {

// Watch `pid`, a child only we can reap, on `loop`. On failure the child is killed
// and reaped and a negative errno is returned.
int watchChild(uv_loop_t* loop, pid_t pid, const char* backend, ProcessHandle::ExitFn onExit,
               std::unique_ptr<ProcessHandle>& out);

// The handle of a spawn that failed before any process existed.
std::unique_ptr<ProcessHandle> failedProcess(uv_loop_t* loop, const char* backend, std::string failedStep = {});

class ChildFds;

// A backend that starts the child itself and watches it through a pidfd (posix_spawn,
// vfork): the program's path, the stdio plan, startChild, the watch, then our ends
// of the child's pipes go to their handles.
class PidfdLauncher : public Launcher {
public:
    int launch(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
               std::unique_ptr<ProcessHandle>& out) final;

protected:
    explicit PidfdLauncher(const char* name) : name_(name) {}
    // 0 and the child's pid, or a negative errno and, where one of the options
    // failed in the child, which ("limit nofile=...").
    virtual int startChild(const std::string& program, char* const* argv, char* const* envp, const LaunchSpec& spec,
                           const ChildFds& fds, pid_t& pid, std::string& failedStep) = 0;

private:
    int start(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
              std::unique_ptr<ProcessHandle>& out, std::string& failedStep);
    const char* name_;
};

}  // namespace childproc::detail

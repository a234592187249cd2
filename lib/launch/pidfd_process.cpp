// SPDX-License-Identifier: MIT
#include "launch/pidfd_process.hpp"

#if defined(__linux__)

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include "launch/child_fds.hpp"
#include "launch/program_path.hpp"

namespace childproc::detail {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfdSendSignal(int pidfd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

class PidfdProcess final : public ProcessHandle {
public:
    PidfdProcess(ExitFn onExit, pid_t pid, int pidfd, const char* backend)
        : pid_(pid), pidfd_(pidfd), backend_(backend), onExit_(std::move(onExit)) {}
    ~PidfdProcess() override {
        if (pidfd_ >= 0) ::close(pidfd_);
    }

    int start(uv_loop_t* loop) {
        if (int err = uv_poll_init(loop, &poll_, pidfd_); err != 0) return err;
        poll_.data = this;
        uv_poll_start(&poll_, UV_READABLE, [](uv_poll_t* h, int, int) { static_cast<PidfdProcess*>(h->data)->reap(); });
        return 0;
    }

    int pid() const override { return pid_; }
    int kill(int signum) override {
        if (reaped_ || pidfd_ < 0) return UV_ESRCH;
        return pidfdSendSignal(pidfd_, signum) == 0 ? 0 : -errno;
    }
    void ref() override { uv_ref(reinterpret_cast<uv_handle_t*>(&poll_)); }
    void unref() override { uv_unref(reinterpret_cast<uv_handle_t*>(&poll_)); }
    void close(std::function<void()> onClosed) override {
        onClosed_ = std::move(onClosed);
        uv_close(reinterpret_cast<uv_handle_t*>(&poll_), [](uv_handle_t* h) {
            auto* self = static_cast<PidfdProcess*>(h->data);
            if (self->pidfd_ >= 0) {
                ::close(self->pidfd_);
                self->pidfd_ = -1;
            }
            auto done = std::move(self->onClosed_);
            done();
        });
    }
    const char* backend() const override { return backend_; }

private:
    void reap() {
        siginfo_t info{};
        if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0) return;
        reaped_ = true;
        uv_poll_stop(&poll_);
        if (info.si_code == CLD_EXITED) onExit_(info.si_status, 0);
        else onExit_(0, info.si_status);
    }

    uv_poll_t poll_{};
    pid_t pid_ = 0;
    int pidfd_ = -1;
    const char* backend_;
    bool reaped_ = false;
    ExitFn onExit_;
    std::function<void()> onClosed_;
};

// Closing it only has to call back from the loop, which a closed-at-once idle handle does.
class FailedProcess final : public ProcessHandle {
public:
    FailedProcess(uv_loop_t* loop, const char* backend) : backend_(backend) {
        uv_idle_init(loop, &idle_);
        idle_.data = this;
    }
    int pid() const override { return 0; }
    int kill(int) override { return UV_ESRCH; }
    void ref() override {}
    void unref() override {}
    void close(std::function<void()> onClosed) override {
        onClosed_ = std::move(onClosed);
        uv_close(reinterpret_cast<uv_handle_t*>(&idle_), [](uv_handle_t* h) {
            auto done = std::move(static_cast<FailedProcess*>(h->data)->onClosed_);
            done();
        });
    }
    const char* backend() const override { return backend_; }

private:
    uv_idle_t idle_{};
    const char* backend_;
    std::function<void()> onClosed_;
};

}  // namespace

bool pidfdSupported() {
    static const bool supported = [] {
        int fd = pidfdOpen(::getpid());
        if (fd < 0) return false;
        ::close(fd);
        return true;
    }();
    return supported;
}

int watchChild(uv_loop_t* loop, pid_t pid, const char* backend, ProcessHandle::ExitFn onExit,
               std::unique_ptr<ProcessHandle>& out) {
    // Nobody but us can reap the child, so the pid is still its own here.
    const int pidfd = pidfdOpen(pid);
    int err = pidfd < 0 ? -errno : 0;
    if (pidfd >= 0) {
        auto p = std::make_unique<PidfdProcess>(std::move(onExit), pid, pidfd, backend);
        err = p->start(loop);
        if (err == 0) {
            out = std::move(p);
            return 0;
        }
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return err;
}

std::unique_ptr<ProcessHandle> failedProcess(uv_loop_t* loop, const char* backend) {
    return std::make_unique<FailedProcess>(loop, backend);
}

int PidfdLauncher::launch(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
                          std::unique_ptr<ProcessHandle>& out) {
    const int r = start(loop, spec, std::move(onExit), out);
    if (r != 0) out = failedProcess(loop, name_);
    return r;
}

int PidfdLauncher::start(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
                         std::unique_ptr<ProcessHandle>& out) {
    std::string program;
    if (int r = resolveProgram(spec, program); r != 0) return r;
    ChildFds fds;
    if (int r = fds.prepare(spec); r != 0) return r;
    auto argv = cstrings(spec.args);
    auto envp = cstrings(spec.env);
    pid_t pid = 0;
    int r = startChild(program, argv.data(), envp.data(), spec, fds, pid);
    if (r == -ENOEXEC) {  // libuv has no UV_ENOEXEC; its errors are -errno
        // execvp's rule, which the uv backend's children follow and Node relies on: a
        // file the kernel will not run (a script without "#!") is run by /bin/sh.
        std::vector<std::string> viaShell{"/bin/sh", program};
        viaShell.insert(viaShell.end(), spec.args.begin() + 1, spec.args.end());
        auto shArgv = cstrings(viaShell);
        r = startChild("/bin/sh", shArgv.data(), envp.data(), spec, fds, pid);
    }
    if (r != 0) return r;
    if ((r = watchChild(loop, pid, name_, std::move(onExit), out)) != 0) return r;
    fds.openParentEnds();
    return 0;
}

}  // namespace childproc::detail

#endif

// SPDX-License-Identifier: MIT
#include "launch/pidfd_process.hpp"

#if defined(__linux__)

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include "launch/child_fds.hpp"
#include "launch/fd_table.hpp"
#include "launch/program_path.hpp"

namespace childproc::detail {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// The waitid system call takes a fifth argument that glibc's wrapper leaves out:
// the child's rusage, as wait4 gives it, without wait4's pid (which may be reused).
int waitidWithUsage(int pidfd, siginfo_t& info, struct rusage& usage) {
    return static_cast<int>(::syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED | WNOHANG, &usage));
}

ResourceUsage fromRusage(const struct rusage& r) {
    using std::chrono::microseconds;
    const auto us = [](const timeval& t) { return microseconds(t.tv_sec * 1000000LL + t.tv_usec); };
    const auto n = [](long v) { return static_cast<std::uint64_t>(v); };
    ResourceUsage u;
    u.userCPUTime = us(r.ru_utime);
    u.systemCPUTime = us(r.ru_stime);
    u.maxRSS = n(r.ru_maxrss);
    u.minorPageFault = n(r.ru_minflt);
    u.majorPageFault = n(r.ru_majflt);
    u.fsRead = n(r.ru_inblock);
    u.fsWrite = n(r.ru_oublock);
    u.voluntaryContextSwitches = n(r.ru_nvcsw);
    u.involuntaryContextSwitches = n(r.ru_nivcsw);
    return u;
}

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
    std::optional<ResourceUsage> resourceUsage() const override { return usage_; }

private:
    void reap() {
        siginfo_t info{};
        struct rusage usage {};
        if (waitidWithUsage(pidfd_, info, usage) != 0 || info.si_pid == 0) return;
        reaped_ = true;
        usage_ = fromRusage(usage);
        uv_poll_stop(&poll_);
        if (info.si_code == CLD_EXITED) onExit_(info.si_status, 0);
        else onExit_(0, info.si_status);
    }

    uv_poll_t poll_{};
    pid_t pid_ = 0;
    int pidfd_ = -1;
    const char* backend_;
    bool reaped_ = false;
    std::optional<ResourceUsage> usage_;
    ExitFn onExit_;
    std::function<void()> onClosed_;
};

// Closing it only has to call back from the loop, which a closed-at-once idle handle does.
class FailedProcess final : public ProcessHandle {
public:
    FailedProcess(uv_loop_t* loop, const char* backend, std::string failedStep)
        : backend_(backend), failedStep_(std::move(failedStep)) {
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
    std::string failedStep() const override { return failedStep_; }

private:
    uv_idle_t idle_{};
    const char* backend_;
    std::string failedStep_;
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
    int pidfd = pidfdOpen(pid);
    int err = pidfd < 0 ? -errno : 0;
    pidfd = keepHigh(pidfd);
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

std::unique_ptr<ProcessHandle> failedProcess(uv_loop_t* loop, const char* backend, std::string failedStep) {
    return std::make_unique<FailedProcess>(loop, backend, std::move(failedStep));
}

int PidfdLauncher::launch(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
                          std::unique_ptr<ProcessHandle>& out) {
    std::string failedStep;
    const int r = start(loop, spec, std::move(onExit), out, failedStep);
    if (r != 0) out = failedProcess(loop, name_, std::move(failedStep));
    return r;
}

int PidfdLauncher::start(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
                         std::unique_ptr<ProcessHandle>& out, std::string& failedStep) {
    std::string program;
    if (int r = resolveProgram(spec, program); r != 0) return r;
    ChildFds fds;
    if (int r = fds.prepare(spec); r != 0) return r;
    auto argv = cstrings(spec.args);
    auto envp = cstrings(spec.env);
    pid_t pid = 0;
    int r = startChild(program, argv.data(), envp.data(), spec, fds, pid, failedStep);
    if (r == -ENOEXEC) {  // libuv has no UV_ENOEXEC; its errors are -errno
        // execvp's rule, which the uv backend's children follow and Node relies on: a
        // file the kernel will not run (a script without "#!") is run by /bin/sh.
        std::vector<std::string> viaShell{"/bin/sh", program};
        viaShell.insert(viaShell.end(), spec.args.begin() + 1, spec.args.end());
        auto shArgv = cstrings(viaShell);
        r = startChild("/bin/sh", shArgv.data(), envp.data(), spec, fds, pid, failedStep);
    }
    if (r != 0) return r;
    if ((r = watchChild(loop, pid, name_, std::move(onExit), out)) != 0) return r;
    fds.openParentEnds();
    return 0;
}

}  // namespace childproc::detail

#endif

// SPDX-License-Identifier: MIT
// Backend 3 (Linux), for killWithParent, and for uid/gid with killWithParent or
// a controlling terminal: posix_spawn has no way to run prctl(PR_SET_PDEATHSIG)
// or setuid in the child, so this does what glibc's posix_spawn does,
// by hand: vfork (the child borrows our memory until it execs), only
// async-signal-safe calls in the child, and every signal blocked around it so no
// handler of ours runs on the shared stack. The exec errno comes back through a
// close-on-exec pipe, not through memory: sanitizers (TSan) turn vfork into fork,
// where memory is not shared.

#include "launch/launchers.hpp"

#if defined(__linux__)

#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "core/resource_table.hpp"
#include "launch/child_fds.hpp"
#include "launch/pidfd_process.hpp"

namespace childproc::detail {

namespace {

// The pipe the child reports its exec errno through, above the slots, where no
// dup2 of the child can land on it. 0 or a negative errno.
int reportPipe(int (&report)[2], int slots) {
    if (::pipe2(report, O_CLOEXEC) != 0) return -errno;
    for (int& fd : report) {
        if (fd >= slots) continue;
        const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, slots);
        const int e = errno;
        ::close(fd);
        if (high < 0) {
            ::close(report[0] == fd ? report[1] : report[0]);
            return -e;
        }
        fd = high;
    }
    return 0;
}

struct ChildLimit {
    int resource;
    struct rlimit value;
};

// In the vforked child: only async-signal-safe calls, and no allocation.
// What the vforked child does besides its fds; plain values, read without allocating.
struct ChildSetup {
    const char* cwd = nullptr;
    bool killWithParent = false;
    bool detached = false;
    int pgid = -1;
    const ChildLimit* limits = nullptr;
    std::size_t limitCount = 0;
    bool setNice = false;
    int nice = 0;
    bool noNewPrivileges = false;
    long uid = -1;
    long gid = -1;
    pid_t parent = 0;
};

// What the child reports when it could not exec: the errno, and which of our own
// steps failed (a limit's index, or one of the steps below), so the error names it.
struct ChildReport {
    int err = 0;
    int step = kStepOther;
    static constexpr int kStepOther = -1;
    static constexpr int kStepNice = -2;
    static constexpr int kStepNoNewPrivileges = -3;
};

// 0 or an errno. A terminal opened here by a session leader becomes its controlling one.
int applyFdOp(const FdOp& op) {
    switch (op.kind) {
    case FdOp::dup: return ::dup2(op.src, op.target) < 0 ? errno : 0;
    case FdOp::close: ::close(op.target); return 0;
    case FdOp::open: {
        const int fd = ::open(op.path, O_RDWR);
        if (fd < 0) return errno;
        if (fd == op.target) return 0;
        const int e = ::dup2(fd, op.target) < 0 ? errno : 0;
        ::close(fd);
        return e;
    }
    }
    return 0;
}

// Raw system calls: glibc's setuid()/setgid() would signal every thread of the
// process whose memory this child borrows; the syscalls change only this one.
int dropPrivileges(const ChildSetup& setup) {
    if (setup.uid < 0 && setup.gid < 0) return 0;
    ::syscall(SYS_setgroups, 0, nullptr);  // as libuv: fails harmlessly when not privileged
    if (setup.gid >= 0 && ::syscall(SYS_setgid, setup.gid) != 0) return errno;
    if (setup.uid >= 0 && ::syscall(SYS_setuid, setup.uid) != 0) return errno;
    return 0;
}

// Limits and nice before the ids change, as root may raise what the user may not.
int applyLimits(const ChildSetup& setup, int& step) {
    for (std::size_t i = 0; i < setup.limitCount; ++i) {
        step = static_cast<int>(i);
        const auto resource = static_cast<__rlimit_resource_t>(setup.limits[i].resource);
        if (::setrlimit(resource, &setup.limits[i].value) != 0) return errno;
    }
    step = ChildReport::kStepNice;
    if (setup.setNice && ::setpriority(PRIO_PROCESS, 0, setup.nice) != 0) return errno;
    step = ChildReport::kStepOther;
    return 0;
}

// Nothing past the slots reaches the program: marked close-on-exec (Linux 5.11+),
// so that exec closes them after our parent has resumed, rather than closing them
// here while it waits (one close per fd it holds: thousands for a supervisor of
// thousands of children). Before 5.11 they are closed, all but the report pipe's
// write end, which exec closes.
void keepOnlySlots(int slots, int reportFd) {
    const auto first = static_cast<unsigned>(slots);
    if (::syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
    if (reportFd > slots) ::syscall(SYS_close_range, first, static_cast<unsigned>(reportFd - 1), 0U);
    ::syscall(SYS_close_range, static_cast<unsigned>(reportFd + 1), ~0U, 0U);
}

[[noreturn]] void becomeChild(const char* program, char* const* argv, char* const* envp, const ChildFds& fds,
                              const ChildSetup& setup, int reportFd) {
    ChildReport report;
    int& e = report.err;
    if (setup.killWithParent) {
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) e = errno;
        else if (::getppid() != setup.parent) e = ESRCH;  // orphaned before prctl took hold
    }
    if (!e && setup.detached && ::setsid() < 0) e = errno;  // before a terminal is opened
    const auto& ops = fds.ops();
    for (std::size_t i = 0; i < ops.size() && !e; ++i) e = applyFdOp(ops[i]);
    if (!e) keepOnlySlots(fds.slots(), reportFd);
    if (!e && setup.cwd && ::chdir(setup.cwd) != 0) e = errno;
    if (!e && setup.pgid >= 0 && ::setpgid(0, setup.pgid) < 0) e = errno;
    if (!e) e = applyLimits(setup, report.step);
    if (!e) e = dropPrivileges(setup);
    if (!e && setup.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        e = errno;
        report.step = ChildReport::kStepNoNewPrivileges;
    }
    if (!e) {
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int s = 1; s < NSIG; ++s)
            if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &dfl, nullptr);  // our table is our own copy
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execve(program, argv, envp);
        e = errno;
    }
    [[maybe_unused]] auto n = ::write(reportFd, &report, sizeof report);
    ::_exit(127);
}

// 0 or a negative errno, with the report of a child that could not exec.
int vforkSpawn(const char* program, char* const* argv, char* const* envp, const ChildFds& fds, ChildSetup setup,
               pid_t& out, ChildReport& childReport) {
    int report[2];
    if (int r = reportPipe(report, fds.slots()); r != 0) return r;
    setup.parent = ::getpid();
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const pid_t pid = ::vfork();
    if (pid == 0) {
        ::close(report[0]);
        becomeChild(program, argv, envp, fds, setup, report[1]);
    }
    const int forkErr = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    ::close(report[1]);
    if (pid < 0) {
        ::close(report[0]);
        return -forkErr;
    }
    ssize_t got;
    do {
        got = ::read(report[0], &childReport, sizeof childReport);
    } while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof childReport) && childReport.err != 0) {
        ::waitpid(pid, nullptr, 0);
        return -childReport.err;
    }
    out = pid;
    return 0;
}

class VforkLauncher final : public PidfdLauncher {
public:
    VforkLauncher() : PidfdLauncher("vfork") {}

private:
    int startChild(const std::string& program, char* const* argv, char* const* envp, const LaunchSpec& spec,
                   const ChildFds& fds, pid_t& pid, std::string& failedStep) override {
        std::vector<ChildLimit> limits;
        for (const auto& l : spec.limits)
            limits.push_back({resourceNumber(l.resource), {static_cast<rlim_t>(l.soft), static_cast<rlim_t>(l.hard)}});
        ChildSetup setup;
        setup.limits = limits.data();
        setup.limitCount = limits.size();
        setup.setNice = spec.nice.has_value();
        setup.nice = spec.nice.value_or(0);
        setup.noNewPrivileges = spec.noNewPrivileges;
        setup.cwd = spec.cwd ? spec.cwd->c_str() : nullptr;
        setup.killWithParent = spec.killWithParent;
        setup.detached = spec.detached;
        setup.pgid = spec.processGroup.value_or(-1);
        if (spec.uid) setup.uid = *spec.uid;
        if (spec.gid) setup.gid = *spec.gid;
        ChildReport report;
        const int r = vforkSpawn(program.c_str(), argv, envp, fds, setup, pid, report);
        if (r != 0) failedStep = describeStep(spec, report.step);
        return r;
    }

    static std::string describeStep(const LaunchSpec& spec, int step) {
        if (step >= 0 && static_cast<std::size_t>(step) < spec.limits.size())
            return "limit " + formatResourceLimit(spec.limits[static_cast<std::size_t>(step)]);
        if (step == ChildReport::kStepNice) return "nice " + std::to_string(spec.nice.value_or(0));
        if (step == ChildReport::kStepNoNewPrivileges) return "noNewPrivileges";
        return {};
    }
};

}  // namespace

Launcher& vforkLauncher() {
    static VforkLauncher launcher;
    return launcher;
}

}  // namespace childproc::detail

#endif

// SPDX-License-Identifier: MIT
// Backend 3 (Linux), for killWithParent, limits, and uid/gid with killWithParent or
// a controlling terminal: posix_spawn has no way to run prctl(PR_SET_PDEATHSIG),
// setrlimit or setuid in the child; and for a parent that holds many fds. This does
// what glibc's posix_spawn does, by hand: a child that borrows our memory until it
// execs (clone's CLONE_VM|CLONE_VFORK), only async-signal-safe calls in it, and
// every signal blocked around it so no handler of ours runs in it. Unlike glibc's,
// the child also starts on our fd table (CLONE_FILES) and copies only the fds it
// needs. The exec errno comes back through a close-on-exec pipe, not through
// memory: sanitizers (TSan) turn vfork into fork, where memory is not shared.

#include "launch/launchers.hpp"

#if defined(__linux__)

#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "core/resource_table.hpp"
#include "launch/child_fds.hpp"
#include "launch/pidfd_process.hpp"

// Under a sanitizer the child runs on our stack through vfork(), which the sanitizer
// knows (TSan makes it a fork); its runtime would not follow a child on a stack of ours.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHILDPROC_CHILD_BY_VFORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CHILDPROC_CHILD_BY_VFORK 1
#endif
#endif

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
    int reportRead = -1;
    unsigned keepFds = 0;  // every fd the child needs is below this
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

// A child that starts on our fd table takes its own copy of the fds below `keep`
// only (close_range's CLOSE_RANGE_UNSHARE, Linux 5.9), where fork and vfork copy
// every fd we hold, and its exec then closes each: thousands for a supervisor of
// thousands of children, while it waits. Before 5.9, a full copy. 0 or an errno.
int ownFdTable(unsigned keep) {
    if (::syscall(SYS_close_range, keep, ~0U, CLOSE_RANGE_UNSHARE) == 0) return 0;
    return ::unshare(CLONE_FILES) == 0 ? 0 : errno;
}

[[noreturn]] void becomeChild(const char* program, char* const* argv, char* const* envp, const ChildFds& fds,
                              const ChildSetup& setup, int reportFd, bool sharesOurFds) {
    ChildReport report;
    int& e = report.err;
    if (sharesOurFds) e = ownFdTable(setup.keepFds);  // before any fd is touched: they are ours until then
    if (!e) ::close(setup.reportRead);
    if (!e && setup.killWithParent) {
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

struct ChildStart {
    const char* program;
    char* const* argv;
    char* const* envp;
    const ChildFds* fds;
    const ChildSetup* setup;
    int reportFd;
};

#if !defined(CHILDPROC_CHILD_BY_VFORK)
int cloneChild(void* p) {
    const auto& s = *static_cast<const ChildStart*>(p);
    becomeChild(s.program, s.argv, s.envp, *s.fds, *s.setup, s.reportFd, true);
}
#endif

// The child runs, and we wait until it has exec'd or exited; its pid or -1.
pid_t startChildProcess(const ChildStart& start) {
#if defined(CHILDPROC_CHILD_BY_VFORK)
    const pid_t pid = ::vfork();
    if (pid == 0) becomeChild(start.program, start.argv, start.envp, *start.fds, *start.setup, start.reportFd, false);
    return pid;
#else
    // Its stack is here, in our frame, which outlives it: we are suspended until it
    // execs or exits (as musl's posix_spawn does).
    alignas(64) char stack[32 * 1024];
    return ::clone(cloneChild, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD,
                   const_cast<ChildStart*>(&start));
#endif
}

// One past the highest fd the child needs: its slots, the fds it copies into them,
// and the report pipe.
unsigned fdsNeeded(const ChildFds& fds, int reportFd) {
    int highest = std::max(fds.slots() - 1, reportFd);
    for (const FdOp& op : fds.ops()) highest = std::max(highest, op.src);
    return static_cast<unsigned>(highest + 1);
}

// 0 or a negative errno, with the report of a child that could not exec.
int vforkSpawn(const char* program, char* const* argv, char* const* envp, const ChildFds& fds, ChildSetup setup,
               pid_t& out, ChildReport& childReport) {
    int report[2];
    if (int r = reportPipe(report, fds.slots()); r != 0) return r;
    setup.parent = ::getpid();
    setup.reportRead = report[0];
    setup.keepFds = fdsNeeded(fds, report[1]);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const pid_t pid = startChildProcess(ChildStart{program, argv, envp, &fds, &setup, report[1]});
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

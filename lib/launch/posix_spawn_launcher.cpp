// SPDX-License-Identifier: MIT
// Backend 2 (Linux): glibc posix_spawn — clone(CLONE_VM|CLONE_VFORK), so the cost
// does not grow with the parent's memory as fork() does (nodejs/node#14917) —
// with the child watched through a pidfd: no SIGCHLD handler of ours, reaping with
// waitid(P_PIDFD), and kill() through pidfd_send_signal, which can never reach a
// recycled pid.

#include "launch/launcher.hpp"
#include "launch/posix_spawn_launcher.hpp"

#if defined(__linux__)

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace childproc::detail {

namespace {

int pidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfdSendSignal(int pidfd, int sig) { return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0)); }

class PidfdProcess final : public ProcessHandle {
public:
    PidfdProcess(ExitFn onExit, pid_t pid, int pidfd) : pid_(pid), pidfd_(pidfd), onExit_(std::move(onExit)) {}
    ~PidfdProcess() override {
        if (pidfd_ >= 0) ::close(pidfd_);
    }

    static std::unique_ptr<PidfdProcess> watch(uv_loop_t* loop, pid_t pid, int pidfd, ExitFn onExit, int& err) {
        auto p = std::unique_ptr<PidfdProcess>(new PidfdProcess(std::move(onExit), pid, pidfd));
        err = uv_poll_init(loop, &p->poll_, pidfd);
        if (err != 0) {
            p->pidfd_ = -1;  // the caller still owns it
            return nullptr;
        }
        p->poll_.data = p.get();
        uv_poll_start(&p->poll_, UV_READABLE, [](uv_poll_t* h, int, int) { static_cast<PidfdProcess*>(h->data)->reap(); });
        return p;
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
    const char* backend() const override { return "posix_spawn"; }

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
    bool reaped_ = false;
    ExitFn onExit_;
    std::function<void()> onClosed_;
};

// A handle for a spawn that failed before any process existed: closing it only
// has to call back from the loop, which a closed-at-once idle handle does.
class FailedProcess final : public ProcessHandle {
public:
    explicit FailedProcess(uv_loop_t* loop) {
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
    const char* backend() const override { return "posix_spawn"; }

private:
    uv_idle_t idle_{};
    std::function<void()> onClosed_;
};

bool isExecutableFile(const std::string& path, int& err) {
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
        err = errno;
        return false;
    }
    if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
        err = EACCES;
        return false;
    }
    return true;
}

// execvp's search, but over the *child's* PATH, as libuv and Node do.
int resolveProgram(const LaunchSpec& spec, std::string& out) {
    if (spec.file.find('/') != std::string::npos) {
        out = spec.file;
        return 0;
    }
    std::string path = "/usr/local/bin:/bin:/usr/bin";  // libuv's default when PATH is unset
    for (const auto& kv : spec.env)
        if (kv.rfind("PATH=", 0) == 0) path = kv.substr(5);
    int firstErr = ENOENT;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + spec.file;
        int err = 0;
        if (isExecutableFile(candidate, err)) {
            out = candidate;
            return 0;
        }
        if (err == EACCES) firstErr = EACCES;  // execvp reports EACCES if any candidate had it
        start = end + 1;
    }
    return -firstErr;
}

// What the child does to its fds, as a plain list the vfork path can walk
// without allocating.
struct FdOp {
    enum Kind { dup, devnull, close } kind;
    int src;
    int target;
};

// killWithParent: posix_spawn has no way to run prctl(PR_SET_PDEATHSIG) in the
// child, so this does what glibc's posix_spawn does, by hand: vfork (the child
// borrows our memory until it execs), only async-signal-safe calls in the child,
// and every signal blocked around it so no handler of ours runs on the shared
// stack. The exec errno comes back through a close-on-exec pipe, not through
// memory: sanitizers (TSan) turn vfork into fork, where memory is not shared.
int vforkSpawn(const char* program, char* const* argv, char* const* envp, const std::vector<FdOp>& ops, int slots,
               const char* cwd, bool detached, pid_t& out) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) return -errno;
    for (int& fd : report) {  // above the slots, where no dup2 of the child can land on it
        if (fd >= slots) continue;
        int high = ::fcntl(fd, F_DUPFD_CLOEXEC, slots);
        ::close(fd);
        if (high < 0) {
            int e = errno;
            ::close(report[0] == fd ? report[1] : report[0]);
            return -e;
        }
        fd = high;
    }
    const pid_t parent = ::getpid();
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const pid_t pid = ::vfork();
    if (pid == 0) {
        int e = 0;
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) e = errno;
        else if (::getppid() != parent) e = ESRCH;  // orphaned before prctl took hold
        for (std::size_t i = 0; i < ops.size() && !e; ++i) {
            const FdOp& op = ops[i];
            if (op.kind == FdOp::dup) {
                if (::dup2(op.src, op.target) < 0) e = errno;
            } else if (op.kind == FdOp::devnull) {
                int fd = ::open("/dev/null", O_RDWR);
                if (fd < 0) e = errno;
                else if (fd != op.target) {
                    if (::dup2(fd, op.target) < 0) e = errno;
                    ::close(fd);
                }
            } else {
                ::close(op.target);
            }
        }
        // Close everything past the slots but the report pipe's write end, which exec closes.
        if (!e) {
            ::close(report[0]);
            if (report[1] > slots) ::syscall(SYS_close_range, static_cast<unsigned>(slots), static_cast<unsigned>(report[1] - 1), 0U);
            ::syscall(SYS_close_range, static_cast<unsigned>(report[1] + 1), ~0U, 0U);
        }
        if (!e && cwd && ::chdir(cwd) != 0) e = errno;
        if (!e && detached && ::setsid() < 0) e = errno;
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
        [[maybe_unused]] auto n = ::write(report[1], &e, sizeof e);
        ::_exit(127);
    }
    const int forkErr = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    ::close(report[1]);
    if (pid < 0) {
        ::close(report[0]);
        return -forkErr;
    }
    int childErr = 0;
    ssize_t got;
    do {
        got = ::read(report[0], &childErr, sizeof childErr);
    } while (got < 0 && errno == EINTR);
    ::close(report[0]);
    if (got == static_cast<ssize_t>(sizeof childErr) && childErr != 0) {
        ::waitpid(pid, nullptr, 0);
        return -childErr;
    }
    out = pid;
    return 0;
}

// Everything a spawn allocates in the parent, released on every path out.
struct SpawnResources {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    bool actionsInit = false, attrInit = false;
    std::vector<int> fds;  // parent-side temporaries
    ~SpawnResources() {
        if (actionsInit) posix_spawn_file_actions_destroy(&actions);
        if (attrInit) posix_spawnattr_destroy(&attr);
        for (int fd : fds) ::close(fd);
    }
    // A CLOEXEC copy of fd numbered >= minFd, so that no dup2 in the child can
    // overwrite a source another slot still needs.
    int park(int fd, int minFd) {
        int c = ::fcntl(fd, F_DUPFD_CLOEXEC, minFd);
        if (c >= 0) fds.push_back(c);
        return c;
    }
};

class PosixSpawnLauncher final : public Launcher {
public:
    int launch(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
               std::unique_ptr<ProcessHandle>& out) override {
        auto fail = [&](int err) {
            out = std::make_unique<FailedProcess>(loop);
            return err;
        };
        std::string program;
        if (int r = resolveProgram(spec, program); r != 0) return fail(r);

        SpawnResources res;
        if (int r = posix_spawn_file_actions_init(&res.actions); r != 0) return fail(-r);
        res.actionsInit = true;
        if (int r = posix_spawnattr_init(&res.attr); r != 0) return fail(-r);
        res.attrInit = true;

        const int n = static_cast<int>(spec.stdio.size());
        std::vector<FdOp> ops;  // the same plan, for the vfork path
        std::vector<std::pair<uv_pipe_t*, int>> parentEnds;  // opened into uv only on success
        auto closeParentEnds = [&] {
            for (auto& [pipe, fd] : parentEnds) ::close(fd);
        };
        for (int i = 0; i < n; ++i) {
            const auto& s = spec.stdio[static_cast<std::size_t>(i)];
            int source = -1;
            switch (s.kind) {
            case StdioPlan::Kind::ignore:
                // fds 0-2 get /dev/null; a higher ignored slot is closed, even if ours
                // of that number lacks O_CLOEXEC (closefrom below starts after the slots).
                if (i < 3) posix_spawn_file_actions_addopen(&res.actions, i, "/dev/null", O_RDWR, 0);
                else posix_spawn_file_actions_addclose(&res.actions, i);
                ops.push_back({i < 3 ? FdOp::devnull : FdOp::close, -1, i});
                continue;
            case StdioPlan::Kind::inherit: source = res.park(s.fd, n); break;
            case StdioPlan::Kind::pipe: {
                int sv[2];
                if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
                    int e = -errno;
                    closeParentEnds();
                    return fail(e);
                }
                parentEnds.emplace_back(s.pipe, sv[0]);
                res.fds.push_back(sv[1]);
                source = res.park(sv[1], n);
                break;
            }
            }
            if (source < 0) {
                int e = -errno;
                closeParentEnds();
                return fail(e);
            }
            posix_spawn_file_actions_adddup2(&res.actions, source, i);
            ops.push_back({FdOp::dup, source, i});
        }
        // Nothing but the named slots reaches the child, even fds other code
        // opened without O_CLOEXEC.
        posix_spawn_file_actions_addclosefrom_np(&res.actions, n);
        if (spec.cwd) posix_spawn_file_actions_addchdir_np(&res.actions, spec.cwd->c_str());

        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (spec.detached) flags |= POSIX_SPAWN_SETSID;
        posix_spawnattr_setflags(&res.attr, flags);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&res.attr, &none);
        posix_spawnattr_setsigdefault(&res.attr, &all);  // our SIG_IGN of SIGPIPE must not leak

        auto argv = cstrings(spec.args);
        auto envp = cstrings(spec.env);
        pid_t pid = 0;
        int r = spec.killWithParent
                    ? -vforkSpawn(program.c_str(), argv.data(), envp.data(), ops, n, spec.cwd ? spec.cwd->c_str() : nullptr,
                                  spec.detached, pid)
                    : ::posix_spawn(&pid, program.c_str(), &res.actions, &res.attr, argv.data(), envp.data());
        if (r != 0) {
            closeParentEnds();
            return fail(-r);
        }
        // Nobody but us can reap the child, so the pid is still its own here.
        int pidfd = pidfdOpen(pid);
        int err = pidfd < 0 ? -errno : 0;
        std::unique_ptr<PidfdProcess> proc;
        if (pidfd >= 0) proc = PidfdProcess::watch(loop, pid, pidfd, std::move(onExit), err);
        if (!proc) {
            if (pidfd >= 0) ::close(pidfd);
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
            closeParentEnds();
            return fail(err);
        }
        for (auto& [pipe, fd] : parentEnds) uv_pipe_open(pipe, fd);
        out = std::move(proc);
        return 0;
    }
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

Launcher& posixSpawnLauncher() {
    static PosixSpawnLauncher launcher;
    return launcher;
}

}  // namespace childproc::detail

#else  // Elsewhere only the uv backend exists: select.cpp asks pidfdSupported() first.

namespace childproc::detail {

bool pidfdSupported() { return false; }
Launcher& posixSpawnLauncher() { return uvLauncher(); }

}  // namespace childproc::detail

#endif

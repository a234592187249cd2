// SPDX-License-Identifier: MIT
// Backend 2 (Linux): glibc posix_spawn — clone(CLONE_VM|CLONE_VFORK), so the cost
// does not grow with the parent's memory as fork() does (nodejs/node#14917) —
// with the child watched through a pidfd (pidfd_process.cpp).

#include "launch/launchers.hpp"

#if defined(__linux__)

#include <fcntl.h>
#include <spawn.h>
#include <csignal>

#include "launch/child_fds.hpp"
#include "launch/pidfd_process.hpp"

namespace childproc::detail {

namespace {

// Everything posix_spawn needs beside the argv, released on every path out.
struct SpawnAttributes {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    bool actionsInit = false, attrInit = false;
    ~SpawnAttributes() {
        if (actionsInit) posix_spawn_file_actions_destroy(&actions);
        if (attrInit) posix_spawnattr_destroy(&attr);
    }
    int init(const LaunchSpec& spec, const ChildFds& fds) {
        if (int r = posix_spawn_file_actions_init(&actions); r != 0) return -r;
        actionsInit = true;
        if (int r = posix_spawnattr_init(&attr); r != 0) return -r;
        attrInit = true;
        for (const FdOp& op : fds.ops()) {
            switch (op.kind) {
            case FdOp::dup: posix_spawn_file_actions_adddup2(&actions, op.src, op.target); break;
            case FdOp::close: posix_spawn_file_actions_addclose(&actions, op.target); break;
            case FdOp::open: posix_spawn_file_actions_addopen(&actions, op.target, op.path, O_RDWR, 0); break;
            }
        }
        // Nothing but the named slots reaches the child, even fds other code
        // opened without O_CLOEXEC.
        posix_spawn_file_actions_addclosefrom_np(&actions, fds.slots());
        if (spec.cwd) posix_spawn_file_actions_addchdir_np(&actions, spec.cwd->c_str());
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        // glibc runs setsid() before the file actions, so a terminal they open is
        // the new session's controlling terminal.
        if (spec.detached) flags |= POSIX_SPAWN_SETSID;
        if (spec.processGroup) {
            flags |= POSIX_SPAWN_SETPGROUP;
            posix_spawnattr_setpgroup(&attr, *spec.processGroup);
        }
        posix_spawnattr_setflags(&attr, flags);
        sigset_t none, all;
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);  // our SIG_IGN of SIGPIPE must not leak
        return 0;
    }
};

class PosixSpawnLauncher final : public PidfdLauncher {
public:
    PosixSpawnLauncher() : PidfdLauncher("posix_spawn") {}

private:
    int startChild(const std::string& program, char* const* argv, char* const* envp, const LaunchSpec& spec,
                   const ChildFds& fds, pid_t& pid, std::string& /*failedStep*/) override {
        SpawnAttributes sa;
        if (int r = sa.init(spec, fds); r != 0) return r;
        return -::posix_spawn(&pid, program.c_str(), &sa.actions, &sa.attr, argv, envp);
    }
};

}  // namespace

Launcher& posixSpawnLauncher() {
    static PosixSpawnLauncher launcher;
    return launcher;
}

}  // namespace childproc::detail

#endif

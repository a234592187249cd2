// SPDX-License-Identifier: MIT
#pragma once
// The one seam for process creation. ChildProcess knows only this interface;
// each backend (uv_spawn, posix_spawn + pidfd, vfork + pidfd) implements it in
// its own file (launchers.hpp lists them).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <uv.h>

#include "childproc/options.hpp"

namespace childproc::detail {

// What fd i of the child is connected to.
struct StdioPlan {
    enum class Kind { ignore, inherit, pipe };
    Kind kind = Kind::ignore;
    int fd = -1;                // Kind::inherit: the parent's fd to give the child
    uv_pipe_t* pipe = nullptr;  // Kind::pipe: initialised, not yet open; the backend opens it
};

// Fully normalised: every Node rule (shell, argv0, env, stdio padding) applied.
struct LaunchSpec {
    std::string file;
    std::vector<std::string> args;  // argv, args[0] included
    std::vector<std::string> env;   // "K=V"
    std::optional<std::string> cwd;
    std::vector<StdioPlan> stdio;
    bool detached = false;                // setsid() before the fds are set up
    std::optional<std::string> terminal;  // opened as fd 0 (and dup'd to 1, 2) by a new session leader
    std::optional<int> processGroup;      // setpgid(0, it) in the child
    bool killWithParent = false;
    std::vector<ResourceLimit> limits;  // setrlimit in the child, in this order
    std::optional<int> nice;            // setpriority in the child
    bool noNewPrivileges = false;       // prctl(PR_SET_NO_NEW_PRIVS) in the child
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;

    // Whether only a backend that runs our code in the child can honour it.
    bool needsChildCode() const { return killWithParent || !limits.empty() || nice || noNewPrivileges; }
};

// A running (or failed-to-start) process as the backend tracks it.
class ProcessHandle {
public:
    using ExitFn = std::function<void(std::int64_t exitStatus, int termSignal)>;
    virtual ~ProcessHandle() = default;
    virtual int pid() const = 0;
    // 0 or a negative errno; never signals a process that was already reaped.
    virtual int kill(int signum) = 0;
    virtual void ref() = 0;
    virtual void unref() = 0;
    // Release the backend's handles; onClosed runs from the loop once they are closed.
    virtual void close(std::function<void()> onClosed) = 0;
    virtual const char* backend() const = 0;
    // After a failed launch: which of the options the child could not apply, if any.
    virtual std::string failedStep() const { return {}; }
    // After the exit: what the child used, where the backend reaps with rusage.
    virtual std::optional<ResourceUsage> resourceUsage() const { return std::nullopt; }
};

class Launcher {
public:
    virtual ~Launcher() = default;
    // Starts the process. `out` is always set, also on failure (libuv wants failed
    // process handles closed too). Returns 0 or a negative errno.
    virtual int launch(uv_loop_t* loop, const LaunchSpec& spec, ProcessHandle::ExitFn onExit,
                       std::unique_ptr<ProcessHandle>& out) = 0;
};

// The backend for these options (Backend::automatic: the fastest that honours them).
Launcher& launcherFor(Backend wanted, const LaunchSpec& spec);

// NULL-terminated char* arrays over strings that outlive them.
std::vector<char*> cstrings(const std::vector<std::string>& v);

}  // namespace childproc::detail

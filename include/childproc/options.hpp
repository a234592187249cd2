// SPDX-License-Identifier: MIT
#pragma once
// spawn() options with Node's names and defaults. Where Node takes a string or
// a dynamic object, the typed form is an enum, a variant or a std::stop_token.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>

#include <uv.h>

#include "childproc/export.hpp"
#include "childproc/ipc.hpp"
#include "childproc/resources.hpp"
#include "childproc/signals.hpp"

namespace childproc {

class Stream;

// One stdio slot. Node: 'pipe' | 'overlapped' | 'ignore' | 'inherit' | <fd> | 'ipc'
// | <Stream>. A stream (Node's 'wrap': another child's pipe, a socket) is given to
// the child as its fd, and paused here so that its data goes to the child, as Node
// does; it stays open, so its own child's 'close' waits for it as in Node.
enum class StdioType { pipe, overlapped, ignore, inherit, fd, ipc, stream };

struct Stdio {
    StdioType type = StdioType::pipe;
    int fd = -1;               // only for StdioType::fd
    Stream* stream = nullptr;  // only for StdioType::stream; must be alive during spawn()

    Stdio(StdioType t) : type(t) {}  // NOLINT(google-explicit-constructor): {pipe, inherit, 5} lists
    Stdio(int inheritFd) : type(StdioType::fd), fd(inheritFd) {}  // NOLINT(google-explicit-constructor)
    Stdio(Stream& s) : type(StdioType::stream), stream(&s) {}     // NOLINT(google-explicit-constructor)
};

// Node's `stdio` option: a shorthand for all three slots ('pipe', 'ignore',
// 'inherit') or a per-slot list of any length; short lists are padded with pipes.
class CHILDPROC_EXPORT StdioOption {
public:
    StdioOption(StdioType all) : shorthand_(all) {}  // NOLINT(google-explicit-constructor)
    StdioOption(std::initializer_list<Stdio> slots) : slots_(slots) {}
    StdioOption(std::vector<Stdio> slots) : slots_(std::move(slots)) {}  // NOLINT(google-explicit-constructor)

    // The normalised list: 'inherit' shorthand becomes [0, 1, 2], as in Node.
    std::vector<Stdio> slots() const;
    // Whether this is a shorthand for all three slots ('pipe', 'ignore', 'inherit', ...).
    bool isShorthand() const { return shorthand_.has_value(); }

private:
    std::optional<StdioType> shorthand_;
    std::vector<Stdio> slots_;
};

// The child's whole environment. Node's `env` object; see processEnv().
using Env = std::map<std::string, std::string>;

// The calling process's environment, for {...process.env, KEY: value} edits.
CHILDPROC_EXPORT Env processEnv();

// Node's `shell`: false, true (/bin/sh), or the path of a shell.
using Shell = std::variant<bool, std::string>;

// How the process is created. automatic picks the fastest backend that can
// honour the options.
enum class Backend { automatic, uv, posixSpawn };

struct SpawnOptions {
    std::optional<std::string> cwd;
    std::optional<Env> env;            // default: the parent's environment
    std::optional<std::string> argv0;  // default: the file
    StdioOption stdio = StdioType::pipe;
    bool detached = false;  // new session (setsid)
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    Shell shell = false;
    std::chrono::milliseconds timeout{0};  // 0: none. On expiry: kill(killSignal), no error
    Signal killSignal = SIGTERM;
    std::stop_token signal;                               // AbortSignal: stop → kill(killSignal) + AbortError
    bool windowsHide = false;                             // accepted and ignored, as on every non-Windows Node
    Serialization serialization = Serialization::json;    // the IPC channel's format
    std::size_t maxMessageSize = kDefaultMaxMessageSize;  // beyond Node: the peer's largest IPC message (ipc.hpp)

    // Beyond Node.
    // After any kill with a catchable signal (kill(), timeout, abort, exec's
    // maxBuffer), send SIGKILL if the child is still alive this much later. 0: never.
    std::chrono::milliseconds forceKillAfter{0};
    // The child gets SIGKILL when this process dies (PR_SET_PDEATHSIG), however it
    // dies. Linux ties it to the *thread* that spawned: spawn from a thread that
    // outlives the child (Gotchas).
    bool killWithParent = false;
    // Put the child in process group `processGroup` (0: a new group it leads), as a
    // shell puts a job's stages in one group; killProcessGroup() then signals it.
    // Unlike detached, the child stays in our session (one scheduler autogroup).
    // Not with detached; needs the posix_spawn backend (Linux).
    std::optional<int> processGroup;
    // The child leads a new session whose controlling terminal is this terminal
    // device (a pty's slave, "/dev/pts/N"), opened as its fds 0, 1 and 2: ^C on the
    // terminal reaches it as SIGINT, /dev/tty opens, job control works. Slots 0-2
    // of stdio must be 'ignore'. Not with processGroup; needs the posix_spawn
    // backend (Linux). childproc/pty.hpp builds terminals on it.
    std::optional<std::string> controllingTerminal;
    // Set in the child before its program starts (resources.hpp): resource limits
    // (setrlimit), a nice value (setpriority; lower than ours needs privilege) and
    // PR_SET_NO_NEW_PRIVS (setuid programs and file capabilities grant nothing).
    // Any of them routes the child through the vfork backend, since posix_spawn
    // and uv_spawn cannot run code in the child; refused with Backend::uv. A
    // refused value is a spawn error naming it.
    std::vector<ResourceLimit> limits;
    std::optional<int> nice;
    bool noNewPrivileges = false;
    uv_loop_t* loop = nullptr;  // default: uv_default_loop()
    Backend backend = Backend::automatic;
};

}  // namespace childproc

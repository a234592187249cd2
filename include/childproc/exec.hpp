// SPDX-License-Identifier: MIT
#pragma once
// exec() and execFile(): spawn with stdout/stderr buffered, Node's maxBuffer and
// timeout rules, and Node's error shape; plus a future-returning form (Node's
// util.promisify(exec)).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <limits>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <uv.h>

#include "childproc/child_process.hpp"
#include "childproc/error.hpp"
#include "childproc/export.hpp"
#include "childproc/loop.hpp"
#include "childproc/options.hpp"
#include "childproc/promise.hpp"

namespace childproc {

// Node's `encoding`: 'utf8' decodes as Node does (each invalid sequence becomes
// U+FFFD); 'buffer' keeps the bytes as they came.
enum class Encoding { utf8, buffer };

// maxBuffer = unlimited (ipc.hpp) is Node's maxBuffer: Infinity.

struct ExecOptions {
    std::optional<std::string> cwd;
    std::optional<Env> env;
    Shell shell = false;  // exec(): always a shell, /bin/sh unless a path is given
    std::chrono::milliseconds timeout{0};
    Signal killSignal = SIGTERM;
    std::size_t maxBuffer = 1024 * 1024;  // bytes per stream
    Encoding encoding = Encoding::utf8;
    std::stop_token signal;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    bool windowsHide = false;
    std::chrono::milliseconds forceKillAfter{0};  // see SpawnOptions
    bool killWithParent = false;
    std::vector<ResourceLimit> limits;  // see SpawnOptions
    std::optional<int> nice;
    bool noNewPrivileges = false;
    uv_loop_t* loop = nullptr;
    Backend backend = Backend::automatic;
};

// The error exec/execFile and the Sync calls report. Beyond Error's fields:
class CHILDPROC_EXPORT ExecError : public Error {
public:
    using Error::Error;
    explicit ExecError(const Error& e) : Error(e) {}

    std::optional<int> exitCode;  // Node's numeric err.code ("Command failed"); Error::code holds string codes
    bool killed = false;
    std::optional<std::string> signal;  // "SIGTERM", or nullopt for Node's null
    std::string cmd;
    std::string stdoutData;  // what was captured (err.stdout; the name is a C macro)
    std::string stderrData;
    // Set by execSync/execFileSync, as Node copies the spawnSync result onto the error.
    std::optional<int> status;
    std::optional<int> pid;
    std::vector<std::optional<std::string>> output;
    std::optional<ResourceUsage> resourceUsage;  // beyond Node: what the child used, when it ran
};

// callback(error, stdout, stderr): runs on 'close', or at once on 'error'.
using ExecCallback = std::function<void(const std::optional<ExecError>& error, const std::string& stdoutData,
                                        const std::string& stderrData)>;

// Node's exec(command[, options][, callback]): through options.shell or /bin/sh.
CHILDPROC_EXPORT ChildProcessPtr exec(const std::string& command, ExecOptions options, ExecCallback callback);
CHILDPROC_EXPORT ChildProcessPtr exec(const std::string& command, ExecCallback callback);

// Node's execFile(file[, args][, options][, callback]): no shell unless options.shell.
CHILDPROC_EXPORT ChildProcessPtr execFile(const std::string& file, const std::vector<std::string>& args,
                                          ExecOptions options, ExecCallback callback);
CHILDPROC_EXPORT ChildProcessPtr execFile(const std::string& file, const std::vector<std::string>& args,
                                          ExecCallback callback);

// util.promisify(exec): {stdout, stderr} with .child, or a rejection carrying ExecError.
struct ExecResult {
    std::string stdoutData;
    std::string stderrData;
    ChildProcessPtr child;
    std::optional<ResourceUsage> resourceUsage;  // beyond Node: child->resourceUsage()
};

// The future is completed by the loop. Do not block on it with get() on the
// thread that runs the loop: the loop would never run. Use runUntil(), or run the
// loop on another thread.
// util.promisify(exec)(command[, options]) for co_await: the Promise, and the
// child beside it as Node's promise.child.
struct ExecPromise : Promise<ExecResult> {
    ChildProcessPtr child;
};
CHILDPROC_EXPORT ExecPromise exec(const std::string& command, ExecOptions options = {});
CHILDPROC_EXPORT ExecPromise execFile(const std::string& file, const std::vector<std::string>& args = {},
                                      ExecOptions options = {});

CHILDPROC_EXPORT std::future<ExecResult> execAsync(const std::string& command, ExecOptions options = {});
CHILDPROC_EXPORT std::future<ExecResult> execFileAsync(const std::string& file, const std::vector<std::string>& args,
                                                       ExecOptions options = {});

}  // namespace childproc

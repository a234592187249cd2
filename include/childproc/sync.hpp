// SPDX-License-Identifier: MIT
#pragma once
// spawnSync(), execSync(), execFileSync(): the async engine on a private loop, as
// Node's spawn_sync.cc does. Each call blocks only its own thread; calls on
// several threads at once are fine.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "childproc/exec.hpp"
#include "childproc/export.hpp"
#include "childproc/options.hpp"

namespace childproc {

struct SpawnSyncOptions {
    std::optional<std::string> cwd;
    std::optional<Env> env;
    std::optional<std::string> argv0;
    // Default 'pipe'. execSync/execFileSync without stdio also copy the child's
    // stderr to ours, as Node does.
    std::optional<StdioOption> stdio;
    bool detached = false;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    Shell shell = false;                   // execSync: /bin/sh unless a path is given
    std::chrono::milliseconds timeout{0};  // → error ETIMEDOUT
    Signal killSignal = SIGTERM;
    std::size_t maxBuffer = 1024 * 1024;  // → error ENOBUFS
    Encoding encoding = Encoding::buffer;
    std::optional<std::string> input;  // written to stdin, which it makes a pipe
    bool windowsHide = false;
    std::chrono::milliseconds forceKillAfter{0};  // see SpawnOptions
    bool killWithParent = false;
    std::vector<ResourceLimit> limits;  // see SpawnOptions
    std::optional<int> nice;
    bool noNewPrivileges = false;
    Backend backend = Backend::automatic;
};

struct SpawnSyncResult {
    int pid = 0;                                                    // 0 when the spawn failed
    std::optional<std::vector<std::optional<std::string>>> output;  // per slot; nullopt where not a pipe
    std::optional<std::string> stdoutData;                          // output[1]
    std::optional<std::string> stderrData;                          // output[2]
    std::optional<int> status;                                      // exit code; nullopt if signalled or not run
    std::optional<std::string> signal;
    std::optional<Error> error;                  // ENOENT, ETIMEDOUT, ENOBUFS, ...
    std::optional<ResourceUsage> resourceUsage;  // beyond Node: what the child used (resources.hpp)
};

// Never throws for a failure of the child or the spawn (see result.error); throws
// Error for invalid arguments, as Node does.
CHILDPROC_EXPORT SpawnSyncResult spawnSync(const std::string& file, const std::vector<std::string>& args = {},
                                           SpawnSyncOptions options = {});

// Return the child's stdout; throw ExecError when it could not run, exited non-zero
// or was killed, with status, signal, output, pid, stdout and stderr on the error.
CHILDPROC_EXPORT std::string execSync(const std::string& command, SpawnSyncOptions options = {});
CHILDPROC_EXPORT std::string execFileSync(const std::string& file, const std::vector<std::string>& args = {},
                                          SpawnSyncOptions options = {});

}  // namespace childproc

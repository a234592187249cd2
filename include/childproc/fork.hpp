// SPDX-License-Identifier: MIT
#pragma once
// fork(): a child with an IPC channel, Node's child_process.fork.

#include <chrono>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "childproc/child_process.hpp"
#include "childproc/export.hpp"
#include "childproc/options.hpp"

namespace childproc {

struct ForkOptions {
    std::optional<std::string> cwd;
    std::optional<Env> env;
    // Node runs execPath [execArgv...] modulePath args... with execPath = node.
    // Unset here, modulePath is the program itself (a C++ child); set it to "node"
    // to fork a JavaScript module.
    std::optional<std::string> execPath;
    std::vector<std::string> execArgv;
    bool silent = false;               // stdio pipes instead of ours (ignored when stdio is given)
    std::optional<StdioOption> stdio;  // a list holds one StdioType::ipc; a shorthand gets it as fd 3
    bool detached = false;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    Serialization serialization = Serialization::json;
    std::size_t maxMessageSize = kDefaultMaxMessageSize;  // beyond Node: the child's largest message (ipc.hpp)
    std::chrono::milliseconds timeout{0};
    Signal killSignal = SIGTERM;
    std::stop_token signal;
    std::optional<std::string> argv0;
    std::vector<ResourceLimit> limits;  // see SpawnOptions
    std::optional<int> nice;
    bool noNewPrivileges = false;
    uv_loop_t* loop = nullptr;
    Backend backend = Backend::automatic;
};

// Node's child_process.fork(modulePath[, args][, options]). The child finds its
// channel through NODE_CHANNEL_FD; a C++ child uses childproc::process (process.hpp).
CHILDPROC_EXPORT ChildProcessPtr fork(const std::string& modulePath, const std::vector<std::string>& args = {},
                                      ForkOptions options = {});

}  // namespace childproc

// SPDX-License-Identifier: MIT
#pragma once
// Node's normalizeSpawnArguments + getValidStdio: validation that throws before any
// handle exists, then the shell, argv0, env and stdio rules.

#include <chrono>
#include <stop_token>
#include <string>
#include <vector>

#include "childproc/options.hpp"
#include "launch/launcher.hpp"

namespace childproc::detail {

struct SpawnPlan {
    LaunchSpec spec;                   // stdio[i].pipe is filled in by the caller
    std::vector<StdioType> slotTypes;  // normalised type of each slot (pipe, ignore, ...)
    std::vector<Stream*> handedOver;   // streams given as stdio: paused once the child is launched
    uv_loop_t* loop = nullptr;
    Backend backend = Backend::automatic;
    std::chrono::milliseconds timeout{0};
    Signal killSignal = SIGTERM;
    std::stop_token signal;
    int ipcIndex = -1;  // the stdio slot of the IPC channel, if any
    Serialization serialization = Serialization::json;
    std::size_t maxMessageSize = kDefaultMaxMessageSize;
    std::chrono::milliseconds forceKillAfter{0};
};

SpawnPlan normalizeSpawn(const std::string& file, const std::vector<std::string>& args, const SpawnOptions& o);

// Node's validateTimeout: ERR_OUT_OF_RANGE for a negative timeout, in every call
// that takes one (spawn, exec, execFile, the Sync calls, pipelines).
void validateTimeout(std::chrono::milliseconds timeout);

// ERR_INVALID_ARG_VALUE when s holds a NUL byte; `what` names it as Node does.
void rejectNul(const std::string& s, const std::string& what);

// "K=V" pairs for the child: the given env, or the parent's environment.
std::vector<std::string> envPairs(const std::optional<Env>& env);

}  // namespace childproc::detail

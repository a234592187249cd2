// SPDX-License-Identifier: MIT
#pragma once
// What a child is started from: the launcher's spec plus what the ChildProcess
// arms around the launch (timeout, abort signal, IPC channel). spawn()'s rules
// (spawn/normalize) produce it; ChildProcess::start (child_start.cpp) consumes it.

#include <chrono>
#include <stop_token>
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
    Launcher* launcher = nullptr;  // chosen before anything is made: a refusal throws with nothing to undo
    std::chrono::milliseconds timeout{0};
    Signal killSignal = SIGTERM;
    std::stop_token signal;
    int ipcIndex = -1;  // the stdio slot of the IPC channel, if any
    Serialization serialization = Serialization::json;
    std::size_t maxMessageSize = kDefaultMaxMessageSize;
    std::chrono::milliseconds forceKillAfter{0};
};

}  // namespace childproc::detail

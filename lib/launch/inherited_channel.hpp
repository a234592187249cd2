// SPDX-License-Identifier: MIT
#pragma once
// What a parent handed this process for IPC through the environment
// (NODE_CHANNEL_FD, NODE_CHANNEL_SERIALIZATION_MODE, NODE_UNIQUE_ID). Node reads
// and deletes them at startup; so do we, before main, so that nothing the program
// spawns first inherits a channel that is not its own. That is a launch rule, so
// it lives here; the IPC room (process.cpp) and a cluster worker read the result.

#include <optional>
#include <string>

namespace childproc::detail {

struct InheritedChannel {
    int channelFd = -1;                  // close-on-exec from startup on
    std::string serialization = "json";  // NODE_CHANNEL_SERIALIZATION_MODE
    std::optional<int> clusterWorkerId;  // NODE_UNIQUE_ID
};

// Captured once (before main when the library is loaded; at the latest on the
// first call); the variables are gone from the environment afterwards.
const InheritedChannel& inheritedChannel();

}  // namespace childproc::detail

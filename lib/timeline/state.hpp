// SPDX-License-Identifier: MIT
#pragma once
// What a Recording holds, shared by the recorder (recording.cpp) and the page
// (page.cpp, figure.cpp).

#include <cstdint>
#include <map>
#include <mutex>

#include "childproc/timeline.hpp"

namespace childproc::timeline {

struct Recording::State {
    RecordingOptions options;
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    mutable std::mutex mutex;
    std::vector<Lane> lanes;                  // lanes[0]: this process
    std::map<std::uint64_t, std::size_t> at;  // process → index in lanes
    std::size_t dropped = 0;
    std::size_t lastLane = SIZE_MAX;  // the lane of the last event
    double lastMs = 0;
    diagnostics::SubscriptionId subscription = 0;

    void record(const diagnostics::Event& e);
};

}  // namespace childproc::timeline

// SPDX-License-Identifier: MIT
#pragma once
// The library's own door into ChildProcess internals (spawn, fork and cluster use it).

#include "child/spawn_plan.hpp"
#include "childproc/child_process.hpp"

namespace childproc::detail {

struct ChildAccess {
    // Create the process described by plan. Throws for synchronous spawn failures.
    static ChildProcessPtr start(SpawnPlan plan);
    static Channel* channel(ChildProcess& c) { return c.channel_.get(); }
};

}  // namespace childproc::detail

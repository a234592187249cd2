// SPDX-License-Identifier: MIT
#pragma once
// The child's fds as a plain list of operations, shared by the posix_spawn backend
// (as file actions) and the vfork backend (walked in the child without allocating):
// socketpairs for pipes, parked copies of inherited fds, one /dev/null for ignored slots.

#include <utility>
#include <vector>

#include "launch/launcher.hpp"

namespace childproc::detail {

// What the child does to fd `target` before exec.
struct FdOp {
    enum Kind { dup, close, open } kind;
    int src;
    int target;
    const char* path = nullptr;  // Kind::open: opened read-write, without O_NOCTTY
};

class ChildFds {
public:
    ChildFds() = default;
    ChildFds(const ChildFds&) = delete;
    ChildFds& operator=(const ChildFds&) = delete;
    ~ChildFds();  // closes the parent's temporaries, and the parent ends unless opened

    // 0 or a negative errno.
    int prepare(const LaunchSpec& spec);
    const std::vector<FdOp>& ops() const { return ops_; }
    int slots() const { return slots_; }
    // The child runs: hand our ends of its pipes to their uv_pipe_t handles.
    void openParentEnds();

private:
    // A CLOEXEC copy of fd numbered >= the slot count, so that no dup2 in the child
    // can overwrite a source another slot still needs.
    int park(int fd);
    // /dev/null, opened once here for every ignored slot of 0-2: the child only
    // dup2()s it, which keeps path lookups out of the window the parent waits in.
    int devNull();

    std::vector<FdOp> ops_;
    std::vector<std::pair<uv_pipe_t*, int>> parentEnds_;
    std::vector<int> temporaries_;
    int slots_ = 0;
    int devNull_ = -1;
};

}  // namespace childproc::detail

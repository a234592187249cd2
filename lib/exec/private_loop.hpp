// SPDX-License-Identifier: MIT
#pragma once
// The loop a *Sync call runs on, as Node's SyncProcessRunner has its own: it
// blocks only the calling thread and is closed, every handle with it, on the way out.

#include <uv.h>

#include "core/guard.hpp"
#include "core/loop.hpp"
#include "core/read_buffer.hpp"

namespace childproc::detail {

class PrivateLoop {
public:
    PrivateLoop() : error_(initLoop(&loop_)) {}
    PrivateLoop(const PrivateLoop&) = delete;
    PrivateLoop& operator=(const PrivateLoop&) = delete;
    ~PrivateLoop() {
        if (error_) return;
        // Finish closing whatever is still open (also after an exception), then close.
        while (uv_run(&loop_, UV_RUN_DEFAULT) != 0) {
        }
        uv_loop_close(&loop_);
        discardKept(&loop_);
        releaseLoopReadBuffer(&loop_);
    }
    int error() const { return error_; }  // a libuv error when no loop could be made (EMFILE)
    uv_loop_t* get() { return &loop_; }
    void run();  // until no work is left; rethrows a listener's exception

private:
    uv_loop_t loop_{};
    int error_;
};

}  // namespace childproc::detail

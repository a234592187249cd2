#pragma once
// The loop a *Sync call runs on, as Node's SyncProcessRunner has its own: it
// blocks only the calling thread and is closed, every handle with it, on the way out.

#include <uv.h>

namespace childproc::detail {

class PrivateLoop {
public:
    PrivateLoop() { uv_loop_init(&loop_); }
    PrivateLoop(const PrivateLoop&) = delete;
    PrivateLoop& operator=(const PrivateLoop&) = delete;
    ~PrivateLoop() {
        // Finish closing whatever is still open (also after an exception), then close.
        while (uv_run(&loop_, UV_RUN_DEFAULT) != 0) {
        }
        uv_loop_close(&loop_);
    }
    uv_loop_t* get() { return &loop_; }
    void run();  // until no work is left; rethrows a listener's exception

private:
    uv_loop_t loop_{};
};

}  // namespace childproc::detail

#pragma once
// Node's process.nextTick for one child: callbacks run on the loop, in order, in
// the idle phase of the next iteration, so an event posted during spawn() comes
// before any I/O of that child.

#include <deque>
#include <functional>

#include <uv.h>

namespace childproc::detail {

class TickQueue {
public:
    explicit TickQueue(uv_loop_t* loop);
    TickQueue(const TickQueue&) = delete;
    TickQueue& operator=(const TickQueue&) = delete;

    void post(std::function<void()> fn);
    // Stop accepting work and close the idle handle; onClosed runs from its close callback.
    void close(std::function<void()> onClosed);

private:
    static void onIdle(uv_idle_t* h);
    uv_idle_t idle_{};
    std::deque<std::function<void()>> queue_;
    std::function<void()> onClosed_;
    bool closed_ = false;
};

}  // namespace childproc::detail

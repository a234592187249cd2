// SPDX-License-Identifier: MIT
#pragma once
// Node's process.nextTick for one child: callbacks run on the loop, in order,
// before the next poll for I/O, so an event posted during spawn() comes before
// any I/O of that child. A zero-timeout timer carries them: libuv runs due timers
// in the order they were started, so children spawned a, b, c emit in that order
// too (idle handles would run last-started first).

#include <deque>
#include <functional>
#include <memory>

#include <uv.h>

namespace childproc::detail {

class TickQueue {
public:
    explicit TickQueue(uv_loop_t* loop);
    // One owned by several objects (a server and its connections): closed when the last goes.
    static std::shared_ptr<TickQueue> shared(uv_loop_t* loop);
    TickQueue(const TickQueue&) = delete;
    TickQueue& operator=(const TickQueue&) = delete;

    void post(std::function<void()> fn);
    // Run what is queued now, as Node runs nextTicks when the current callback
    // returns, instead of waiting for the next loop iteration. Only for callers
    // whose own events all go through this queue (the IPC channel), so that order holds.
    void drain();
    // Close once the queued work has run (Node runs pending ticks after 'close' too);
    // onClosed runs from the handle's close callback. Later posts run at once.
    void close(std::function<void()> onClosed);

private:
    static void onTimer(uv_timer_t* h);
    void closeHandle();
    uv_timer_t timer_{};
    std::deque<std::function<void()>> queue_;
    std::function<void()> onClosed_;
    bool closing_ = false;
    bool closed_ = false;
};

}  // namespace childproc::detail

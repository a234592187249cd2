// SPDX-License-Identifier: MIT
#include "core/tick_queue.hpp"

#include "core/guard.hpp"

namespace childproc::detail {

TickQueue::TickQueue(uv_loop_t* loop) {
    uv_timer_init(loop, &timer_);
    timer_.data = this;
    // The timer keeps the loop alive only while it is started, i.e. while work is queued.
}

std::shared_ptr<TickQueue> TickQueue::shared(uv_loop_t* loop) {
    return {new TickQueue(loop), [](TickQueue* t) { t->close([t] { delete t; }); }};
}

void TickQueue::post(std::function<void()> fn) {
    if (closed_) {  // the child is finished: nothing is left to order it against
        fn();
        return;
    }
    if (queue_.empty()) uv_timer_start(&timer_, onTimer, 0, 0);
    queue_.push_back(std::move(fn));
}

void TickQueue::onTimer(uv_timer_t* h) { static_cast<TickQueue*>(h->data)->drain(); }

void TickQueue::drain() {
    if (closed_) return;
    // Ticks posted while draining run in this drain too, as nextTick's do. After a
    // listener threw, the rest wait for the next run(): one exception per run(),
    // and nothing queued behind it is lost or runs before the caller has seen it.
    while (!queue_.empty()) {
        if (exceptionKept(timer_.loop)) {
            // Not 0: libuv (before 1.45) would run a timer restarted at 0 again
            // in the same pass, for ever.
            uv_timer_start(&timer_, onTimer, 1, 0);
            return;
        }
        auto fn = std::move(queue_.front());
        queue_.pop_front();
        guarded(timer_.loop, fn);
    }
    uv_timer_stop(&timer_);
    if (closing_) closeHandle();
}

void TickQueue::close(std::function<void()> onClosed) {
    onClosed_ = std::move(onClosed);
    closing_ = true;
    if (queue_.empty()) closeHandle();  // otherwise onTimer closes once drained
}

void TickQueue::closeHandle() {
    if (closed_) return;
    closed_ = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), [](uv_handle_t* h) {
        auto* self = static_cast<TickQueue*>(h->data);
        auto done = std::move(self->onClosed_);
        done();  // may destroy self
    });
}

}  // namespace childproc::detail

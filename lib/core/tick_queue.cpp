#include "core/tick_queue.hpp"

#include "core/guard.hpp"

namespace childproc::detail {

TickQueue::TickQueue(uv_loop_t* loop) {
    uv_idle_init(loop, &idle_);
    idle_.data = this;
    // An idle handle keeps the loop alive only while it is started, i.e. while work is queued.
}

void TickQueue::post(std::function<void()> fn) {
    if (closed_) {  // the child is finished: nothing is left to order it against
        fn();
        return;
    }
    if (queue_.empty()) uv_idle_start(&idle_, onIdle);
    queue_.push_back(std::move(fn));
}

void TickQueue::onIdle(uv_idle_t* h) {
    auto* self = static_cast<TickQueue*>(h->data);
    // Ticks posted while draining run in this drain too, as nextTick's do.
    while (!self->queue_.empty()) {
        auto fn = std::move(self->queue_.front());
        self->queue_.pop_front();
        guarded(h->loop, fn);
    }
    uv_idle_stop(h);
}

void TickQueue::close(std::function<void()> onClosed) {
    closed_ = true;
    onClosed_ = std::move(onClosed);
    queue_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&idle_), [](uv_handle_t* h) {
        auto* self = static_cast<TickQueue*>(h->data);
        auto done = std::move(self->onClosed_);
        done();  // may destroy self
    });
}

}  // namespace childproc::detail

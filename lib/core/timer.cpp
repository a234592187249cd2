// SPDX-License-Identifier: MIT
#include "core/timer.hpp"

#include <algorithm>
#include <utility>

#include "core/guard.hpp"

namespace childproc::detail {

struct Timer::Handle {
    uv_timer_t uv{};
    std::function<void()> fn;
};

Timer& Timer::operator=(Timer&& other) noexcept {
    if (this != &other) {
        close();
        handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
}

void Timer::start(uv_loop_t* loop, std::chrono::milliseconds delay, std::function<void()> fn) {
    close();
    handle_ = new Handle{{}, std::move(fn)};
    uv_timer_init(loop, &handle_->uv);  // cannot fail: a timer takes no system resource
    handle_->uv.data = handle_;
    uv_timer_start(
        &handle_->uv,
        [](uv_timer_t* t) {
            // fn stays alive while it runs even if it closes this timer: the Handle
            // goes only in the close callback, on a later loop iteration.
            guarded(t->loop, static_cast<Handle*>(t->data)->fn);
        },
        static_cast<std::uint64_t>(std::max<std::chrono::milliseconds::rep>(delay.count(), 0)), 0);
}

void Timer::unref() noexcept {
    if (handle_) uv_unref(reinterpret_cast<uv_handle_t*>(&handle_->uv));
}

void Timer::close() noexcept {
    if (!handle_) return;
    uv_close(reinterpret_cast<uv_handle_t*>(&std::exchange(handle_, nullptr)->uv),
             [](uv_handle_t* h) { delete static_cast<Handle*>(h->data); });
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// Exceptions must not unwind through libuv's C frames: every callback into user
// code goes through guarded(), which keeps the first exception, stops the loop,
// and lets childproc::run() rethrow it on the caller's stack.

#include <exception>
#include <utility>

#include <uv.h>

namespace childproc::detail {

void keepException(uv_loop_t* loop, std::exception_ptr e);
void rethrowKept();

template <class Fn>
void guarded(uv_loop_t* loop, Fn&& fn) noexcept {
    try {
        std::forward<Fn>(fn)();
    } catch (...) {
        keepException(loop, std::current_exception());
    }
}

// Emit to user listeners; a throw is kept for run() and never skips our bookkeeping.
template <class L, class... A>
void emitGuarded(uv_loop_t* loop, L& listeners, A&&... args) noexcept {
    guarded(loop, [&] { listeners.emit(std::forward<A>(args)...); });
}

}  // namespace childproc::detail

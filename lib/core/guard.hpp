// SPDX-License-Identifier: MIT
#pragma once
// Exceptions must not unwind through libuv's C frames: every callback into user
// code goes through guarded(), which keeps the exception, stops the loop, and lets
// childproc::run() rethrow it on the caller's stack. Every exception is kept, in
// order: each later run() rethrows the next before it runs the loop again.

#include <exception>
#include <utility>

#include <uv.h>

#include "childproc/error.hpp"

namespace childproc::detail {

void keepException(uv_loop_t* loop, std::exception_ptr e);
// Rethrow the oldest exception kept for `loop`, if any.
void rethrowKept(uv_loop_t* loop);
bool exceptionKept(uv_loop_t* loop);
// A loop that goes away takes its unclaimed exceptions with it.
void discardKept(uv_loop_t* loop) noexcept;

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

// Node's rule for 'error': with no listener the error itself is thrown, here out
// of the run() that dispatched it.
template <class L>
void emitError(uv_loop_t* loop, L& listeners, const Error& e) noexcept {
    if (listeners.empty()) guarded(loop, [&] { throw e; });
    else emitGuarded(loop, listeners, e);
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// The libuv loop everything runs on, and the ways to run it.

#include <chrono>
#include <future>

#include <uv.h>

#include "childproc/error.hpp"
#include "childproc/export.hpp"

namespace childproc {

// libuv's default loop, where everything runs unless options name another.
// Throws ERR_CHILDPROC_NO_LOOP (errnum EMFILE) when the process has no fds left
// for libuv's first loop.
CHILDPROC_EXPORT uv_loop_t* defaultLoop();

// Run the loop until no work is left (uv_run UV_RUN_DEFAULT). An exception thrown
// by one of our listeners stops the loop and is rethrown here.
CHILDPROC_EXPORT void run(uv_loop_t* loop = nullptr);

// One loop iteration that blocks for I/O (uv_run UV_RUN_ONCE); false when the loop
// has no work left. Listener exceptions are rethrown as by run().
CHILDPROC_EXPORT bool runOnce(uv_loop_t* loop = nullptr);

// Run `loop` until `f` is ready, then return its value (or throw its exception):
// the way to "await" a childproc future on the loop's own thread.
template <class T>
T runUntil(std::future<T>& f, uv_loop_t* loop = nullptr) {
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        if (!runOnce(loop) && f.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
            throw Error("runUntil: the loop has no work left but the future is not ready", "ERR_CHILDPROC_DEADLOCK");
    }
    return f.get();
}

}  // namespace childproc

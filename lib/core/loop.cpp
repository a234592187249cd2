// SPDX-License-Identifier: MIT
#include "core/loop.hpp"

#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <string>
#include <utility>

#include "childproc/error.hpp"
#include "childproc/loop.hpp"
#include "childproc/promise.hpp"
#include "core/guard.hpp"

namespace childproc::detail {

namespace {

std::atomic<bool> libuvStarted{false};

// The loop run() or runOnce() is running on this thread, for unhandled rejections.
thread_local uv_loop_t* running = nullptr;

struct Running {
    uv_loop_t* saved;
    explicit Running(uv_loop_t* loop) : saved(std::exchange(running, loop)) {}
    ~Running() { running = saved; }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;
};

// Until some loop has been made, check that the two fds libuv's global pipe
// needs are free. Another thread can take them in between; then libuv aborts as
// it always did, but a process at its fd limit is told so instead of dying.
int libuvCanStart() {
    if (libuvStarted.load(std::memory_order_acquire)) return 0;
    uv_file fds[2];
    if (int err = uv_pipe(fds, 0, 0); err < 0) return err;
    ::close(fds[0]);
    ::close(fds[1]);
    return 0;
}

}  // namespace

int initLoop(uv_loop_t* loop) {
    if (int err = libuvCanStart()) return err;
    const int err = uv_loop_init(loop);
    if (err == 0) libuvStarted.store(true, std::memory_order_release);
    return err;
}

uv_loop_t* tryDefaultLoop(int* err) {
    int e = libuvCanStart();
    uv_loop_t* loop = nullptr;
    if (e == 0) {
        errno = 0;
        loop = uv_default_loop();  // NULL when its uv_loop_init failed, errno from the failed call
        if (loop) libuvStarted.store(true, std::memory_order_release);
        else e = uv_translate_sys_error(errno ? errno : ENOMEM);
    }
    if (err) *err = e;
    return loop;
}

void unhandledRejection(std::exception_ptr e) noexcept {
    uv_loop_t* loop = running ? running : tryDefaultLoop();
    if (loop) keepException(loop, std::move(e));
}

Error noLoopError(const std::string& what, int err) {
    Error e("libuv could not create " + what + ": " + std::string(uv_err_name(err)) + " (" + uv_strerror(err) + ")",
            "ERR_CHILDPROC_NO_LOOP");
    e.errnum = err;
    return e;
}

}  // namespace childproc::detail

namespace childproc {

uv_loop_t* defaultLoop() {
    int err = 0;
    uv_loop_t* loop = detail::tryDefaultLoop(&err);
    if (!loop) throw detail::noLoopError("its default loop", err);
    return loop;
}

// An exception still kept from an earlier turn comes out before the loop runs again.
void run(uv_loop_t* loop) {
    if (!loop) loop = defaultLoop();
    detail::rethrowKept(loop);
    {
        const detail::Running scope(loop);
        uv_run(loop, UV_RUN_DEFAULT);
    }
    detail::rethrowKept(loop);
}

bool runOnce(uv_loop_t* loop) {
    if (!loop) loop = defaultLoop();
    detail::rethrowKept(loop);
    int alive = 0;
    {
        const detail::Running scope(loop);
        alive = uv_run(loop, UV_RUN_ONCE);
    }
    detail::rethrowKept(loop);
    return alive != 0 || detail::exceptionKept(loop);
}

}  // namespace childproc

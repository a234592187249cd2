#include "core/guard.hpp"

#include "childproc/error.hpp"
#include "childproc/spawn.hpp"

namespace childproc::detail {

namespace {
// Per thread: each thread runs its own loop (the *Sync calls use private loops).
thread_local std::exception_ptr kept;
}  // namespace

void keepException(uv_loop_t* loop, std::exception_ptr e) {
    if (!kept) kept = std::move(e);
    uv_stop(loop);
}

void rethrowKept() {
    if (auto e = std::exchange(kept, nullptr)) std::rethrow_exception(e);
}

}  // namespace childproc::detail

namespace childproc {

uv_loop_t* defaultLoop() {
    // libuv makes its default loop on first use and returns NULL when it cannot
    // (no fds left for epoll and its signal pipe).
    uv_loop_t* loop = uv_default_loop();
    if (!loop)
        throw Error("libuv could not create its default loop (out of file descriptors or memory?)",
                    "ERR_CHILDPROC_NO_LOOP");
    return loop;
}

void run(uv_loop_t* loop) {
    uv_run(loop ? loop : defaultLoop(), UV_RUN_DEFAULT);
    detail::rethrowKept();
}

}  // namespace childproc

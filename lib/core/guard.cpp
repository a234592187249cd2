// SPDX-License-Identifier: MIT
#include "core/guard.hpp"

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

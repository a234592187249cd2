// SPDX-License-Identifier: MIT
#include "core/guard.hpp"

#include <algorithm>
#include <vector>

namespace childproc::detail {

namespace {
// Per thread, each with the loop it came from: each thread runs its own loops
// (the *Sync calls use private ones), and one loop's exceptions must not stop another.
struct Kept {
    uv_loop_t* loop;
    std::exception_ptr e;
};
thread_local std::vector<Kept> kept;
}  // namespace

void keepException(uv_loop_t* loop, std::exception_ptr e) {
    kept.push_back({loop, std::move(e)});
    uv_stop(loop);
}

void rethrowKept(uv_loop_t* loop) {
    const auto it = std::find_if(kept.begin(), kept.end(), [&](const Kept& k) { return k.loop == loop; });
    if (it == kept.end()) return;
    const std::exception_ptr e = std::move(it->e);
    kept.erase(it);
    std::rethrow_exception(e);
}

bool exceptionKept(uv_loop_t* loop) {
    return std::any_of(kept.begin(), kept.end(), [&](const Kept& k) { return k.loop == loop; });
}

void discardKept(uv_loop_t* loop) noexcept {
    std::erase_if(kept, [&](const Kept& k) { return k.loop == loop; });
}

}  // namespace childproc::detail

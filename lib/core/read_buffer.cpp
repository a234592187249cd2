// SPDX-License-Identifier: MIT
#include "core/read_buffer.hpp"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

namespace childproc::detail {

namespace {
// Per thread, as each loop runs on one thread; a thread runs few loops.
thread_local std::vector<std::pair<uv_loop_t*, std::unique_ptr<char[]>>> buffers;
}  // namespace

char* loopReadBuffer(uv_loop_t* loop) {
    for (auto& [l, buf] : buffers)
        if (l == loop) return buf.get();
    buffers.emplace_back(loop, std::make_unique_for_overwrite<char[]>(kLoopReadBufferSize));  // reads fill it
    return buffers.back().second.get();
}

void releaseLoopReadBuffer(uv_loop_t* loop) {
    std::erase_if(buffers, [loop](const auto& b) { return b.first == loop; });
}

}  // namespace childproc::detail

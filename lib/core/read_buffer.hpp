// SPDX-License-Identifier: MIT
#pragma once
// One read buffer per loop, as Node's 64 KiB slab: libuv calls a stream's alloc and
// read callbacks back to back, and a loop never runs inside its own callbacks, so
// the bytes of one read are delivered or copied before the next read on that loop
// begins. A thousand children in flight then cost one buffer, not one per pipe.

#include <cstddef>

#include <uv.h>

namespace childproc::detail {

inline constexpr std::size_t kLoopReadBufferSize = 64 * 1024;

// The buffer of `loop` (made on first use, on the loop's thread).
char* loopReadBuffer(uv_loop_t* loop);
// Free it: the loop is being closed (the *Sync calls' private loops).
void releaseLoopReadBuffer(uv_loop_t* loop);

}  // namespace childproc::detail

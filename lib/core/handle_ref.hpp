// SPDX-License-Identifier: MIT
#pragma once
// Node's ref()/unref() keep a flag that outlives the handle it applies to (a
// server's handle comes with listen(), a channel's rule changes with its
// listeners): applying the flag is one call for every owner.

#include <uv.h>

namespace childproc::detail {

inline void setRef(uv_handle_t* h, bool keepLoopAlive) {
    if (!h) return;
    if (keepLoopAlive) uv_ref(h);
    else uv_unref(h);
}

}  // namespace childproc::detail

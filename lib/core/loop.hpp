// SPDX-License-Identifier: MIT
#pragma once
// Making libuv loops without letting libuv abort the process. The first loop a
// process initialises makes libuv's process-wide signal pipe, and libuv calls
// abort() when it cannot (uv__signal_global_once_init): with the fd limit
// reached, that would kill the parent instead of reporting EMFILE.

#include <string>

#include <uv.h>

#include "childproc/error.hpp"

namespace childproc::detail {

int initLoop(uv_loop_t* loop);                  // uv_loop_init, or a negative libuv error
uv_loop_t* tryDefaultLoop(int* err = nullptr);  // uv_default_loop, or nullptr and *err
// ERR_CHILDPROC_NO_LOOP for `what` ("its default loop", ...), errnum = err.
Error noLoopError(const std::string& what, int err);

}  // namespace childproc::detail

#pragma once
// Making libuv loops without letting libuv abort the process. The first loop a
// process initialises makes libuv's process-wide signal pipe, and libuv calls
// abort() when it cannot (uv__signal_global_once_init): with the fd limit
// reached, that would kill the parent instead of reporting EMFILE.

#include <uv.h>

namespace childproc::detail {

int initLoop(uv_loop_t* loop);  // uv_loop_init, or a negative libuv error
uv_loop_t* tryDefaultLoop(int* err = nullptr);  // uv_default_loop, or nullptr and *err

}  // namespace childproc::detail

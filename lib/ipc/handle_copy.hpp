// SPDX-License-Identifier: MIT
#pragma once
// What a message needs of a handle it carries, taken when send() is called: the
// handle's fd, duplicated. The sender's handle stays theirs and may close the
// moment send() returns (Node detaches it from the socket there); the copy is
// closed once its message is written, or dropped.

#include <memory>
#include <variant>

#include <uv.h>

#include "childproc/error.hpp"
#include "childproc/ipc.hpp"

namespace childproc::detail {

class HandleCopy {
public:
    // The copy, or why there is none: EBADF for a closed handle, EMFILE...
    static std::variant<std::unique_ptr<HandleCopy>, Error> of(uv_loop_t* loop, const SendHandle& h);
    HandleCopy(const HandleCopy&) = delete;
    HandleCopy& operator=(const HandleCopy&) = delete;
    ~HandleCopy();

    // For uv_write2(), which sends only the fd: the peer types it from the message.
    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(pipe_); }

private:
    explicit HandleCopy(uv_pipe_t* pipe) : pipe_(pipe) {}
    uv_pipe_t* pipe_;  // any fd rides on a pipe handle
};

}  // namespace childproc::detail

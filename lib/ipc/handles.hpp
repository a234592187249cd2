// SPDX-License-Identifier: MIT
#pragma once
// Handle passing: a handle that arrived over an IPC pipe becomes a
// ReceivedHandle; a SendHandle is checked before it is written.

#include <memory>
#include <string>

#include "childproc/ipc.hpp"

namespace childproc {

struct ReceivedHandleAccess {
    // Accept the fd waiting on `ipc` into a new handle of the right libuv type.
    // Returns nullptr (the fd closed) when there is none or its type is unknown.
    static std::shared_ptr<ReceivedHandle> accept(uv_pipe_t* ipc);
    static void describe(ReceivedHandle& h, std::string type, std::string key, std::string dgramType,
                         std::function<void()> onClose);
};

namespace detail {

// Node's handleConversion keys that childproc can send and receive.
bool supportedHandleType(const std::string& type);

// ERR_INVALID_HANDLE_TYPE unless the type is known and the handle fits it: a TCP or
// pipe stream for net.*, a UDP socket for dgram.*.
void validateSendHandle(const SendHandle& h);

}  // namespace detail
}  // namespace childproc

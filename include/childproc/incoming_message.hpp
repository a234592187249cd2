// SPDX-License-Identifier: MIT
#pragma once
// What nextMessage() resolves to, as Node's `await once(child, 'message')` gives
// [message, sendHandle]. Apart from ipc.hpp because it needs the whole of
// nlohmann/json.

#include <memory>

#include <nlohmann/json.hpp>

#include "childproc/ipc.hpp"

namespace childproc {

struct IncomingMessage {
    nlohmann::json message;
    std::shared_ptr<ReceivedHandle> handle;  // nullptr when none came with it
};

}  // namespace childproc

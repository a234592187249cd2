// SPDX-License-Identifier: MIT
#pragma once
// Node's cluster envelope (internal/cluster/utils.js): every message is
// {cmd:'NODE_CLUSTER', ...message, seq} with seq counted per process; a reply
// names the request in `ack` and goes to the callback that request left.

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "childproc/ipc.hpp"

namespace childproc::detail::cluster {

using Handler = std::function<void(const nlohmann::json& message, std::shared_ptr<ReceivedHandle> handle)>;
using RawSend = std::function<bool(const nlohmann::json& message, const SendHandle* handle, SendCallback written)>;

// sendHelper(): false when the channel is closed (and nothing is sent). `written`
// runs once the message is written or has failed, so that a handle it carries
// may be closed after that and not before.
bool sendHelper(bool connected, const RawSend& send, nlohmann::json message, const SendHandle* handle = nullptr,
                Handler reply = {}, SendCallback written = {});

// internal(): an 'internalMessage' listener; replies to our requests go to their
// callbacks, everything else to onmessage. Other NODE_* messages are ignored.
void dispatch(const nlohmann::json& message, std::shared_ptr<ReceivedHandle> handle, const Handler& onmessage);

// Field access that tolerates what a foreign peer leaves out.
std::string stringField(const nlohmann::json& m, const char* key);
int intField(const nlohmann::json& m, const char* key, int fallback = 0);

}  // namespace childproc::detail::cluster

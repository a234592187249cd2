// SPDX-License-Identifier: MIT
#pragma once
// The child's side of the IPC channel: Node's process.send / process.on('message')
// for a C++ program started by childproc's fork() or by Node's fork()/spawn() with
// 'ipc'. The channel is set up on first use, on libuv's default loop: it reads
// NODE_CHANNEL_FD and removes NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE from
// the environment, so that our own children do not inherit them.
//
// Lifetime, as in Node: the channel keeps the program alive only while it has
// message or disconnect listeners or writes in flight; channel()->ref()/unref()
// override that.

#include <functional>
#include <optional>

#include <nlohmann/json_fwd.hpp>

#include "childproc/events.hpp"
#include "childproc/export.hpp"
#include "childproc/ipc.hpp"
#include "childproc/promise.hpp"

namespace childproc::process {

// Whether a parent started us with a channel and it is still open.
CHILDPROC_EXPORT bool connected();
// process.send(message[, handle][, callback]). Without a channel: false, and
// ERR_IPC_CHANNEL_CLOSED to the callback (or to onError).
CHILDPROC_EXPORT bool send(const nlohmann::json& message, SendCallback cb = {});
CHILDPROC_EXPORT bool send(const nlohmann::json& message, const SendHandle& handle, SendCallback cb = {});
// process.send() of a Value: whole under serialization 'advanced' (see ChildProcess::sendValue).
CHILDPROC_EXPORT bool sendValue(const Value& message, SendCallback cb = {});
CHILDPROC_EXPORT bool sendValue(const Value& message, const SendHandle& handle, SendCallback cb = {});
// Messages that came before the first listener are replayed to it.
CHILDPROC_EXPORT Subscription onMessage(MessageListener fn, Listen how = Listen::on);
// The same messages whole, as Values.
CHILDPROC_EXPORT Subscription onMessageValue(ValueMessageListener fn, Listen how = Listen::on);
CHILDPROC_EXPORT Subscription onDisconnect(std::function<void()> fn, Listen how = Listen::on);
// Malformed messages, write errors, ERR_IPC_DISCONNECTED, ...
CHILDPROC_EXPORT Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);
// `await once(process, 'message')` and a send() to await (see ChildProcess).
CHILDPROC_EXPORT Promise<IncomingMessage> nextMessage();
CHILDPROC_EXPORT Promise<void> sendAsync(const nlohmann::json& message);
CHILDPROC_EXPORT Promise<void> sendAsync(const nlohmann::json& message, const SendHandle& handle);
CHILDPROC_EXPORT void disconnect();
// Beyond Node: the largest message accepted from the parent (kDefaultMaxMessageSize,
// 32 MiB; unlimited lifts it). A longer one is an ERR_IPC_MESSAGE_TOO_LARGE error.
CHILDPROC_EXPORT void setMaxMessageSize(std::size_t bytes);
// process.channel: nullptr when there is none.
CHILDPROC_EXPORT ChannelControl* channel();

}  // namespace childproc::process

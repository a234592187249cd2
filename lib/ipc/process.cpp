// SPDX-License-Identifier: MIT
// The child's side of the channel: Node's setup in internal/bootstrap and
// child_process.setupChannel, for a C++ program.

#include "childproc/process.hpp"

#include "core/guard.hpp"
#include "core/loop.hpp"
#include "core/tick_queue.hpp"
#include "ipc/channel.hpp"
#include "ipc/process_channel.hpp"
#include "launch/inherited_channel.hpp"

namespace childproc::process {

namespace {

// A loop for the tick queue when the default one cannot be had, so that calls
// still answer (with ERR_IPC_CHANNEL_CLOSED) instead of crashing.
uv_loop_t* fallbackLoop() {
    static uv_loop_t loop;
    static const bool ready = detail::initLoop(&loop) == 0;
    return ready ? &loop : nullptr;
}

struct ChildSide {
    uv_loop_t* loop = detail::tryDefaultLoop();  // NULL when libuv cannot make it: then no channel
    detail::TickQueue ticks{loop ? loop : fallbackLoop()};
    std::unique_ptr<detail::Channel> channel;
    Listeners<const Error&> error;
};

// Never destroyed: it lives as long as the process and the default loop.
ChildSide& side() {
    static ChildSide* s = [] {
        // NODE_CHANNEL_FD and its mode, taken from the environment before main (launch/inherited_channel).
        const auto& inherited = detail::inheritedChannel();
        const auto serialization = detail::spokenSerialization(inherited.serialization);
        const int fd = inherited.channelFd;
        auto* cs = new ChildSide;
        if (fd < 0 || !serialization || !cs->loop) return cs;
        detail::Channel::Hooks hooks;
        hooks.error = [cs](const Error& e) { detail::emitError(uv_default_loop(), cs->error, e); };
        cs->channel = std::make_unique<detail::Channel>(cs->loop, cs->ticks, detail::Channel::Side::child,
                                                        *serialization, std::move(hooks));
        if (uv_pipe_open(cs->channel->pipe(), fd) != 0) {
            cs->channel->destroy();
            return cs;
        }
        cs->channel->start();
        return cs;
    }();
    return *s;
}

template <class Message>
bool sendVia(const Message& message, const SendHandle* handle, SendCallback cb) {
    ChildSide& s = side();
    if (s.channel) return s.channel->send(message, handle, std::move(cb));
    Error e("Channel closed", "ERR_IPC_CHANNEL_CLOSED");
    if (cb) s.ticks.post([cb = std::move(cb), e] { cb(e); });
    else s.ticks.post([&s, e] { detail::emitError(uv_default_loop(), s.error, e); });
    return false;
}

}  // namespace

bool connected() { return side().channel && side().channel->connected(); }

bool send(const nlohmann::json& message, SendCallback cb) { return sendVia(message, nullptr, std::move(cb)); }

bool send(const nlohmann::json& message, const SendHandle& handle, SendCallback cb) {
    return sendVia(message, &handle, std::move(cb));
}

bool sendValue(const Value& message, SendCallback cb) { return sendVia(message, nullptr, std::move(cb)); }

bool sendValue(const Value& message, const SendHandle& handle, SendCallback cb) {
    return sendVia(message, &handle, std::move(cb));
}

Subscription onMessage(MessageListener fn, Listen how) {
    auto& c = side().channel;
    return c ? c->onMessage(std::move(fn), how) : Subscription();
}

Subscription onMessageValue(ValueMessageListener fn, Listen how) {
    auto& c = side().channel;
    return c ? c->onMessageValue(std::move(fn), how) : Subscription();
}

Subscription onDisconnect(std::function<void()> fn, Listen how) {
    auto& c = side().channel;
    return c ? c->onDisconnect(std::move(fn), how) : Subscription();
}

Subscription onError(std::function<void(const Error&)> fn, Listen how) { return side().error.add(std::move(fn), how); }

Promise<IncomingMessage> nextMessage() {
    auto& c = side().channel;
    return c ? c->nextMessage() : detail::channelClosedPromise<IncomingMessage>();
}

Promise<void> sendAsync(const nlohmann::json& message) {
    auto& c = side().channel;
    return c ? c->sendAsync(message, nullptr) : detail::channelClosedPromise<void>();
}

Promise<void> sendAsync(const nlohmann::json& message, const SendHandle& handle) {
    auto& c = side().channel;
    return c ? c->sendAsync(message, &handle) : detail::channelClosedPromise<void>();
}

void disconnect() {
    ChildSide& s = side();
    if (s.channel) return s.channel->disconnect();
    s.ticks.post([&s] {
        detail::emitError(uv_default_loop(), s.error,
                          Error("IPC channel is already disconnected", "ERR_IPC_DISCONNECTED"));
    });
}

void setMaxMessageSize(std::size_t bytes) {
    if (auto& c = side().channel) c->setMaxMessageSize(bytes);
}

ChannelControl* channel() {
    auto& c = side().channel;
    return c && c->connected() ? c.get() : nullptr;
}

}  // namespace childproc::process

namespace childproc::detail {

Channel* processChannel() { return process::side().channel.get(); }

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// One end of a Node IPC channel (Node's setupChannel in internal/child_process.js):
// messages in its serialization's codec (ipc/codec.hpp) over a libuv IPC pipe,
// each message delivered on its own tick,
// internal NODE_* messages kept from user listeners, handle passing with the
// NODE_HANDLE / ACK / NACK protocol and its send queue, and disconnect.
// The parent's ChildProcess and the child's process API each own one.

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "childproc/diagnostics.hpp"
#include "childproc/events.hpp"
#include "childproc/incoming_message.hpp"
#include "childproc/ipc.hpp"
#include "childproc/promise.hpp"
#include "ipc/codec.hpp"
#include "ipc/handle_copy.hpp"

namespace childproc::detail {

class TickQueue;

// The Promise an awaitable IPC call returns when there is no channel.
template <class T>
Promise<T> channelClosedPromise() {
    auto [promise, resolver] = Promise<T>::withResolvers();
    resolver.reject(Error("Channel closed", "ERR_IPC_CHANNEL_CLOSED"));
    return promise;
}

class Channel : public ChannelControl, private CodecSink {
public:
    enum class Side { parent, child };
    struct Hooks {
        std::function<void(const Error&)> error;  // 'error' on the owner
        std::function<void()> closed;             // the pipe handle is closed
        // Internal messages this file does not handle itself (NODE_CLUSTER, ...).
        std::function<void(const nlohmann::json&, std::shared_ptr<ReceivedHandle>)> internal;
    };

    // Throws ERR_INVALID_ARG_VALUE for a serialization that is not spoken.
    Channel(uv_loop_t* loop, TickQueue& ticks, Side side, Serialization serialization, Hooks hooks);
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;
    ~Channel() override;

    uv_pipe_t* pipe() { return &pipe_; }
    // Start reading once the pipe is open (the parent: after spawn; the child: uv_pipe_open).
    void start();
    // Close at once, without events (the spawn failed before the channel was used).
    void destroy();

    // The largest message accepted from the peer (kDefaultMaxMessageSize; unlimited).
    void setMaxMessageSize(std::size_t bytes) { codec_->setMaxMessageSize(bytes); }
    // Tells the diagnostics channel of the messages, as those of child `process`
    // (0, the default: this process's own channel to its parent).
    void setDiagnostics(std::uint64_t process) { diagProcess_ = process; }

    Subscription onMessage(MessageListener fn, Listen how = Listen::on);
    // The same messages whole, as Values ('advanced' keeps what JSON cannot hold).
    Subscription onMessageValue(ValueMessageListener fn, Listen how = Listen::on);
    Subscription onDisconnect(std::function<void()> fn, Listen how = Listen::on);
    // The next message, as `await once(channel, 'message')`; rejected with
    // ERR_IPC_CHANNEL_CLOSED when the channel closes first.
    Promise<IncomingMessage> nextMessage();
    // send() as a Promise: settled by the send callback.
    template <class Message>
    Promise<void> sendAsync(const Message& message, const SendHandle* handle) {
        auto [p, resolver] = Promise<void>::withResolvers();
        // Not [resolver]: clang before 16 cannot capture a structured binding.
        send(message, handle, [r = resolver](const std::optional<Error>& e) {
            if (e) r.reject(*e);
            else r.resolve();
        });
        return p;
    }
    // Node's 'internalMessage' (cluster's): set before the peer can have sent any.
    void onInternalMessage(std::function<void(const nlohmann::json&, std::shared_ptr<ReceivedHandle>)> fn) {
        hooks_.internal = std::move(fn);
    }

    // Node's send(): false when the write queue is past Node's 128 KiB hint, or the
    // channel is closed (then cb, or 'error', gets ERR_IPC_CHANNEL_CLOSED).
    bool send(const nlohmann::json& message, const SendHandle* handle, SendCallback cb);
    bool send(const Value& message, const SendHandle* handle, SendCallback cb);
    void disconnect();
    bool connected() const { return connected_; }

    void ref() override;
    void unref() override;
    int fd() const override;
    void onWire(std::function<void(bool outgoing, std::string_view bytes)> tap) override { wireTap_ = std::move(tap); }

private:
    struct Outgoing {
        std::string bytes;                   // encoded once, when send() is called
        std::unique_ptr<HandleCopy> handle;  // taken at send(): the sender may close theirs
        SendCallback cb;
    };
    struct WriteReq;
    struct SocketList {                             // received sockets per key, for NODE_SOCKET_* replies
        std::map<std::string, int> open;            // key → sockets received and still open
        std::map<std::string, bool> notifyOnClose;  // key → the peer asked NODE_SOCKET_NOTIFY_CLOSE
        Channel* channel = nullptr;                 // null once the channel is gone
    };

    // An emptied buffer to encode into: the last written one's memory, so that a
    // stream of large messages does not allocate (and fault in) a new one each.
    std::string takeSpare();
    void recycle(std::string&& written);
    bool enqueue(std::string bytes, std::unique_ptr<HandleCopy> handle, SendCallback cb);
    bool writeNow(Outgoing out);
    // Hand the outbox to libuv as one write.
    void flushOutbox();
    // Write bytes from `from` on: what a try_write already sent is not moved away first.
    void submit(std::string bytes, std::vector<SendCallback> cbs, std::unique_ptr<HandleCopy> handle,
                std::size_t from = 0);
    void writeControl(const nlohmann::json& m);
    void onRead(ssize_t nread, const uv_buf_t* buf);
    // channel_handles.cpp: handle passing.
    void takeHandles(std::string_view bytes);
    std::shared_ptr<ReceivedHandle> handleForMessage(std::uint64_t message);
    void dropUnclaimedHandles();
    void onDecoded(std::string_view wire, Decoded decoded) override;
    void onTooLarge(std::size_t seen, std::size_t max) override;
    void onInternal(ReceivedMessage m);
    void onHandleMessage(ReceivedMessage m, std::shared_ptr<ReceivedHandle> handle);
    void deliver(ReceivedMessage m, std::shared_ptr<ReceivedHandle> handle);
    // The JSON view of `m` for JSON listeners, or null (and the error said) when it
    // would pass maxMessageSize.
    const nlohmann::json* jsonFor(ReceivedMessage& m);
    Error jsonViewTooLarge() const;
    // Hand an internal message this file does not handle to hooks_.internal.
    void passInternal(ReceivedMessage& m, std::shared_ptr<ReceivedHandle> handle);
    void replayBacklog();
    template <class Encode>
    bool sendEncoded(const SendHandle* handle, SendCallback cb, Encode encode);
    // A send that cannot go: its error to the callback, or to 'error'; false, as send() says.
    bool refuse(Error e, SendCallback cb);
    void handleQueueDrained();
    void finishDisconnect();
    void closePipe();
    void updateRef();
    void fail(Error e) const;
    void publish(diagnostics::Kind kind, std::string_view wire, bool internal, bool handle) const;

    uv_pipe_t pipe_{};
    uv_loop_t* loop_;
    TickQueue& ticks_;
    Side side_;
    Hooks hooks_;
    std::unique_ptr<Codec> codec_;
    std::unique_ptr<char[]> readBuf_;
    bool started_ = false;
    bool connected_ = true;
    bool closing_ = false;
    bool pendingDisconnect_ = false;
    std::optional<std::deque<Outgoing>> handleQueue_;  // set while a sent handle awaits ACK/NACK
    std::deque<std::pair<std::uint64_t, std::shared_ptr<ReceivedHandle>>> pendingHandles_;  // by message number
    std::size_t strayHandles_ = 0;
    std::shared_ptr<SocketList> sockets_;
    std::size_t pendingWrites_ = 0;
    // Messages sent while a write is under way, joined into the next write: one
    // syscall for many small messages instead of one each.
    std::string outbox_;
    std::string spare_;
    std::vector<SendCallback> outboxCallbacks_;
    std::optional<bool> explicitRef_;  // channel.ref()/unref() by the user
    std::function<void(bool, std::string_view)> wireTap_;
    std::uint64_t diagProcess_ = 0;
    Listeners<const nlohmann::json&, std::shared_ptr<ReceivedHandle>> message_;
    Listeners<const Value&, std::shared_ptr<ReceivedHandle>> valueMessage_;
    Listeners<> disconnect_;
    struct Incoming {
        ReceivedMessage message;
        std::shared_ptr<ReceivedHandle> handle;
    };
    std::deque<Incoming> backlog_;  // no listener yet
};

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#include "ipc/channel.hpp"

#include <algorithm>

#include "core/guard.hpp"
#include "core/handle_ref.hpp"
#include "core/tick_queue.hpp"
#include "ipc/handles.hpp"

namespace childproc::detail {

namespace {
// Larger than Node's 64 KiB: a 64 KiB message then usually arrives in one read,
// without a trip through the partial-line buffer.
constexpr std::size_t kReadSize = 256 * 1024;
constexpr std::size_t kSendHint = 128 * 1024;   // Node: send() returns writeQueueSize < 65536 * 2
constexpr std::size_t kBatchBytes = 64 * 1024;  // an outbox this full is written without waiting
constexpr std::size_t kSpareMax = 1024 * 1024;  // a larger written buffer is freed, not kept
}  // namespace

struct Channel::WriteReq {
    uv_write_t req{};
    std::string bytes;
    std::vector<SendCallback> cbs;  // one per message in `bytes`
    Channel* channel;
    std::unique_ptr<HandleCopy> handle;  // closed once written
};

Channel::Channel(uv_loop_t* loop, TickQueue& ticks, Side side, Serialization serialization, Hooks hooks)
    : loop_(loop), ticks_(ticks), side_(side), hooks_(std::move(hooks)), codec_(makeCodec(serialization)),
      sockets_(std::make_shared<SocketList>()) {
    uv_pipe_init(loop, &pipe_, /*ipc=*/1);
    pipe_.data = this;
    sockets_->channel = this;
    // A child's channel keeps the loop alive only while someone listens.
    message_.onRemoved([this] { updateRef(); });
    valueMessage_.onRemoved([this] { updateRef(); });
    disconnect_.onRemoved([this] { updateRef(); });
}

Channel::~Channel() { sockets_->channel = nullptr; }

void Channel::start() {
    started_ = true;
    readBuf_ = std::make_unique_for_overwrite<char[]>(kReadSize);
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&pipe_),
        [](uv_handle_t* h, size_t, uv_buf_t* buf) {
            *buf = uv_buf_init(static_cast<Channel*>(h->data)->readBuf_.get(), kReadSize);
        },
        [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
            auto* self = static_cast<Channel*>(s->data);
            guarded(s->loop, [&] { self->onRead(nread, buf); });
        });
    updateRef();
}

void Channel::destroy() {
    connected_ = false;
    closePipe();
}

Subscription Channel::onMessage(MessageListener fn, Listen how) {
    Subscription s = message_.add(std::move(fn), how);
    replayBacklog();
    return s;
}

Subscription Channel::onMessageValue(ValueMessageListener fn, Listen how) {
    Subscription s = valueMessage_.add(std::move(fn), how);
    replayBacklog();
    return s;
}

// Node queues messages that came before any listener and replays them now.
void Channel::replayBacklog() {
    while (!backlog_.empty()) {
        Incoming in = std::move(backlog_.front());
        backlog_.pop_front();
        deliver(std::move(in.message), std::move(in.handle));
    }
    updateRef();
}

Subscription Channel::onDisconnect(std::function<void()> fn, Listen how) {
    Subscription s = disconnect_.add(std::move(fn), how);
    updateRef();
    return s;
}

Promise<IncomingMessage> Channel::nextMessage() {
    auto [promise, resolver] = Promise<IncomingMessage>::withResolvers();
    // What came while nobody listened is the next message, even after the
    // channel closed: taken at once, without a trip through the tick queue.
    if (!backlog_.empty()) {
        Incoming in = std::move(backlog_.front());
        backlog_.pop_front();
        if (const nlohmann::json* m = in.message.json(codec_->maxMessageSize()))
            resolver.resolve(IncomingMessage{*m, std::move(in.handle)});
        else resolver.reject(jsonViewTooLarge());
        return promise;
    }
    if (!connected_) return channelClosedPromise<IncomingMessage>();
    // Once-listeners: between awaits nobody listens, so what comes meanwhile waits
    // in the backlog for the next one, and the channel keeps no loop alive.
    auto subs = std::make_shared<std::pair<Subscription, Subscription>>();
    subs->second = onDisconnect(
        [r = resolver, subs] {
            subs->first.off();
            r.reject(Error("Channel closed", "ERR_IPC_CHANNEL_CLOSED"));
        },
        once);
    subs->first = onMessage(
        [r = resolver, subs](const nlohmann::json& m, std::shared_ptr<ReceivedHandle> h) {
            subs->second.off();
            r.resolve(IncomingMessage{m, std::move(h)});
        },
        once);
    return promise;
}

void Channel::fail(Error e) const {
    ticks_.post([hook = hooks_.error, e = std::move(e)] {
        if (hook) hook(e);
    });
}

bool Channel::send(const nlohmann::json& message, const SendHandle* handle, SendCallback cb) {
    return sendEncoded(handle, std::move(cb), [&](std::string& bytes) {
        if (handle) codec_->encodeHandle(*handle, message, bytes);
        else codec_->encode(message, bytes);
    });
}

bool Channel::send(const Value& message, const SendHandle* handle, SendCallback cb) {
    return sendEncoded(handle, std::move(cb), [&](std::string& bytes) {
        if (handle) codec_->encodeHandleValue(*handle, message, bytes);
        else codec_->encodeValue(message, bytes);
    });
}

template <class Encode>
bool Channel::sendEncoded(const SendHandle* handle, SendCallback cb, Encode encode) {
    if (handle) validateSendHandle(*handle);
    if (!connected_) return refuse(Error("Channel closed", "ERR_IPC_CHANNEL_CLOSED"), std::move(cb));
    std::unique_ptr<HandleCopy> copy;
    if (handle) {
        auto made = HandleCopy::of(loop_, *handle);
        if (auto* e = std::get_if<Error>(&made)) return refuse(std::move(*e), std::move(cb));
        copy = std::move(std::get<std::unique_ptr<HandleCopy>>(made));
    }
    std::string bytes = takeSpare();
    encode(bytes);
    return enqueue(std::move(bytes), std::move(copy), std::move(cb));
}

bool Channel::refuse(Error e, SendCallback cb) {
    if (cb) ticks_.post([cb = std::move(cb), e = std::move(e)] { cb(e); });
    else fail(std::move(e));
    return false;
}

std::string Channel::takeSpare() {
    std::string s = std::move(spare_);
    s.clear();
    return s;
}

void Channel::recycle(std::string&& written) {
    if (written.capacity() > spare_.capacity() && written.capacity() <= kSpareMax) spare_ = std::move(written);
}

bool Channel::enqueue(std::string bytes, std::unique_ptr<HandleCopy> handle, SendCallback cb) {
    Outgoing out{std::move(bytes), std::move(handle), std::move(cb)};
    // While a handle awaits its ACK every later message waits too, in order (Node's _handleQueue).
    if (handleQueue_) {
        handleQueue_->push_back(std::move(out));
        return handleQueue_->size() == 1;
    }
    return writeNow(std::move(out));
}

// Node's own messages (cluster's, handle passing) say so at their start: {"cmd":"NODE_….
static bool startsAsInternal(std::string_view wire) {
    return wire.substr(0, 64).find("\"NODE_") != std::string_view::npos;
}

bool Channel::writeNow(Outgoing out) {
    if (wireTap_) wireTap_(true, out.bytes);
    if (diagnostics::hasSubscribers(diagnostics::Channel::ipc))
        publish(diagnostics::Kind::send, out.bytes, startsAsInternal(out.bytes), out.handle != nullptr);
    auto* stream = reinterpret_cast<uv_stream_t*>(&pipe_);
    std::size_t written = 0;
    if (!out.handle) {
        if (!outbox_.empty() || uv_stream_get_write_queue_size(stream) > 0) {
            // A write is under way: this one joins the next (and keeps its order).
            // A large one goes on its own, without a copy; a full outbox goes now.
            if (out.bytes.size() >= kBatchBytes) {
                flushOutbox();
                std::vector<SendCallback> cbs;
                if (out.cb) cbs.push_back(std::move(out.cb));
                submit(std::move(out.bytes), std::move(cbs), nullptr);
            } else {
                outbox_ += out.bytes;
                recycle(std::move(out.bytes));
                if (out.cb) outboxCallbacks_.push_back(std::move(out.cb));
                if (outbox_.size() >= kBatchBytes) flushOutbox();
                updateRef();
            }
            return uv_stream_get_write_queue_size(stream) + outbox_.size() < kSendHint;
        }
        // Node's path for a message without a handle: write it now. A write that
        // completes here needs no request, and no extra loop turn for its callback.
        uv_buf_t now = uv_buf_init(out.bytes.data(), static_cast<unsigned>(out.bytes.size()));
        const int n = uv_try_write(stream, &now, 1);
        if (n == static_cast<int>(out.bytes.size())) {
            recycle(std::move(out.bytes));
            if (out.cb) ticks_.post([cb = std::move(out.cb)] { cb(std::nullopt); });
            return true;
        }
        if (n > 0) written = static_cast<std::size_t>(n);  // the rest goes the queued way, from where it stopped
    } else {
        flushOutbox();  // what was sent before the handle goes first
    }
    std::vector<SendCallback> cbs;
    if (out.cb) cbs.push_back(std::move(out.cb));
    const bool carriesHandle = out.handle != nullptr;
    submit(std::move(out.bytes), std::move(cbs), std::move(out.handle), written);
    if (carriesHandle) handleQueue_.emplace();  // hold everything after it until the peer answers
    return uv_stream_get_write_queue_size(stream) < kSendHint;
}

void Channel::flushOutbox() {
    if (outbox_.empty()) return;
    submit(std::exchange(outbox_, {}), std::exchange(outboxCallbacks_, {}), nullptr);
}

void Channel::submit(std::string bytes, std::vector<SendCallback> cbs, std::unique_ptr<HandleCopy> handle,
                     std::size_t from) {
    auto* req = new WriteReq{{}, std::move(bytes), std::move(cbs), this, std::move(handle)};
    req->req.data = req;
    uv_buf_t buf = uv_buf_init(req->bytes.data() + from, static_cast<unsigned>(req->bytes.size() - from));
    auto done = [](uv_write_t* w, int status) {
        auto* rq = static_cast<WriteReq*>(w->data);
        std::unique_ptr<WriteReq> owned(rq);
        Channel* c = rq->channel;
        --c->pendingWrites_;
        c->recycle(std::move(rq->bytes));
        guarded(c->loop_, [&] {
            // Bytes that did not all reach the socket are an error for each send's
            // callback. Without one, a write cancelled because the channel closed is
            // not repeated as 'error': the close is reported on its own.
            std::optional<Error> err;
            if (status == UV_ECANCELED)
                err = Error("Channel closed before the message was written", "ERR_IPC_CHANNEL_CLOSED");
            else if (status < 0) err = systemError(status, "write");
            // The messages that waited for this write go now; after a failed write they
            // fail the same way, as libuv's queued writes do.
            if (!c->closing_) c->flushOutbox();
            for (auto& cb : rq->cbs) cb(err);
            if (rq->cbs.empty() && err && status != UV_ECANCELED && c->hooks_.error) c->hooks_.error(*err);
            if (!c->closing_) c->updateRef();
        });
    };
    auto* stream = reinterpret_cast<uv_stream_t*>(&pipe_);
    int r = req->handle ? uv_write2(&req->req, stream, &buf, 1, req->handle->stream(), done)
                        : uv_write(&req->req, stream, &buf, 1, done);
    if (r < 0) {
        Error e = systemError(r, "write");
        if (req->cbs.empty()) fail(e);
        for (auto& cb : req->cbs) ticks_.post([cb = std::move(cb), e] { cb(e); });
        delete req;
        return;
    }
    ++pendingWrites_;
    updateRef();
}

void Channel::writeControl(const nlohmann::json& m) {
    if (closing_) return;
    std::string bytes = takeSpare();
    codec_->encode(m, bytes);
    writeNow(Outgoing{std::move(bytes), nullptr, [](const std::optional<Error>&) {}});  // swallowErrors, as Node
}

void Channel::onRead(ssize_t nread, const uv_buf_t* buf) {
    if (nread > 0) {
        const std::string_view bytes(buf->base, static_cast<std::size_t>(nread));
        if (uv_pipe_pending_count(&pipe_) > 0) takeHandles(bytes);
        codec_->feed(bytes, *this);
        dropUnclaimedHandles();
        ticks_.drain();  // deliver now, one guarded call per message, as Node's nextTick would
        return;
    }
    if (nread == 0) return;
    // A reset peer is a gone peer, as for Node, which only disconnects.
    if (nread != UV_EOF && nread != UV_ECONNRESET) fail(systemError(static_cast<int>(nread), "read"));
    if (codec_->buffering())
        fail(Error("IPC channel closed in the middle of a message (" + std::to_string(codec_->buffered()) +
                       " bytes without a newline were dropped)",
                   "ERR_IPC_TRUNCATED"));
    // The peer is gone: Node disconnects, closes and emits 'disconnect' on the next
    // tick, before the child's 'exit' that the same poll may bring.
    if (connected_) {
        connected_ = false;
        closePipe();
        ticks_.drain();
    }
}

void Channel::onDecoded(std::string_view wire, Decoded d) {
    if (!connected_) return;  // after disconnect() nothing more is delivered
    if (wireTap_) wireTap_(false, codec_->asOnTheWire(wire));
    if (diagnostics::hasSubscribers(diagnostics::Channel::ipc))
        publish(diagnostics::Kind::message, codec_->asOnTheWire(wire), d.message && d.message->internal(), false);
    if (d.error) {
        fail(*d.error);
        return;
    }
    if (d.message->internal()) onInternal(std::move(*d.message));
    else deliver(std::move(*d.message), nullptr);
}

void Channel::onTooLarge(std::size_t seen, std::size_t max) {
    fail(Error("IPC message too large: more than " + std::to_string(max) + " bytes (maxMessageSize) after " +
                   std::to_string(seen) + " bytes; it is dropped up to the next message",
               "ERR_IPC_MESSAGE_TOO_LARGE", "RangeError"));
}

void Channel::deliver(ReceivedMessage message, std::shared_ptr<ReceivedHandle> handle) {
    if (message_.empty() && valueMessage_.empty()) {
        backlog_.push_back({std::move(message), std::move(handle)});
        return;
    }
    // Each message on its own tick: a listener that throws loses no later message.
    ticks_.post([this, m = std::move(message), h = std::move(handle)]() mutable {
        if (message_.empty() && valueMessage_.empty()) {  // the only listener was a once-listener
            backlog_.push_back({std::move(m), std::move(h)});
            return;
        }
        if (!valueMessage_.empty()) valueMessage_.emit(*m.value(), h);
        // Each form is made only for a listener that asked for it.
        if (!message_.empty())
            if (const nlohmann::json* j = jsonFor(m)) message_.emit(*j, std::move(h));
    });
}

const nlohmann::json* Channel::jsonFor(ReceivedMessage& m) {
    const nlohmann::json* j = m.json(codec_->maxMessageSize());
    if (!j) fail(jsonViewTooLarge());
    return j;
}

Error Channel::jsonViewTooLarge() const {
    return Error("The JSON view of an 'advanced' message would be longer than maxMessageSize (" +
                     std::to_string(codec_->maxMessageSize()) +
                     " bytes of JSON text); it is not made, and onMessageValue listeners have the message whole",
                 "ERR_IPC_MESSAGE_TOO_LARGE", "RangeError");
}

void Channel::passInternal(ReceivedMessage& m, std::shared_ptr<ReceivedHandle> handle) {
    if (!hooks_.internal) return;
    if (const nlohmann::json* j = jsonFor(m))
        ticks_.post([hook = hooks_.internal, j = *j, handle = std::move(handle)] { hook(j, handle); });
}

void Channel::onInternal(ReceivedMessage m) {
    const std::string cmd = m.text("cmd");
    if (cmd == "NODE_HANDLE") return onHandleMessage(std::move(m), handleForMessage(codec_->messagesEnded() - 1));
    if (cmd == "NODE_HANDLE_ACK" || cmd == "NODE_HANDLE_NACK") {
        if (cmd == "NODE_HANDLE_NACK")
            fail(Error("The peer could not take a handle we sent (NODE_HANDLE_NACK)", "ERR_IPC_HANDLE_NOT_RECEIVED"));
        return handleQueueDrained();
    }
    const std::string key = m.text("key");
    if (cmd == "NODE_SOCKET_GET_COUNT") {
        writeControl({{"cmd", "NODE_SOCKET_COUNT"}, {"key", key}, {"count", sockets_->open[key]}});
        return;
    }
    if (cmd == "NODE_SOCKET_NOTIFY_CLOSE") {
        if (sockets_->open[key] == 0) writeControl({{"cmd", "NODE_SOCKET_ALL_CLOSED"}, {"key", key}});
        else sockets_->notifyOnClose[key] = true;
        return;
    }
    passInternal(m, nullptr);
}

void Channel::publish(diagnostics::Kind kind, std::string_view wire, bool internal, bool handle) const {
    diagnostics::publish(kind, [&](diagnostics::Event& e) {
        e.process = diagProcess_;
        e.bytes = wire.size();
        e.data = wire;
        e.ok = internal;
        if (handle) e.name = "handle";
    });
}

void Channel::disconnect() {
    if (!connected_) {
        fail(Error("IPC channel is already disconnected", "ERR_IPC_DISCONNECTED"));
        return;
    }
    connected_ = false;
    if (handleQueue_) {
        pendingDisconnect_ = true;  // after the queued handles and messages are out
        return;
    }
    finishDisconnect();
}

void Channel::finishDisconnect() {
    pendingDisconnect_ = false;
    if (closing_) return;
    flushOutbox();  // before the shutdown, which refuses later writes
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&pipe_));
    // Unlike Node, queued writes are not cancelled: the shutdown waits for them, so a
    // send() just before disconnect() still arrives.
    auto* req = new uv_shutdown_t;
    req->data = this;
    if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&pipe_), [](uv_shutdown_t* r, int) {
            auto* self = static_cast<Channel*>(r->data);
            delete r;
            self->closePipe();
        }) != 0) {
        delete req;
        closePipe();
    }
}

void Channel::closePipe() {
    if (closing_) return;
    closing_ = true;
    pendingHandles_.clear();
    // Messages still held behind an unanswered handle will never go out: say so,
    // so that their senders may free what they carry.
    if (handleQueue_) {
        for (auto& out : *handleQueue_)
            if (out.cb)
                ticks_.post([cb = std::move(out.cb)] { cb(Error("Channel closed", "ERR_IPC_CHANNEL_CLOSED")); });
        handleQueue_.reset();
    }
    for (auto& cb : std::exchange(outboxCallbacks_, {}))
        ticks_.post([cb = std::move(cb)] { cb(Error("Channel closed", "ERR_IPC_CHANNEL_CLOSED")); });
    outbox_.clear();
    // 'disconnect' goes behind the messages already queued for delivery, as Node's
    // nextTick; the owner hears of the close once the handle is closed (the
    // parent's 'close' comes after all of them).
    if (started_)
        ticks_.post([this] {
            publish(diagnostics::Kind::disconnect, {}, false, false);
            emitGuarded(loop_, disconnect_);
            // The channel's last event: its listeners are released.
            message_.clear();
            valueMessage_.clear();
            disconnect_.clear();
        });
    uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), [](uv_handle_t* h) {
        auto* self = static_cast<Channel*>(h->data);
        self->ticks_.post([self] {
            if (self->hooks_.closed) self->hooks_.closed();
        });
    });
}

void Channel::ref() {
    explicitRef_ = true;
    updateRef();
}

void Channel::unref() {
    explicitRef_ = false;
    updateRef();
}

int Channel::fd() const {
    uv_os_fd_t fd = -1;
    uv_fileno(reinterpret_cast<const uv_handle_t*>(&pipe_), &fd);
    return fd;
}

void Channel::updateRef() {
    if (closing_) return;
    bool keep;
    if (explicitRef_) keep = *explicitRef_;
    else if (side_ == Side::parent) keep = true;  // the parent waits for its channel, as in Node
    else
        keep = !message_.empty() || !valueMessage_.empty() || !disconnect_.empty() || pendingWrites_ > 0 ||
               !outbox_.empty();  // Node's child rule
    setRef(reinterpret_cast<uv_handle_t*>(&pipe_), keep);
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
// The channel's handle passing (Node's NODE_HANDLE protocol): fds that arrive are
// tied to the message that carried them, taken by a NODE_HANDLE and answered with
// ACK or NACK, or closed at once; sends after a handle wait for its answer.

#include "core/tick_queue.hpp"
#include "ipc/channel.hpp"
#include "ipc/handles.hpp"

namespace childproc::detail {

// The kernel hands over fds with the read that ends in the first bytes of the
// sendmsg() that carried them (it stops a read there), and a sender writes one
// message per sendmsg(): so an fd belongs to the message holding this read's last byte.
void Channel::takeHandles(std::string_view bytes) {
    const std::uint64_t message = codec_->messageAtEndOf(bytes);
    if (auto h = ReceivedHandleAccess::accept(&pipe_)) pendingHandles_.emplace_back(message, std::move(h));
    // Node takes one fd per read; any more would sit in libuv until the channel closes.
    std::size_t extra = 0;
    for (; uv_pipe_pending_count(&pipe_) > 0; ++extra) ReceivedHandleAccess::accept(&pipe_);  // closed at once
    if (extra > 0)
        fail(
            Error(std::to_string(extra) + " more file descriptors than a message can carry arrived in one read; closed",
                  "ERR_IPC_UNEXPECTED_HANDLE"));
}

std::shared_ptr<ReceivedHandle> Channel::handleForMessage(std::uint64_t message) {
    if (pendingHandles_.empty() || pendingHandles_.front().first != message) return nullptr;
    auto h = std::move(pendingHandles_.front().second);
    pendingHandles_.pop_front();
    return h;
}

// An fd whose message has ended without a NODE_HANDLE taking it (a plain message, a
// malformed or oversized one) is closed: no fd is kept that nobody claimed.
void Channel::dropUnclaimedHandles() {
    std::size_t dropped = 0;
    while (!pendingHandles_.empty() && pendingHandles_.front().first < codec_->messagesEnded()) {
        pendingHandles_.pop_front();
        ++dropped;
    }
    if (dropped == 0) return;
    strayHandles_ += dropped;
    fail(Error("A file descriptor came with a message that is not a NODE_HANDLE; it was closed (" +
                   std::to_string(strayHandles_) + " on this channel so far)",
               "ERR_IPC_UNEXPECTED_HANDLE"));
}

void Channel::onHandleMessage(ReceivedMessage m, std::shared_ptr<ReceivedHandle> handle) {
    const std::string type = m.text("type");
    if (!handle || !supportedHandleType(type)) {
        // No fd came with it (e.g. MSG_CTRUNC), or a type we cannot build: NACK, never stall the
        // sender (Node crashes on an unknown type). A handle we cannot use is closed here.
        writeControl({{"cmd", "NODE_HANDLE_NACK"}});
        fail(Error(!handle ? "NODE_HANDLE arrived without a handle" : "NODE_HANDLE of unsupported type '" + type + "'",
                   "ERR_IPC_BAD_HANDLE"));
        return;
    }
    writeControl({{"cmd", "NODE_HANDLE_ACK"}});  // first, as Node does
    const std::string key = m.text("key");
    std::function<void()> onClose;
    if (!key.empty()) {
        ++sockets_->open[key];
        onClose = [list = sockets_, key] {
            if (--list->open[key] > 0 || !list->notifyOnClose[key] || !list->channel) return;
            list->notifyOnClose[key] = false;
            list->channel->writeControl({{"cmd", "NODE_SOCKET_ALL_CLOSED"}, {"key", key}});
        };
    }
    ReceivedHandleAccess::describe(*handle, type, key, m.text("dgramType"), std::move(onClose));
    ReceivedMessage inner = std::move(m).member("msg");
    if (inner.internal()) return passInternal(inner, std::move(handle));
    deliver(std::move(inner), std::move(handle));
}

void Channel::handleQueueDrained() {
    if (!handleQueue_) return;
    auto queued = std::move(*handleQueue_);
    handleQueue_.reset();
    for (auto& out : queued) {
        if (handleQueue_) handleQueue_->push_back(std::move(out));  // another handle re-armed the queue
        else writeNow(std::move(out));
    }
    if (pendingDisconnect_ && !handleQueue_) finishDisconnect();
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#include "ipc/handles.hpp"

#include <utility>

namespace childproc {

ReceivedHandle::~ReceivedHandle() { close(); }

uv_handle_type ReceivedHandle::kind() const { return handle_ ? handle_->type : UV_UNKNOWN_HANDLE; }

void ReceivedHandle::close() {
    if (!handle_) return;
    uv_handle_t* h = std::exchange(handle_, nullptr);
    if (!uv_is_closing(h)) uv_close(h, [](uv_handle_t* closed) { delete reinterpret_cast<uv_any_handle*>(closed); });
    if (auto done = std::move(onClose_)) done();
}

std::shared_ptr<ReceivedHandle> ReceivedHandleAccess::accept(uv_pipe_t* ipc) {
    if (uv_pipe_pending_count(ipc) <= 0) return nullptr;
    const uv_handle_type kind = uv_pipe_pending_type(ipc);
    auto* storage = new uv_any_handle;
    int r = UV_EINVAL;
    if (kind == UV_TCP) r = uv_tcp_init(ipc->loop, &storage->tcp);
    else if (kind == UV_NAMED_PIPE) r = uv_pipe_init(ipc->loop, &storage->pipe, 0);
    else if (kind == UV_UDP) r = uv_udp_init(ipc->loop, &storage->udp);
    if (r != 0) {
        // Unknown kind: libuv still holds the fd; take it with a throwaway pipe and close it.
        uv_pipe_init(ipc->loop, &storage->pipe, 0);
    }
    auto* h = reinterpret_cast<uv_handle_t*>(storage);
    if (uv_accept(reinterpret_cast<uv_stream_t*>(ipc), reinterpret_cast<uv_stream_t*>(h)) != 0 || r != 0) {
        uv_close(h, [](uv_handle_t* closed) { delete reinterpret_cast<uv_any_handle*>(closed); });
        return nullptr;
    }
    std::shared_ptr<ReceivedHandle> out(new ReceivedHandle);
    out->handle_ = h;
    return out;
}

void ReceivedHandleAccess::describe(ReceivedHandle& h, std::string type, std::string key, std::string dgramType,
                                    std::function<void()> onClose) {
    h.type_ = std::move(type);
    h.key_ = std::move(key);
    h.dgramType_ = std::move(dgramType);
    h.onClose_ = std::move(onClose);
}

namespace detail {

namespace {
bool isDgramType(const std::string& type) { return type == "dgram.Socket" || type == "dgram.Native"; }
}  // namespace

bool supportedHandleType(const std::string& type) {
    return type == "net.Server" || type == "net.Socket" || type == "net.Native" || isDgramType(type);
}

void validateSendHandle(const SendHandle& h) {
    const bool stream = h.handle && (h.handle->type == UV_TCP || h.handle->type == UV_NAMED_PIPE);
    const bool udp = h.handle && h.handle->type == UV_UDP;
    if (!supportedHandleType(h.type) || (isDgramType(h.type) ? !udp : !stream))
        throw Error("This handle type cannot be sent: '" + h.type +
                        "' (a TCP or pipe handle as net.Server, net.Socket or net.Native; a UDP handle as "
                        "dgram.Socket or dgram.Native)",
                    "ERR_INVALID_HANDLE_TYPE", "TypeError");
    if (h.type == "dgram.Socket" && h.dgramType != "udp4" && h.dgramType != "udp6")
        throw Error("A dgram.Socket is sent with its dgramType, 'udp4' or 'udp6'", "ERR_INVALID_HANDLE_TYPE",
                    "TypeError");
}

}  // namespace detail
}  // namespace childproc

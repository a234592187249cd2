// SPDX-License-Identifier: MIT
#pragma once
// The IPC channel's public types: Node's 'json' serialization, handles to send
// and handles received (net.Server, net.Socket, net.Native as libuv handles).

#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <uv.h>
#include <nlohmann/json_fwd.hpp>

#include "childproc/error.hpp"
#include "childproc/export.hpp"

namespace childproc {

// Node's `serialization`: 'json' (JSON lines) or 'advanced' (V8's serializer, which
// carries what childproc::Value holds: Buffers, Dates, Maps, Sets, BigInts, cycles).
enum class Serialization { json, advanced };

// Beyond Node: the largest IPC message a channel accepts from its peer, in bytes
// (SpawnOptions/ForkOptions::maxMessageSize, process::setMaxMessageSize). A longer
// one is dropped as it arrives, with ERR_IPC_MESSAGE_TOO_LARGE on the channel's
// owner, and the messages after it are delivered. Node has no cap (its receiver
// grows until it crashes). childproc::unlimited lifts it.
inline constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();  // also maxBuffer's Infinity
inline constexpr std::size_t kDefaultMaxMessageSize = 32 * 1024 * 1024;

// A libuv handle to send along with a message: child.send(msg, handle).
// The type says what the peer should make of it, as Node's handle conversion does.
struct SendHandle {
    std::string type;               // "net.Server", "net.Socket", "net.Native", "dgram.Socket" or "dgram.Native"
    uv_handle_t* handle = nullptr;  // a uv_tcp_t or uv_pipe_t (listening or connected), or a bound uv_udp_t
    bool keepOpen = false;          // Node's options.keepOpen (net.Socket): we never close your handle either way
    std::string dgramType = {};     // "udp4" or "udp6" for dgram.Socket: Node's message.dgramType

    static SendHandle server(uv_stream_t* listening) {
        return {"net.Server", reinterpret_cast<uv_handle_t*>(listening)};
    }
    static SendHandle socket(uv_stream_t* connected, bool keepOpen = false) {
        return {"net.Socket", reinterpret_cast<uv_handle_t*>(connected), keepOpen};
    }
    static SendHandle native(uv_stream_t* h) { return {"net.Native", reinterpret_cast<uv_handle_t*>(h)}; }
    // A bound UDP socket (dgram::Socket::handle()); a Node peer gets a dgram.Socket.
    static SendHandle dgram(uv_udp_t* bound, bool ipv6 = false) {
        return {"dgram.Socket", reinterpret_cast<uv_handle_t*>(bound), false, std::string(ipv6 ? "udp6" : "udp4")};
    }
    static SendHandle dgramNative(uv_udp_t* bound) { return {"dgram.Native", reinterpret_cast<uv_handle_t*>(bound)}; }
};

// A handle that arrived with a message. It owns the libuv handle: the handle is
// closed when the last reference goes (or by close()). For "net.Server", pass it
// to net::Server::listen; for "dgram.Socket" or "dgram.Native", to dgram::Socket::bind.
class CHILDPROC_EXPORT ReceivedHandle {
public:
    ReceivedHandle(const ReceivedHandle&) = delete;
    ReceivedHandle& operator=(const ReceivedHandle&) = delete;
    ~ReceivedHandle();

    const std::string& type() const { return type_; }  // as the sender named it
    uv_handle_type kind() const;                       // UV_TCP, UV_NAMED_PIPE or UV_UDP
    // For "dgram.Socket": the socket type the sender named ("udp4" or "udp6").
    const std::string& dgramType() const { return dgramType_; }
    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(handle_); }
    uv_handle_t* handle() { return handle_; }
    // Re-send it (to another child, as cluster does).
    SendHandle asSendHandle() { return {type_, handle_}; }
    void close();

private:
    friend struct ReceivedHandleAccess;
    ReceivedHandle() = default;
    std::string type_;
    std::string key_;  // net.Socket from a server: Node's connection key
    std::string dgramType_;
    uv_handle_t* handle_ = nullptr;
    std::function<void()> onClose_;
};

class Value;  // childproc/value.hpp
using MessageListener = std::function<void(const nlohmann::json& message, std::shared_ptr<ReceivedHandle> handle)>;
// A message whole (serialization 'advanced': Buffers, Dates, Maps, …; see value.hpp).
using ValueMessageListener = std::function<void(const Value& message, std::shared_ptr<ReceivedHandle> handle)>;
using SendCallback = std::function<void(const std::optional<Error>& error)>;

struct IncomingMessage;  // childproc/incoming_message.hpp

// Node's child.channel / process.channel: ref(), unref(), fd.
class CHILDPROC_EXPORT ChannelControl {
public:
    virtual ~ChannelControl() = default;
    virtual void ref() = 0;
    virtual void unref() = 0;
    virtual int fd() const = 0;
    // Beyond Node: see every line on the wire, ours and the peer's, control messages
    // included (the CLI's --trace). `outgoing` is true for what we send.
    virtual void onWire(std::function<void(bool outgoing, std::string_view bytes)> tap) = 0;
};

}  // namespace childproc

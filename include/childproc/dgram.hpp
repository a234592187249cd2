// SPDX-License-Identifier: MIT
#pragma once
// Node's dgram: UDP sockets. bind, send, 'message'; passing a socket to another
// process (SendHandle::dgram, and bind(receivedHandle) on the other side); and in
// a cluster worker bind() shares the primary's socket, as Node's workers do.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>

#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/export.hpp"
#include "childproc/ipc.hpp"
#include "childproc/net.hpp"

namespace childproc::detail {
class TickQueue;
struct DgramAccess;
}  // namespace childproc::detail

namespace childproc::dgram {

// Node's 'udp4' / 'udp6'.
enum class Type { udp4, udp6 };

// The sender of a message: Node's rinfo.
struct RemoteInfo {
    std::string address;
    std::string family;  // "IPv4" or "IPv6"
    int port = 0;
    std::size_t size = 0;
};

// dgram.createSocket(options).
struct SocketOptions {
    Type type = Type::udp4;
    bool reuseAddr = false;
    bool ipv6Only = false;
    uv_loop_t* loop = nullptr;  // default: the default loop
};

// socket.bind(options).
struct BindOptions {
    int port = 0;
    std::optional<std::string> address;  // default: '0.0.0.0' (udp4) or '::' (udp6)
    bool exclusive = false;              // in a cluster worker: bind here, not through the primary
};

using MessageListener = std::function<void(std::string_view message, const RemoteInfo& rinfo)>;
// send()'s callback: an error, or the bytes sent.
using SendCallback = std::function<void(const std::optional<Error>& error, std::size_t bytes)>;

class Socket;
// dgram.createSocket(type[, onMessage]).
CHILDPROC_EXPORT std::shared_ptr<Socket> createSocket(Type type, MessageListener onMessage = {});
CHILDPROC_EXPORT std::shared_ptr<Socket> createSocket(SocketOptions options, MessageListener onMessage = {});

class CHILDPROC_EXPORT Socket : public std::enable_shared_from_this<Socket> {
public:
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket();

    Subscription onMessage(MessageListener fn, Listen how = Listen::on);
    Subscription onListening(std::function<void()> fn, Listen how = Listen::on);
    // Bind errors, and send errors without a callback: Node's ExceptionWithHostPort
    // ("bind EADDRINUSE 0.0.0.0:41234"), code, errnum, syscall, address, port.
    Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);
    Subscription onClose(std::function<void()> fn, Listen how = Listen::on);

    // Throws ERR_SOCKET_ALREADY_BOUND when bound or binding, ERR_SOCKET_BAD_PORT.
    void bind(int port = 0, std::function<void()> onListening = {});
    void bind(int port, const std::string& address, std::function<void()> onListening = {});
    void bind(BindOptions options, std::function<void()> onListening = {});
    // Node's socket.bind(handle): take a UDP socket another process sent
    // ("dgram.Socket" or "dgram.Native"). Throws ERR_INVALID_ARG_TYPE for another kind.
    void bind(std::shared_ptr<ReceivedHandle> handle, std::function<void()> onListening = {});

    // Node's send(msg, port[, address][, cb]). Address: an IP literal or
    // "localhost"; default '127.0.0.1' (udp4) or '::1' (udp6). An unbound socket
    // binds to port 0 first, as Node's does. Throws ERR_SOCKET_BAD_PORT for port 0
    // or beyond 65535, ERR_SOCKET_DGRAM_NOT_RUNNING once closed.
    void send(std::string message, int port, SendCallback cb = {});
    void send(std::string message, int port, const std::string& address, SendCallback cb = {});

    // Throws ERR_SOCKET_DGRAM_NOT_RUNNING when already closed.
    void close(std::function<void()> onClose = {});
    // Throws EBADF ("getsockname EBADF") when not bound, as Node's address().
    net::Address address() const;
    Socket& ref();
    Socket& unref();

    Type type() const { return type_; }
    uv_udp_t* handle() const { return handle_; }  // nullptr until bound
    // To pass this bound socket to another process: child->send(msg, socket->sendHandle()).
    SendHandle sendHandle() const { return SendHandle::dgram(handle_, type_ == Type::udp6); }
    uv_loop_t* loop() const { return loop_; }

private:
    friend struct detail::DgramAccess;
    friend std::shared_ptr<Socket> createSocket(SocketOptions, MessageListener);
    explicit Socket(const SocketOptions& options);

    enum class BindState { unbound, binding, bound };

    void startListening(uv_udp_t* handle);
    void bindFailed(int err, const std::string& address, int port);
    void doSend(std::string message, int port, const std::string& address, SendCallback cb);
    void sendFailed(Error e, SendCallback cb);
    void onRecv(ssize_t nread, const uv_buf_t* buf, const sockaddr* from);
    void releaseHandle();
    void applyRef();

    uv_loop_t* loop_;
    Type type_;
    unsigned flags_;  // UV_UDP_REUSEADDR, UV_UDP_IPV6ONLY
    uv_udp_t* handle_ = nullptr;
    std::shared_ptr<ReceivedHandle> received_;  // the handle came from another process (it owns it)
    std::function<void()> onRelease_;           // a cluster worker tells its primary
    BindState bindState_ = BindState::unbound;
    bool closed_ = false;
    bool unref_ = false;
    std::shared_ptr<detail::TickQueue> ticks_;
    std::shared_ptr<Socket> self_;                  // alive while bound or binding
    std::vector<std::function<void()>> afterBind_;  // sends waiting for an implicit bind, once-listeners
    Listeners<std::string_view, const RemoteInfo&> message_;
    Listeners<> listening_, close_;
    Listeners<const Error&> error_;
};

}  // namespace childproc::dgram

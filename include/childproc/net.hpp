// SPDX-License-Identifier: MIT
#pragma once
// Node's net.createServer() and server.listen() for TCP and Unix sockets: what a
// cluster worker needs to serve a port. In a cluster worker, listen() asks the
// primary (Node's queryServer): under round-robin the primary accepts and hands
// each connection over; under 'none' it binds once and every worker accepts on the
// shared socket; under 'reuseport' each worker gets a socket of its own. Anywhere
// else listen() binds here, or takes a socket-activation socket. Connections are
// Streams on a TCP or pipe handle.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <uv.h>

#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/export.hpp"
#include "childproc/ipc.hpp"
#include "childproc/stream.hpp"

namespace childproc::detail {
class Listener;
class TickQueue;
struct ServerAccess;
}  // namespace childproc::detail

namespace childproc::net {

using Socket = Stream;
using ConnectionListener = std::function<void(std::shared_ptr<Socket> socket)>;

// server.address(): { address, family, port }. A Unix socket's is its path, family "unix".
struct Address {
    std::string address;
    std::string family;  // "IPv4", "IPv6" or "unix"
    int port = 0;
};

// server.listen(options).
struct ListenOptions {
    int port = 0;
    // A Unix socket instead of TCP (Node's listen(path)): host and port are ignored.
    std::optional<std::string> path;
    // A socket already open here, TCP or Unix, bound or listening (Node's listen({fd})).
    // We listen on a duplicate: the fd stays the caller's to close.
    std::optional<int> fd;
    // Unset, as in Node: '::' (IPv4 too, dual stack), or '0.0.0.0' without IPv6.
    std::optional<std::string> host;
    int backlog = 511;
    bool ipv6Only = false;
    // In a cluster worker: bind here instead of sharing the primary's socket.
    bool exclusive = false;
};

// Socket activation (systemd's sd_listen_fds): the sockets a service manager
// passed us, from fd 3, when LISTEN_PID is ours. Read on first use, which also
// makes them close-on-exec and clears LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES.
// listen(port) and listen(path) use the passed socket bound to that port or path
// instead of binding; so does a cluster primary for its workers' listens.
struct ListenFd {
    int fd;
    std::string name;  // from LISTEN_FDNAMES (systemd's FileDescriptorName=), else "unknown"
};
CHILDPROC_EXPORT const std::vector<ListenFd>& listenFds();

class Server;
// net.createServer([connectionListener]) on the default loop (or `loop`).
CHILDPROC_EXPORT std::shared_ptr<Server> createServer(ConnectionListener onConnection = {}, uv_loop_t* loop = nullptr);

class CHILDPROC_EXPORT Server : public std::enable_shared_from_this<Server> {
public:
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server();

    Subscription onConnection(ConnectionListener fn, Listen how = Listen::on);
    Subscription onListening(std::function<void()> fn, Listen how = Listen::on);
    // Bind and listen errors: Node's ExceptionWithHostPort ("listen EADDRINUSE: address
    // already in use :::8000"; in a worker "bind EADDRINUSE null:8000"), code, errnum, syscall.
    Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);
    Subscription onClose(std::function<void()> fn, Listen how = Listen::on);

    void listen(ListenOptions options, std::function<void()> onListening = {});
    void listen(int port, std::function<void()> onListening = {});
    void listen(int port, const std::string& host, std::function<void()> onListening = {});
    // A Unix socket at `path` (removed again on close, as libuv does).
    void listen(const std::string& path, std::function<void()> onListening = {});
    // server.listen(handle): accept on a listening socket another process sent us
    // (a ReceivedHandle of type net.Server or net.Native), as Node's children do.
    void listen(std::shared_ptr<ReceivedHandle> handle, std::function<void()> onListening = {});
    // Stop accepting. 'close' (and cb) come once every connection made through
    // this server has closed too, as in Node. Closing a server that is not
    // listening gives cb ERR_SERVER_NOT_RUNNING.
    void close(std::function<void(const std::optional<Error>&)> cb = {});

    // Node's server.ref()/unref(): whether the listening socket keeps the loop
    // running (connections keep theirs). Kept until listen() when not yet listening.
    // A worker's round-robin server has no socket of its own: no effect, as in Node.
    Server& ref();
    Server& unref();

    bool listening() const { return listening_; }
    // The listening socket, to pass to another process: SendHandle::server(server->handle()).
    // nullptr unless listening on a socket of our own (not through a cluster primary).
    uv_stream_t* handle() const;
    std::optional<Address> address() const;
    // server.maxConnections: beyond it connections are closed (a cluster worker
    // declines them, and the primary hands them to another worker).
    std::optional<std::size_t> maxConnections;
    std::size_t connections() const { return connections_; }
    uv_loop_t* loop() const { return loop_; }

private:
    friend struct detail::ServerAccess;
    friend std::shared_ptr<Server> createServer(ConnectionListener, uv_loop_t*);
    explicit Server(uv_loop_t* loop);
    void onceListening(std::function<void()> cb);
    void startListening(std::unique_ptr<detail::Listener> listener);
    void fail(Error e);
    bool accepting() const;
    void adopt(std::shared_ptr<Socket> socket);
    void maybeClosed();
    void applyRef();

    uv_loop_t* loop_;
    std::shared_ptr<detail::TickQueue> ticks_;  // shared with the connections, which may outlive us
    std::unique_ptr<detail::Listener> listener_;
    bool listening_ = false;
    bool closing_ = false;
    bool binding_ = false;
    bool unref_ = false;
    std::size_t connections_ = 0;
    std::shared_ptr<Server> self_;  // alive while listening or while connections are open
    Listeners<std::shared_ptr<Socket>> connection_;
    Listeners<> listeningEvent_, close_;
    Listeners<const Error&> error_;
    std::vector<std::function<void(const std::optional<Error>&)>> closeCallbacks_;
};

}  // namespace childproc::net

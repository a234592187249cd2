// SPDX-License-Identifier: MIT
// net::Server::listen in a cluster worker (Node's cluster._getServer): ask the
// primary with queryServer, then either accept on the listening socket it sends
// (SCHED_NONE) or take the connections it hands over one by one (round-robin).

#include <map>
#include <set>

#include <uv.h>

#include "cluster/internal.hpp"
#include "core/timer.hpp"
#include "net/listen_hook.hpp"
#include "net/listener.hpp"
#include "net/sockets.hpp"

namespace childproc::detail::cluster {

namespace {

using nlohmann::json;

// One listen (or dgram bind) in this worker that the primary knows by key.
struct Entry {
    std::weak_ptr<net::Server> server;
    std::function<bool()> accepting = {};                                  // round-robin only
    std::function<void(std::shared_ptr<ReceivedHandle>)> connection = {};  // round-robin only
    std::weak_ptr<dgram::Socket> dgram = {};
};

struct Servers {
    std::map<std::string, Entry> byKey;
    // Node's indexes: listens per "address:port:addressType:fd", so that two
    // servers on one port in one worker get their own keys.
    std::map<std::string, std::pair<int, std::set<int>>> indexes;
};

Servers& servers() {
    static auto* s = new Servers;  // never destroyed, as the process-wide channel
    return *s;
}

void forget(const std::string& key, const std::string& indexesKey, int index) {
    auto& s = servers();
    s.byKey.erase(key);
    auto it = s.indexes.find(indexesKey);
    if (it == s.indexes.end()) return;
    it->second.second.erase(index);
    if (it->second.second.empty()) s.indexes.erase(it);
}

// Tell the primary we stopped listening on key (it closes its socket after the last worker).
void sendClose(const std::string& key) { sendToPrimary({{"act", "close"}, {"key", key}}); }

// Round-robin: the primary accepts; we get connections as 'newconn' hand-offs.
// A referenced timer keeps the worker alive as Node's fake handle does.
class RoundRobinListener : public Listener {
public:
    RoundRobinListener(uv_loop_t* loop, std::string key, std::string indexesKey, int index,
                       std::optional<net::Address> sockname)
        : key_(std::move(key)), indexesKey_(std::move(indexesKey)), index_(index), sockname_(std::move(sockname)) {
        keepAlive_.start(loop, std::chrono::milliseconds::max(), [] {});
    }
    ~RoundRobinListener() override { close({}); }

    std::optional<net::Address> address() const override { return sockname_; }

    void close(std::function<void()> done) override {
        if (keepAlive_.started()) {
            keepAlive_.close();
            sendClose(key_);
            forget(key_, indexesKey_, index_);
        }
        if (done) done();
    }

private:
    std::string key_, indexesKey_;
    int index_;
    std::optional<net::Address> sockname_;
    detail::Timer keepAlive_;
};

// SCHED_NONE: every worker accepts on the primary's socket.
class SharedListener : public Listener {
public:
    SharedListener(std::unique_ptr<Listener> inner, std::string key, std::string indexesKey, int index)
        : inner_(std::move(inner)), key_(std::move(key)), indexesKey_(std::move(indexesKey)), index_(index) {}
    ~SharedListener() override { close({}); }

    std::optional<net::Address> address() const override { return inner_ ? inner_->address() : std::nullopt; }

    void close(std::function<void()> done) override {
        if (inner_) {
            sendClose(key_);
            forget(key_, indexesKey_, index_);
            std::exchange(inner_, nullptr)->close(std::move(done));
        } else if (done) {
            done();
        }
    }

private:
    std::unique_ptr<Listener> inner_;
    std::string key_, indexesKey_;
    int index_;
};

std::optional<net::Address> sockname(const json& reply) {
    auto it = reply.find("sockname");
    if (it == reply.end() || !it->is_object()) return std::nullopt;
    return net::Address{stringField(*it, "address"), stringField(*it, "family"), intField(*it, "port")};
}

// Node's errno in a reply: null or 0 for success, else a negative errno.
int replyErrno(const json& reply) { return intField(reply, "errno", 0); }

// Node's ExceptionWithHostPort as a worker sees it: "bind EADDRINUSE null:8000".
Error bindError(int err, const json& address, int port) {
    const std::string host = address.is_string() ? address.get<std::string>() : "null";
    Error e("bind " + errorName(err) + " " + host + ":" + std::to_string(port), errorName(err));
    e.errnum = err;
    e.syscall = "bind";
    if (address.is_string()) e.address = address.get<std::string>();
    e.port = port;
    return e;
}

}  // namespace

namespace {

// Node's net: listen() in a worker goes through the primary unless `exclusive`.
bool listenThroughPrimary(net::Server& server, const net::ListenOptions& options) {
    if (options.exclusive || !isWorkerProcess()) return false;
    clusterListen(server, options);
    return true;
}

// Node's dgram: bind() in a worker goes through the primary unless `exclusive`;
// the primary binds once and every worker receives on the shared socket.
bool bindThroughPrimary(dgram::Socket& socket, const dgram::BindOptions& o, const std::string& address,
                        unsigned flags) {
    if (o.exclusive || !isWorkerProcess()) return false;
    const std::string type = socket.type() == dgram::Type::udp4 ? "udp4" : "udp6";
    const std::string indexesKey = address + ":" + std::to_string(o.port) + ":" + type + ":-1";
    auto& slot = servers().indexes[indexesKey];
    const int index = slot.first++;
    slot.second.insert(index);
    const json query = {{"act", "queryServer"}, {"index", index},      {"data", nullptr}, {"address", address},
                        {"port", o.port},       {"addressType", type}, {"fd", -1},        {"flags", flags}};
    std::weak_ptr<dgram::Socket> weak = socket.shared_from_this();
    auto onReply = [weak, query, indexesKey, index, address, port = o.port](const json& reply,
                                                                            std::shared_ptr<ReceivedHandle> handle) {
        const std::string key = stringField(reply, "key");
        int err = replyErrno(reply);
        if (err == 0 && !handle) err = UV_EINVAL;
        auto owner = weak.lock();
        if (err != 0 || !owner) {
            if (handle) handle->close();
            if (err == 0) sendClose(key);  // it went away meanwhile: the primary may close its socket
            forget(key, indexesKey, index);
            if (owner) DgramAccess::bindFailed(*owner, err, address, port);
            return;
        }
        servers().byKey[key] = Entry{{}, {}, {}, weak};
        DgramAccess::bound(*owner, std::move(handle), [key, indexesKey, index] {
            sendClose(key);
            forget(key, indexesKey, index);
        });
        if (auto w = thisWorker())
            childproc::cluster::WorkerAccess::setState(*w, childproc::cluster::WorkerState::listening);
        json listening = query;  // as for net: the query again, as 'listening', with the real port
        listening["act"] = "listening";
        try {
            listening["port"] = owner->address().port;
        } catch (const Error&) {
            // closed meanwhile: the asked port stands
        }
        sendToPrimary(std::move(listening));
    };
    if (!sendToPrimary(query, std::move(onReply))) {
        forget("", indexesKey, index);
        DgramAccess::bindFailed(socket, UV_ENOTCONN, address, o.port);
    }
    return true;
}

// Installed before main: this file is linked whenever the cluster API is.
[[maybe_unused]] const bool hookInstalled =
    (setListenHook(&listenThroughPrimary), setDgramBindHook(&bindThroughPrimary), true);

}  // namespace

namespace {

// Node's listenInCluster: the queryServer message, and the key under which the
// worker numbers its servers at one address. A path is an address with port and
// addressType -1; an fd (the primary's) comes with null address and port.
struct ListenQuery {
    json message;
    std::string indexesKey;
    int index = 0;
};

ListenQuery listenQuery(const net::ListenOptions& o) {
    json address = o.host ? json(*o.host) : json(nullptr);
    json port = o.port;
    int addressType = o.host && o.host->find(':') != std::string::npos ? 6 : 4;
    if (o.path) {
        address = *o.path;
        port = -1;
        addressType = -1;
    } else if (o.fd) {
        address = nullptr;
        port = nullptr;
        addressType = -1;
    }
    ListenQuery q;
    q.indexesKey = (address.is_string() ? address.get<std::string>() : "null") + ":" +
                   (port.is_null() ? "null" : std::to_string(port.get<int>())) + ":" + std::to_string(addressType) +
                   ":" + (o.fd ? std::to_string(*o.fd) : "undefined");
    auto& slot = servers().indexes[q.indexesKey];
    q.index = slot.first++;
    slot.second.insert(q.index);
    q.message = {{"act", "queryServer"}, {"index", q.index},           {"data", nullptr},     {"address", address},
                 {"port", port},         {"addressType", addressType}, {"backlog", o.backlog}};
    if (o.fd) q.message["fd"] = *o.fd;
    if (o.ipv6Only) q.message["flags"] = UV_TCP_IPV6ONLY;
    return q;
}

// Round-robin: connections come as 'newconn' hand-offs while the server accepts.
Entry roundRobinEntry(const std::weak_ptr<net::Server>& weak) {
    return Entry{weak,
                 [weak] {
                     auto s = weak.lock();
                     return s && ServerAccess::accepting(*s);
                 },
                 [weak](std::shared_ptr<ReceivedHandle> h) {
                     auto s = weak.lock();
                     if (!s) return;
                     if (auto socket = adoptSocket(*s, *h)) ServerAccess::adopt(*s, std::move(socket));
                 }};
}

// The primary's answer: a handle to listen on (shared), none (round-robin), or an errno.
void onListenReply(const std::weak_ptr<net::Server>& weak, const net::ListenOptions& o, const ListenQuery& q,
                   const json& reply, std::shared_ptr<ReceivedHandle> handle) {
    auto srv = weak.lock();
    if (!srv) return;
    const std::string key = stringField(reply, "key");
    int err = replyErrno(reply);
    std::unique_ptr<Listener> listener;
    if (handle && err == 0) {
        servers().byKey[key] = Entry{weak, {}, {}};
        err = o.path || o.fd ? 0 : checkBoundPort(reinterpret_cast<uv_stream_t*>(handle->handle()), o.port);
        if (err == 0) {
            BindResult r = listenOnReceived(*srv, std::move(handle), o.backlog);
            err = r.error;
            if (r.listener)
                listener = std::make_unique<SharedListener>(std::move(r.listener), key, q.indexesKey, q.index);
        }
        if (err) {
            sendClose(key);
            forget(key, q.indexesKey, q.index);
        }
    } else if (err == 0) {
        servers().byKey[key] = roundRobinEntry(weak);
        listener = std::make_unique<RoundRobinListener>(srv->loop(), key, q.indexesKey, q.index, sockname(reply));
    } else {
        forget(key, q.indexesKey, q.index);
    }
    if (err) return ServerAccess::fail(*srv, bindError(err, q.message.at("address"), o.port));
    const int realPort = listener->address() ? listener->address()->port : o.port;
    ServerAccess::startListening(*srv, std::move(listener));
    if (auto w = thisWorker())
        childproc::cluster::WorkerAccess::setState(*w, childproc::cluster::WorkerState::listening);
    json listening = q.message;  // Node re-sends its query as 'listening', with the real port
    listening["act"] = "listening";
    if (!o.path && !o.fd) listening["port"] = realPort;
    sendToPrimary(std::move(listening));
}

}  // namespace

void clusterListen(net::Server& server, const net::ListenOptions& o) {
    ListenQuery q = listenQuery(o);
    std::weak_ptr<net::Server> weak = server.shared_from_this();
    auto onReply = [weak, o, q](const json& reply, std::shared_ptr<ReceivedHandle> handle) {
        onListenReply(weak, o, q, reply, std::move(handle));
    };
    if (!sendToPrimary(q.message, std::move(onReply))) {
        forget("", q.indexesKey, q.index);
        ServerAccess::fail(server, Error("Channel closed", "ERR_IPC_CHANNEL_CLOSED"));
    }
}

void onNewConnection(const json& message, std::shared_ptr<ReceivedHandle> handle) {
    auto& s = servers();
    auto it = s.byKey.find(stringField(message, "key"));
    const bool accepted = handle && it != s.byKey.end() && it->second.accepting && it->second.accepting();
    sendToPrimary({{"ack", message.value("seq", json())}, {"accepted", accepted}});
    if (accepted) it->second.connection(std::move(handle));
    else if (handle) handle->close();
}

void closeWorkerServers(std::function<void()> done) {
    // Node closes each server and waits for its connections before disconnecting.
    auto waiting = std::make_shared<int>(1);
    auto finish = std::make_shared<std::function<void()>>(std::move(done));
    auto check = [waiting, finish] {
        if (--*waiting == 0 && *finish) (*finish)();
    };
    std::vector<std::shared_ptr<net::Server>> open;
    std::vector<std::shared_ptr<dgram::Socket>> sockets;
    for (auto& [key, entry] : servers().byKey) {
        if (auto srv = entry.server.lock()) open.push_back(std::move(srv));
        if (auto socket = entry.dgram.lock()) sockets.push_back(std::move(socket));
    }
    for (auto& srv : open) {
        ++*waiting;
        srv->close([check](const std::optional<Error>&) { check(); });
    }
    for (auto& socket : sockets) {
        ++*waiting;
        socket->close(check);
    }
    check();
}

}  // namespace childproc::detail::cluster

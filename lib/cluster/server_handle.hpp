// SPDX-License-Identifier: MIT
#pragma once
// The primary's side of one listen shared by workers (Node's RoundRobinHandle
// and SharedHandle), by queryServer key.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "childproc/ipc.hpp"
#include "cluster/internal.hpp"
#include "net/sockets.hpp"

namespace childproc::detail::cluster {

class ServerHandle {
public:
    // The reply to a worker's queryServer: errno (null, 0 or a negative errno),
    // extra fields (sockname), and the listening handle to pass (SCHED_NONE).
    using Reply = std::function<void(const nlohmann::json& errnum, nlohmann::json extra, const SendHandle* handle)>;

    virtual ~ServerHandle() = default;
    virtual void add(const WorkerPtr& worker, Reply reply) = 0;
    // True when that was the last worker: the primary's socket is closed.
    virtual bool remove(const WorkerPtr& worker) = 0;

    nlohmann::json data;  // Node's custom server data, from the first query
};

// What the worker asked for: the bind (address, port, ipv6Only; or a Unix path; or
// an fd of ours: Node's listen({fd}) in a worker names the primary's fd), backlog;
// for dgram, its type ("udp4"/"udp6") and libuv's UV_UDP_* flags.
struct Query {
    BindSpec bind;
    int backlog = 511;
    std::string udpType;  // empty for TCP
    unsigned udpFlags = 0;
};

std::unique_ptr<ServerHandle> makeRoundRobinHandle(const std::string& key, const Query& q);
std::unique_ptr<ServerHandle> makeSharedHandle(const Query& q);
std::unique_ptr<ServerHandle> makeReusePortHandle(const Query& q);

}  // namespace childproc::detail::cluster

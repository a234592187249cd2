// SPDX-License-Identifier: MIT
// SCHED_NONE (Node's SharedHandle): the primary binds once and passes the bound
// socket to every worker, which listen and accept on it themselves. UDP sockets
// are always shared this way.

#include <set>

#include "childproc/spawn.hpp"
#include "cluster/server_handle.hpp"
#include "net/listener.hpp"
#include "net/sockets.hpp"
#include "net/udp.hpp"

namespace childproc::detail::cluster {

namespace {

class SharedHandle : public ServerHandle {
public:
    explicit SharedHandle(const Query& q) {
        if (q.udpType.empty()) {
            errno_ = bindServer(defaultLoop(), q.bind, &stream_);
        } else {
            // Node's dgram._createSocketHandle: the worker always names the address.
            errno_ = bindUdpHandle(defaultLoop(), q.udpType == "udp6", q.bind.host.value_or(""), q.bind.port,
                                   q.udpFlags, &udp_);
        }
    }
    ~SharedHandle() override { closeHandle(); }

    void add(const WorkerPtr& worker, Reply reply) override {
        workers_.insert(worker->id());
        if (stream_) {
            const SendHandle h = SendHandle::native(stream_);
            reply(errno_, nlohmann::json::object(), &h);
        } else if (udp_) {
            const SendHandle h = SendHandle::dgramNative(udp_);
            reply(errno_, nlohmann::json::object(), &h);
        } else {
            reply(errno_, nlohmann::json::object(), nullptr);
        }
    }

    bool remove(const WorkerPtr& worker) override {
        if (!workers_.erase(worker->id()) || !workers_.empty()) return false;
        closeHandle();
        return true;
    }

private:
    void closeHandle() {
        if (stream_) closeSocket(std::exchange(stream_, nullptr), {});
        if (udp_) closeUdp(std::exchange(udp_, nullptr));
    }

    int errno_ = 0;
    uv_stream_t* stream_ = nullptr;  // TCP or Unix
    uv_udp_t* udp_ = nullptr;
    std::set<int> workers_;
};

}  // namespace

std::unique_ptr<ServerHandle> makeSharedHandle(const Query& q) { return std::make_unique<SharedHandle>(q); }

}  // namespace childproc::detail::cluster

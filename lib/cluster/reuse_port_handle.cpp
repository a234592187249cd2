// SPDX-License-Identifier: MIT
// SCHED_REUSEPORT (beyond Node 20): each worker gets a listening socket of its
// own, bound with SO_REUSEPORT to the one port, and the kernel spreads the
// connections. The primary keeps its copy of each socket while a worker uses it,
// so that a reload's replacement takes over its predecessor's socket and the
// connections queued there: closing a SO_REUSEPORT socket resets its queue.

#include <algorithm>
#include <list>
#include <set>

#include "childproc/spawn.hpp"
#include "cluster/server_handle.hpp"
#include "net/tcp.hpp"

namespace childproc::detail::cluster {

namespace {

class ReusePortHandle : public ServerHandle {
public:
    explicit ReusePortHandle(const Query& q) : query_(q) {}
    ~ReusePortHandle() override {
        for (auto& slot : slots_) closeTcp(slot.socket, {});
    }

    void add(const WorkerPtr& worker, Reply reply) override {
        Slot* slot = nullptr;
        if (auto before = predecessorOf(worker->id())) slot = find(*before);
        if (!slot) {
            uv_tcp_t* socket = nullptr;
            // Port 0: the first socket picks the port and the others join it.
            const int port = port_ ? port_ : query_.port;
            if (int err = bindTcpHandle(defaultLoop(), query_.address, port, query_.ipv6Only, &socket, true))
                return reply(err, nlohmann::json::object(), nullptr);
            if (!port_) {
                sockaddr_storage ss{};
                int len = sizeof ss;
                if (uv_tcp_getsockname(socket, reinterpret_cast<sockaddr*>(&ss), &len) == 0)
                    if (auto a = addressOf(ss)) port_ = a->port;
            }
            slot = &slots_.emplace_back(Slot{socket, {}});
        }
        slot->workers.insert(worker->id());
        const SendHandle h = SendHandle::native(reinterpret_cast<uv_stream_t*>(slot->socket));
        reply(0, nlohmann::json::object(), &h);
    }

    bool remove(const WorkerPtr& worker) override {
        auto it = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.workers.count(worker->id()); });
        if (it == slots_.end()) return false;
        it->workers.erase(worker->id());
        if (it->workers.empty()) {
            closeTcp(it->socket, {});
            slots_.erase(it);
        }
        return slots_.empty();
    }

private:
    struct Slot {
        uv_tcp_t* socket;
        std::set<int> workers;  // more than one while a replacement takes over
    };

    Slot* find(int workerId) {
        for (auto& slot : slots_)
            if (slot.workers.count(workerId)) return &slot;
        return nullptr;
    }

    Query query_;
    int port_ = 0;
    std::list<Slot> slots_;  // stable addresses
};

}  // namespace

std::unique_ptr<ServerHandle> makeReusePortHandle(const Query& q) { return std::make_unique<ReusePortHandle>(q); }

}  // namespace childproc::detail::cluster

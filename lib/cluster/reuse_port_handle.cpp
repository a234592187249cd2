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
#include "net/sockets.hpp"

namespace childproc::detail::cluster {

namespace {

class ReusePortHandle : public ServerHandle {
public:
    explicit ReusePortHandle(const Query& q) : query_(q) {}
    ~ReusePortHandle() override {
        for (auto& slot : slots_) closeSocket(slot.socket, {});
    }

    void add(const WorkerPtr& worker, Reply reply) override {
        Slot* slot = nullptr;
        if (auto before = predecessorOf(worker->id())) slot = find(*before);
        if (!slot) {
            uv_stream_t* socket = nullptr;
            BindSpec spec = query_.bind;
            spec.reusePort = true;
            if (port_) spec.port = port_;  // port 0: the first socket picks the port and the others join it
            if (int err = bindServer(defaultLoop(), spec, &socket))
                return reply(err, nlohmann::json::object(), nullptr);
            if (auto a = socketAddress(socket); a && !port_) port_ = a->port;
            slot = &slots_.emplace_back(Slot{socket, {}});
        }
        slot->workers.insert(worker->id());
        const SendHandle h = SendHandle::native(slot->socket);
        reply(0, nlohmann::json::object(), &h);
    }

    bool remove(const WorkerPtr& worker) override {
        auto it =
            std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.workers.count(worker->id()); });
        if (it == slots_.end()) return false;
        it->workers.erase(worker->id());
        if (it->workers.empty()) {
            closeSocket(it->socket, {});
            slots_.erase(it);
        }
        return slots_.empty();
    }

private:
    struct Slot {
        uv_stream_t* socket;
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

// SPDX-License-Identifier: MIT
// Round-robin (Node's RoundRobinHandle): the primary listens and accepts, and
// hands each connection to a free worker as a net.Native handle. A worker has at
// most one hand-off in flight; its reply (accepted or not) frees it for the
// next, and a declined connection goes to another worker.

#include <deque>
#include <map>
#include <set>

#include "childproc/spawn.hpp"
#include "cluster/server_handle.hpp"
#include "core/guard.hpp"
#include "net/listener.hpp"
#include "net/sockets.hpp"

namespace childproc::detail::cluster {

namespace {

class RoundRobinHandle : public ServerHandle {
public:
    RoundRobinHandle(std::string key, const Query& q) : key_(std::move(key)) {
        errno_ = bindServer(defaultLoop(), q.bind, &listener_);
        if (errno_) return;
        listener_->data = this;
        errno_ = uv_listen(listener_, q.backlog, [](uv_stream_t* s, int status) {
            auto* self = static_cast<RoundRobinHandle*>(s->data);
            guarded(s->loop, [&] { self->onConnection(status); });
        });
        if (errno_) closeSocket(std::exchange(listener_, nullptr), {});
    }

    ~RoundRobinHandle() override { closeAll(); }

    void add(const WorkerPtr& worker, Reply reply) override {
        if (errno_) return reply(errno_, nlohmann::json::object(), nullptr);
        all_[worker->id()] = worker;
        nlohmann::json extra = nlohmann::json::object();
        if (listener_->type == UV_TCP)
            if (auto a = socketAddress(listener_))
                extra["sockname"] = {{"address", a->address}, {"family", a->family}, {"port", a->port}};
        reply(nullptr, std::move(extra), nullptr);
        handoff(worker->id());  // connections may be waiting already
    }

    bool remove(const WorkerPtr& worker) override {
        const int id = worker->id();
        if (!all_.erase(id)) return false;
        std::erase(free_, id);
        // A hand-off the worker will never answer: nobody serves that connection.
        if (auto it = inFlight_.find(id); it != inFlight_.end()) {
            release(it->second);
            inFlight_.erase(it);
        }
        if (!all_.empty()) return false;
        closeAll();
        return true;
    }

private:
    void onConnection(int status) {
        if (status < 0) return;  // Node skips a failed accept
        uv_stream_t* client = newClientFor(listener_);
        if (uv_accept(listener_, client) != 0) {
            closeSocket(client, {});
            return;
        }
        distribute(client);
    }

    void distribute(uv_stream_t* client) {
        pending_.push_back(client);
        if (free_.empty()) return;
        const int id = free_.front();
        free_.pop_front();
        handoff(id);
    }

    void handoff(int id) {
        auto it = all_.find(id);
        if (it == all_.end() || inFlight_.count(id)) return;  // closing, or already busy
        if (pending_.empty()) {
            free_.push_back(id);
            return;
        }
        WorkerPtr worker = it->second.lock();
        if (!worker) return;
        uv_stream_t* client = pending_.front();
        pending_.pop_front();
        inFlight_[id] = client;
        publishWorker(diagnostics::Kind::connection, *worker);
        const SendHandle h = SendHandle::native(client);
        std::weak_ptr<bool> alive = alive_;
        writing_.insert(client);
        const bool sent = sendToWorker(
            worker, {{"act", "newconn"}, {"key", key_}}, &h,
            [this, alive, id, client](const nlohmann::json& reply, std::shared_ptr<ReceivedHandle>) {
                if (alive.expired()) return;
                auto f = inFlight_.find(id);
                if (f == inFlight_.end() || f->second != client) return;  // the worker was removed meanwhile
                inFlight_.erase(f);
                if (reply.value("accepted", false)) release(client);
                else distribute(client);  // the worker is shutting down: someone else
                handoff(id);
            },
            [this, alive, client](const std::optional<Error>&) {
                if (alive.expired()) return closeSocket(client, {});  // we are gone: it was left to this callback
                writing_.erase(client);
                if (orphans_.erase(client)) closeSocket(client, {});
            });
        if (!sent) {
            writing_.erase(client);
            inFlight_.erase(id);
            pending_.push_front(client);
        }
    }

    // Close a connection we no longer need, once the channel is done with it.
    void release(uv_stream_t* client) {
        if (writing_.count(client)) orphans_.insert(client);
        else closeSocket(client, {});
    }

    void closeAll() {
        for (auto* c : pending_) closeSocket(c, {});
        pending_.clear();
        for (auto& [id, c] : inFlight_) release(c);
        inFlight_.clear();
        if (listener_) closeSocket(std::exchange(listener_, nullptr), {});
    }

    std::string key_;
    int errno_ = 0;
    uv_stream_t* listener_ = nullptr;
    std::map<int, std::weak_ptr<childproc::cluster::Worker>> all_;
    std::deque<int> free_;                  // workers waiting for a connection, oldest first
    std::deque<uv_stream_t*> pending_;      // accepted, not yet handed off
    std::map<int, uv_stream_t*> inFlight_;  // worker id → the connection it has not answered for
    std::set<uv_stream_t*> writing_;        // on the way to a worker: the channel still uses them
    std::set<uv_stream_t*> orphans_;        // to close when their write is done
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for replies that outlive us
};

}  // namespace

std::unique_ptr<ServerHandle> makeRoundRobinHandle(const std::string& key, const Query& q) {
    return std::make_unique<RoundRobinHandle>(key, q);
}

}  // namespace childproc::detail::cluster

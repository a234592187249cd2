// SPDX-License-Identifier: MIT
// SCHED_NONE (Node's SharedHandle): the primary binds once and passes the bound
// socket to every worker, which listen and accept on it themselves.

#include <set>

#include "childproc/spawn.hpp"
#include "cluster/server_handle.hpp"
#include "net/listener.hpp"
#include "net/tcp.hpp"

namespace childproc::detail::cluster {

namespace {

class SharedHandle : public ServerHandle {
public:
    explicit SharedHandle(const Query& q) {
        errno_ = bindTcpHandle(defaultLoop(), q.address, q.port, q.ipv6Only, &handle_);
    }
    ~SharedHandle() override {
        if (handle_) closeTcp(handle_, {});
    }

    void add(const WorkerPtr& worker, Reply reply) override {
        workers_.insert(worker->id());
        if (handle_) {
            const SendHandle h = SendHandle::native(reinterpret_cast<uv_stream_t*>(handle_));
            reply(errno_, nlohmann::json::object(), &h);
        } else {
            reply(errno_, nlohmann::json::object(), nullptr);
        }
    }

    bool remove(const WorkerPtr& worker) override {
        if (!workers_.erase(worker->id()) || !workers_.empty()) return false;
        if (handle_) closeTcp(std::exchange(handle_, nullptr), {});
        return true;
    }

private:
    int errno_ = 0;
    uv_tcp_t* handle_ = nullptr;
    std::set<int> workers_;
};

}  // namespace

std::unique_ptr<ServerHandle> makeSharedHandle(const Query& q) { return std::make_unique<SharedHandle>(q); }

}  // namespace childproc::detail::cluster

// SPDX-License-Identifier: MIT
// This process as a cluster worker: Node's internal/cluster/child.js setup,
// disconnect and destroy. The servers it listens on are in worker_servers.cpp.

#include <cstdlib>

#include "childproc/process.hpp"
#include "cluster/internal.hpp"
#include "core/guard.hpp"
#include "core/loop.hpp"
#include "ipc/channel.hpp"
#include "ipc/process_channel.hpp"
#include "launch/inherited_channel.hpp"

namespace childproc::detail::cluster {

namespace {

using childproc::cluster::Worker;
using childproc::cluster::WorkerAccess;
using childproc::cluster::WorkerState;

struct WorkerSide {
    WorkerPtr self;
    bool destroying = false;
};

WorkerSide* side = nullptr;  // never destroyed: it lives as long as the process

bool rawSend(const nlohmann::json& m, const SendHandle* h, SendCallback cb) {
    return h ? process::send(m, *h, std::move(cb)) : process::send(m, std::move(cb));
}

void onmessage(const nlohmann::json& m, std::shared_ptr<ReceivedHandle> h) {
    const std::string act = stringField(m, "act");
    if (act == "newconn") onNewConnection(m, std::move(h));
    else if (act == "disconnect") {
        WorkerAccess::setExitedAfterDisconnect(*side->self, true);
        closeWorkerServers([] { process::disconnect(); });
    }
}

void setupWorker(int id) {
    side = new WorkerSide{WorkerAccess::make(id, nullptr)};
    WorkerAccess::setState(*side->self, WorkerState::online);
    Channel* channel = processChannel();
    if (!channel) return;  // NODE_UNIQUE_ID without a channel: a worker with no primary to talk to
    // A 'disconnect' listener keeps the channel referenced, as in Node: a worker lives
    // until its primary lets it go.
    process::onDisconnect([] {
        Worker& w = *side->self;
        if (w.state() != WorkerState::destroying) WorkerAccess::setState(w, WorkerState::disconnected);
        emitGuarded(uv_default_loop(), WorkerAccess::disconnect(w));
        // The primary went away without asking us to stop (it died): Node exits at once.
        if (!w.exitedAfterDisconnect() || side->destroying) std::exit(0);
    });
    channel->onInternalMessage(
        [](const nlohmann::json& m, std::shared_ptr<ReceivedHandle> h) { dispatch(m, std::move(h), onmessage); });
    sendToPrimary({{"act", "online"}});
}

}  // namespace

bool isWorkerProcess() {
    static const bool worker = [] {
        const auto id = detail::inheritedChannel().clusterWorkerId;  // NODE_UNIQUE_ID, gone from the environment
        if (!id) return false;
        setupWorker(*id);
        return true;
    }();
    return worker;
}

WorkerPtr thisWorker() { return isWorkerProcess() ? side->self : nullptr; }

bool sendToPrimary(nlohmann::json message, Handler reply) {
    return sendHelper(process::connected(), rawSend, std::move(message), nullptr, std::move(reply));
}

void workerDisconnect() {
    Worker& w = *side->self;
    if (w.state() == WorkerState::disconnecting || w.state() == WorkerState::destroying) return;
    WorkerAccess::setState(w, WorkerState::disconnecting);
    WorkerAccess::setExitedAfterDisconnect(w, true);
    // Wait for the primary's ack, so that it knows the exit is on purpose.
    closeWorkerServers([] {
        if (!sendToPrimary({{"act", "exitedAfterDisconnect"}},
                           [](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) { process::disconnect(); }))
            process::disconnect();
    });
}

void workerDestroy() {
    Worker& w = *side->self;
    if (w.state() == WorkerState::destroying) return;
    WorkerAccess::setExitedAfterDisconnect(w, true);
    if (!w.isConnected()) std::exit(0);
    WorkerAccess::setState(w, WorkerState::destroying);
    side->destroying = true;
    sendToPrimary({{"act", "exitedAfterDisconnect"}},
                  [](const nlohmann::json&, std::shared_ptr<ReceivedHandle>) { process::disconnect(); });
}

}  // namespace childproc::detail::cluster

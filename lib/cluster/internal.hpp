// SPDX-License-Identifier: MIT
#pragma once
// The cluster's internal API, shared by its files: the door into Worker, and the
// functions each side provides to Worker's methods.

#include "childproc/cluster.hpp"
#include "childproc/diagnostics.hpp"
#include "childproc/net.hpp"
#include "cluster/protocol.hpp"

namespace childproc::cluster {

struct WorkerAccess {
    static WorkerPtr make(int id, ChildProcessPtr process) { return WorkerPtr(new Worker(id, std::move(process))); }
    static void setState(Worker& w, WorkerState s) { w.state_ = s; }
    static void setExitedAfterDisconnect(Worker& w, bool v) { w.exitedAfterDisconnect_ = v; }
    static auto& message(Worker& w) { return w.message_; }
    static auto& online(Worker& w) { return w.online_; }
    static auto& listening(Worker& w) { return w.listening_; }
    static auto& disconnect(Worker& w) { return w.disconnect_; }
    static auto& exit(Worker& w) { return w.exit_; }
    static auto& error(Worker& w) { return w.error_; }
    static void releaseListeners(Worker& w) {
        w.message_.clear();
        w.online_.clear();
        w.listening_.clear();
        w.disconnect_.clear();
        w.exit_.clear();
        w.error_.clear();
    }
};

}  // namespace childproc::cluster

namespace childproc::detail::cluster {

using childproc::cluster::WorkerPtr;

// primary.cpp: Worker methods as the primary runs them, and sendHelper to a worker.
void primaryDisconnect(const WorkerPtr& w);
bool sendToWorker(
    const WorkerPtr& w, nlohmann::json message, const SendHandle* handle = nullptr, Handler reply = {},
    SendCallback written = [](const std::optional<Error>&) {});

// primary.cpp: a worker's event on the diagnostics channel (childproc:cluster).
void publishWorker(diagnostics::Kind kind, const childproc::cluster::Worker& w,
                   const std::function<void(diagnostics::Event&)>& more = {});

// primary.cpp: whether cluster.disconnect() is under way (no restarts then).
bool primaryDisconnecting();

// reload.cpp: the worker a replacement takes over from (reuseport hands it that socket).
std::optional<int> predecessorOf(int id);
void reloadAbort();  // cluster.disconnect() ends a reload

// deadline.cpp: SIGKILL to those of `workers` still running `after` from now.
void killAfter(const std::vector<WorkerPtr>& workers, std::chrono::milliseconds after);

// supervisor.cpp: told of each fork (its env, for a replacement) and each exit.
void supervisorForked(int id, const Env& env);
void supervisorExited(const WorkerPtr& w);
void supervisorForget(int id);  // not to be restarted (it never ran, or a reload gave up on it)
const Env* forkEnv(int id);     // a live worker's fork(env)
void supervisorRemoveAllListeners();

// worker_side.cpp: this process as a worker.
bool isWorkerProcess();   // reads and removes NODE_UNIQUE_ID on first call
WorkerPtr thisWorker();   // cluster.worker, or nullptr
void workerDisconnect();  // cluster.worker.disconnect()
void workerDestroy();     // cluster.worker.kill()
bool sendToPrimary(nlohmann::json message, Handler reply = {});

// worker_servers.cpp: net::Server::listen in a worker, through the primary.
void clusterListen(net::Server& server, const net::ListenOptions& options);
void onNewConnection(const nlohmann::json& message, std::shared_ptr<ReceivedHandle> handle);  // act 'newconn'
void closeWorkerServers(std::function<void()> done);  // every server closed, connections ended

}  // namespace childproc::detail::cluster

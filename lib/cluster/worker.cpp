// SPDX-License-Identifier: MIT
// cluster.Worker: the same object in both processes. In the primary it wraps
// the worker's ChildProcess; in the worker it is this process (cluster.worker).

#include "childproc/process.hpp"
#include "cluster/internal.hpp"

namespace childproc::cluster {

using namespace childproc::detail::cluster;

const char* stateName(WorkerState s) {
    switch (s) {
    case WorkerState::none: return "none";
    case WorkerState::online: return "online";
    case WorkerState::listening: return "listening";
    case WorkerState::disconnecting: return "disconnecting";
    case WorkerState::disconnected: return "disconnected";
    case WorkerState::destroying: return "destroying";
    case WorkerState::dead: return "dead";
    }
    return "none";
}

Worker::Worker(int id, ChildProcessPtr process) : id_(id), process_(std::move(process)) {}

bool Worker::isConnected() const { return process_ ? process_->connected() : process::connected(); }

bool Worker::isDead() const { return process_ && (process_->exitCode() || process_->signalCode()); }

bool Worker::send(const nlohmann::json& message, SendCallback cb) {
    return process_ ? process_->send(message, std::move(cb)) : process::send(message, std::move(cb));
}

bool Worker::send(const nlohmann::json& message, const SendHandle& handle, SendCallback cb) {
    return process_ ? process_->send(message, handle, std::move(cb)) : process::send(message, handle, std::move(cb));
}

Worker& Worker::disconnect() {
    if (process_) primaryDisconnect(shared_from_this());
    else workerDisconnect();
    return *this;
}

void Worker::kill(Signal sig) {
    if (process_) process_->kill(sig);
    else workerDestroy();
}

Subscription Worker::onMessage(MessageListener fn, Listen how) {
    // In the worker, messages come straight from the channel (messages that came
    // before are replayed); in the primary through the worker's process.
    return process_ ? message_.add(std::move(fn), how) : process::onMessage(std::move(fn), how);
}
Subscription Worker::onOnline(std::function<void()> fn, Listen how) { return online_.add(std::move(fn), how); }
Subscription Worker::onListening(std::function<void(const Address&)> fn, Listen how) {
    return listening_.add(std::move(fn), how);
}
Subscription Worker::onDisconnect(std::function<void()> fn, Listen how) { return disconnect_.add(std::move(fn), how); }
Subscription Worker::onExit(ExitListener fn, Listen how) { return exit_.add(std::move(fn), how); }
Subscription Worker::onError(std::function<void(const Error&)> fn, Listen how) {
    return process_ ? error_.add(std::move(fn), how) : process::onError(std::move(fn), how);
}

bool isWorker() { return isWorkerProcess(); }
bool isPrimary() { return !isWorkerProcess(); }
WorkerPtr worker() { return thisWorker(); }

}  // namespace childproc::cluster

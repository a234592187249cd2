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

Worker& Worker::onMessage(MessageListener fn) {
    // In the worker, messages come straight from the channel (messages that came
    // before are replayed); in the primary through the worker's process.
    if (process_) message_.add(std::move(fn));
    else process::onMessage(std::move(fn));
    return *this;
}
Worker& Worker::onOnline(std::function<void()> fn) {
    online_.add(std::move(fn));
    return *this;
}
Worker& Worker::onListening(std::function<void(const Address&)> fn) {
    listening_.add(std::move(fn));
    return *this;
}
Worker& Worker::onDisconnect(std::function<void()> fn) {
    disconnect_.add(std::move(fn));
    return *this;
}
Worker& Worker::onExit(ExitListener fn) {
    exit_.add(std::move(fn));
    return *this;
}
Worker& Worker::onError(std::function<void(const Error&)> fn) {
    if (process_) error_.add(std::move(fn));
    else process::onError(std::move(fn));
    return *this;
}

bool isWorker() { return isWorkerProcess(); }
bool isPrimary() { return !isWorkerProcess(); }
WorkerPtr worker() { return thisWorker(); }

}  // namespace childproc::cluster

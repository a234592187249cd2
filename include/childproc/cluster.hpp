// SPDX-License-Identifier: MIT
#pragma once
// Node's cluster: a primary forks workers that run the same program and serve
// one port together. The primary coordinates listening (net::Server::listen in
// a worker) and hands connections out round-robin, or shares its listening
// socket ('none'). The wire protocol is Node's (NODE_CLUSTER messages with
// seq/ack), so C++ and Node primaries and workers mix.
//
// The worker side starts on the first cluster call (isPrimary(), isWorker(),
// worker(), or a Server::listen): it reads and removes NODE_UNIQUE_ID and tells
// the primary it is online. Everything runs on libuv's default loop.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "childproc/child_process.hpp"
#include "childproc/export.hpp"
#include "childproc/ipc.hpp"
#include "childproc/options.hpp"
#include "childproc/signals.hpp"

namespace childproc::cluster {

// cluster.SCHED_NONE / cluster.SCHED_RR, with Node's values; reuseport is beyond
// Node 20: each worker accepts on a SO_REUSEPORT socket of its own on the one
// port, and the kernel balances (Linux hashes each connection to a socket).
enum class SchedulingPolicy { none = 1, rr = 2, reuseport = 3 };

// worker.state. The worker's own view also has disconnecting and destroying.
enum class WorkerState { none, online, listening, disconnecting, disconnected, destroying, dead };
CHILDPROC_EXPORT const char* stateName(WorkerState s);  // "none", "online", ...

// The 'listening' event's address: { addressType, address, port, fd }.
struct Address {
    int addressType = 4;                 // 4, 6, or -1 for a pipe
    bool udp = false;                    // a dgram bind: Node's addressType 'udp4' / 'udp6'
    std::optional<std::string> address;  // null when listen() named no host
    int port = 0;
};

// cluster.settings / setupPrimary(settings). Fields left unset keep their
// current value, as Node's {...cluster.settings, ...settings} does.
struct Settings {
    // The worker program; default: this program (/proc/self/exe).
    std::optional<std::string> exec;
    // Its arguments; default: ours (argv[1..]).
    std::optional<std::vector<std::string>> args;
    // To run JavaScript workers: execPath "node", exec the script. execArgv go before exec.
    // Empty: run exec itself again (settings merge, so unset cannot undo it).
    std::optional<std::string> execPath;
    std::optional<std::vector<std::string>> execArgv;
    std::optional<std::string> cwd;
    std::optional<bool> silent;  // default false
    std::optional<StdioOption> stdio;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    std::optional<Serialization> serialization;  // default json
};

class CHILDPROC_EXPORT Worker : public std::enable_shared_from_this<Worker> {
public:
    using ExitListener = std::function<void(std::optional<int> code, std::optional<std::string> signal)>;

    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    int id() const { return id_; }
    // worker.process: the worker's ChildProcess in the primary; nullptr in the worker.
    const ChildProcessPtr& process() const { return process_; }
    WorkerState state() const { return state_; }
    bool exitedAfterDisconnect() const { return exitedAfterDisconnect_; }
    bool isConnected() const;
    bool isDead() const;

    // worker.send(): in the primary to the worker, in the worker to the primary.
    bool send(const nlohmann::json& message, SendCallback cb = {});
    bool send(const nlohmann::json& message, const SendHandle& handle, SendCallback cb = {});
    // In the primary: ask the worker to close its servers and disconnect (it exits
    // when nothing else keeps it alive). In the worker: close our servers, tell the
    // primary, then disconnect.
    Worker& disconnect();
    // In the primary: worker.process.kill(sig), as Node 20 does (exitedAfterDisconnect
    // stays false). In the worker: disconnect and exit(0).
    void kill(Signal sig = SIGTERM);

    Subscription onMessage(MessageListener fn, Listen how = Listen::on);
    Subscription onOnline(std::function<void()> fn, Listen how = Listen::on);
    Subscription onListening(std::function<void(const Address&)> fn, Listen how = Listen::on);
    Subscription onDisconnect(std::function<void()> fn, Listen how = Listen::on);
    Subscription onExit(ExitListener fn, Listen how = Listen::on);
    Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);

private:
    friend struct WorkerAccess;
    Worker(int id, ChildProcessPtr process);

    int id_;
    ChildProcessPtr process_;
    WorkerState state_ = WorkerState::none;
    bool exitedAfterDisconnect_ = false;
    Listeners<const nlohmann::json&, std::shared_ptr<ReceivedHandle>> message_;
    Listeners<> online_, disconnect_;
    Listeners<const Address&> listening_;
    Listeners<std::optional<int>, std::optional<std::string>> exit_;
    Listeners<const Error&> error_;
};

using WorkerPtr = std::shared_ptr<Worker>;

CHILDPROC_EXPORT bool isPrimary();
CHILDPROC_EXPORT bool isWorker();
// cluster.worker: this worker, in a worker; nullptr in the primary.
CHILDPROC_EXPORT WorkerPtr worker();
// cluster.workers (primary): live workers by id. A worker leaves once it is both
// disconnected and dead (at once after the primary's worker.disconnect()).
CHILDPROC_EXPORT const std::map<int, WorkerPtr>& workers();

// cluster.schedulingPolicy: from NODE_CLUSTER_SCHED_POLICY ('rr', 'none' or
// 'reuseport'), default rr. Settable until the first fork() or setupPrimary().
CHILDPROC_EXPORT SchedulingPolicy schedulingPolicy();
CHILDPROC_EXPORT void setSchedulingPolicy(SchedulingPolicy policy);

// cluster.setupPrimary([settings]): merged into settings(); emits 'setup'.
CHILDPROC_EXPORT void setupPrimary(const Settings& settings = {});
CHILDPROC_EXPORT const Settings& settings();
// cluster.fork([env]): the worker gets our environment, then `env`, then NODE_UNIQUE_ID.
CHILDPROC_EXPORT WorkerPtr fork(const Env& env = {});
// cluster.disconnect([callback]): disconnect every worker; callback once none is left.
CHILDPROC_EXPORT void disconnect(std::function<void()> callback = {});
// Beyond Node: a graceful stop with a deadline. As disconnect(callback), and a worker
// still running `forceKillAfter` later (a connection that never ends, a worker
// that ignores the disconnect) is killed with SIGKILL.
CHILDPROC_EXPORT void disconnect(std::chrono::milliseconds forceKillAfter, std::function<void()> callback = {});

CHILDPROC_EXPORT Subscription onFork(std::function<void(const WorkerPtr&)> fn, Listen how = Listen::on);
CHILDPROC_EXPORT Subscription onOnline(std::function<void(const WorkerPtr&)> fn, Listen how = Listen::on);
CHILDPROC_EXPORT Subscription onListening(std::function<void(const WorkerPtr&, const Address&)> fn,
                                          Listen how = Listen::on);
CHILDPROC_EXPORT Subscription
onMessage(std::function<void(const WorkerPtr&, const nlohmann::json&, std::shared_ptr<ReceivedHandle>)> fn,
          Listen how = Listen::on);
CHILDPROC_EXPORT Subscription onDisconnect(std::function<void(const WorkerPtr&)> fn, Listen how = Listen::on);
CHILDPROC_EXPORT Subscription
onExit(std::function<void(const WorkerPtr&, std::optional<int> code, std::optional<std::string> signal)> fn,
       Listen how = Listen::on);
CHILDPROC_EXPORT Subscription onSetup(std::function<void(const Settings&)> fn, Listen how = Listen::on);
// cluster.removeAllListeners(): drop every listener added with the on* calls above.
CHILDPROC_EXPORT void removeAllListeners();

// --- Beyond Node: supervision (opt-in) ---
// A worker that exits on its own (it crashed, or something outside killed it) is
// replaced by a new one forked with the same env, after a delay that doubles with
// each restart in the window, as systemd's Restart= with StartLimitBurst and
// StartLimitIntervalSec. Not restarted: a worker after worker.disconnect() or
// worker.kill(), any worker during cluster.disconnect(), a worker that could not
// be started at all ('error' without 'exit': a wrong exec restarts nothing).
struct RestartPolicy {
    std::chrono::milliseconds delay{100};       // before the first restart in a window
    std::chrono::milliseconds maxDelay{10000};  // the doubling stops here
    unsigned burst = 5;                         // restarts allowed within `interval`...
    std::chrono::milliseconds interval{10000};  // ...past which supervision gives up
};
// Start (or retune) supervision; stopSupervising() ends it and cancels pending restarts.
CHILDPROC_EXPORT void supervise(const RestartPolicy& policy = {});
CHILDPROC_EXPORT void stopSupervising();
CHILDPROC_EXPORT bool supervising();
// A replacement was forked for a worker that died.
CHILDPROC_EXPORT Subscription onRestart(std::function<void(const WorkerPtr& dead, const WorkerPtr& replacement)> fn,
                                        Listen how = Listen::on);
// `burst` restarts came within `interval`: `dead` is not replaced and supervision
// stops (systemd's start-limit-hit); call supervise() again to resume.
CHILDPROC_EXPORT Subscription onGiveUp(std::function<void(const WorkerPtr& dead, unsigned restarts)> fn,
                                       Listen how = Listen::on);

// --- Beyond Node: rolling reload ---
// Replace every worker by a new process, one at a time, without refusing a
// connection: fork a replacement (the old one's fork env), wait until it is
// listening, then disconnect the old one gracefully, and go on to the next. The
// listening sockets stay open throughout (under reuseport the replacement takes
// over its predecessor's socket). Workers forked meanwhile are not replaced.
struct ReloadOptions {
    // Ready means 'listening'; false: 'online', for workers that serve nothing.
    bool waitForListening = true;
    // A replacement not ready by then is killed and the reload stops.
    std::chrono::milliseconds readyTimeout{30000};
    // An old worker still running this long after its disconnect is killed (SIGKILL).
    std::optional<std::chrono::milliseconds> forceKillAfter;
};
// `done` runs once every old worker has exited, or with the error that stopped the
// reload: ERR_CHILDPROC_RELOAD_FAILED (a replacement died, failed to start, or was
// not ready in time: the old workers not yet replaced keep serving),
// ERR_CHILDPROC_RELOAD_IN_PROGRESS, ERR_CHILDPROC_RELOAD_ABORTED (cluster.disconnect()).
CHILDPROC_EXPORT void reload(const ReloadOptions& options = {},
                             std::function<void(const std::optional<Error>&)> done = {});
CHILDPROC_EXPORT bool reloading();

}  // namespace childproc::cluster

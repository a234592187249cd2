// SPDX-License-Identifier: MIT
// The primary (Node's internal/cluster/primary.js): settings, fork, the workers
// map, their events, and the answers to workers' requests (online, queryServer,
// listening, close, exitedAfterDisconnect).

#include <unistd.h>
#include <fstream>
#include <iterator>
#include <set>

#include "child/child_access.hpp"
#include "childproc/fork.hpp"
#include "childproc/spawn.hpp"
#include "cluster/server_handle.hpp"
#include "core/guard.hpp"
#include "core/tick_queue.hpp"
#include "ipc/channel.hpp"
#include "spawn/convert_options.hpp"

namespace childproc::cluster {

using namespace childproc::detail::cluster;
using nlohmann::json;

namespace {

struct Primary {
    Settings settings;
    bool initialized = false;
    SchedulingPolicy policy = SchedulingPolicy::rr;
    int ids = 0;
    std::map<int, WorkerPtr> workers;
    std::map<std::string, std::unique_ptr<ServerHandle>> handles;
    std::vector<std::function<void()>> onAllGone;  // cluster.disconnect callbacks
    std::set<int> leaving;                         // disconnected by us, not exited yet
    bool disconnecting = false;                    // cluster.disconnect() until all are gone
    detail::TickQueue ticks{defaultLoop()};

    Listeners<const WorkerPtr&> fork, online, disconnect;
    Listeners<const WorkerPtr&, const Address&> listening;
    Listeners<const WorkerPtr&, const json&, std::shared_ptr<ReceivedHandle>> message;
    Listeners<const WorkerPtr&, std::optional<int>, std::optional<std::string>> exit;
    Listeners<const Settings&> setup;

    Primary() {
        const char* env = std::getenv("NODE_CLUSTER_SCHED_POLICY");
        if (env && std::string_view(env) == "none") policy = SchedulingPolicy::none;
        if (env && std::string_view(env) == "reuseport") policy = SchedulingPolicy::reuseport;
    }
};

Primary& primary() {
    static auto* p = new Primary;  // never destroyed: its tick queue lives on the default loop
    return *p;
}

void emit(auto& listeners, auto&&... args) { detail::emitGuarded(uv_default_loop(), listeners, args...); }

std::string selfExe() {
    char buf[4096];
    std::size_t n = sizeof buf;
    return uv_exepath(buf, &n) == 0 ? std::string(buf, n) : std::string();
}

// Node's process.argv.slice(2): our own arguments, for the workers (Linux's
// /proc; elsewhere the workers get none unless settings.args names them).
std::vector<std::string> selfArgs() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), {});
    std::vector<std::string> args;
    std::size_t start = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (all[i] != '\0') continue;
        args.emplace_back(all, start, i - start);
        start = i + 1;
    }
    if (!args.empty()) args.erase(args.begin());
    return args;
}

void removeHandlesForWorker(const WorkerPtr& w) {
    auto& handles = primary().handles;
    for (auto it = handles.begin(); it != handles.end();) {
        if (it->second->remove(w)) it = handles.erase(it);
        else ++it;
    }
}

// Node's intercom 'disconnect': the cluster.disconnect() callbacks, once no worker
// is left. Node runs them when the map empties, which after worker.disconnect()
// is at the first worker's exit; here they wait until every worker has exited.
void allGone() {
    auto& p = primary();
    if (!p.workers.empty() || !p.leaving.empty()) return;
    p.disconnecting = false;
    auto callbacks = std::move(p.onAllGone);
    p.onAllGone.clear();
    for (auto& cb : callbacks) detail::guarded(uv_default_loop(), cb);
}

void removeWorker(const WorkerPtr& w) {
    primary().workers.erase(w->id());
    allGone();
}

std::string keyPart(const json& v) {
    if (v.is_null()) return "null";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return v.dump();
}

void queryServer(const WorkerPtr& w, const json& m) {
    if (w->exitedAfterDisconnect()) return;  // it is on its way out
    auto& p = primary();
    const json address = m.value("address", json());
    const std::string key =
        keyPart(address) + ":" + keyPart(m.value("port", json())) + ":" + keyPart(m.value("addressType", json())) +
        ":" + (m.contains("fd") ? keyPart(m["fd"]) : "undefined") + ":" + keyPart(m.value("index", json()));
    auto it = p.handles.find(key);
    if (it == p.handles.end()) {
        Query q;
        if (address.is_string()) q.bind.host = address.get<std::string>();
        q.bind.port = intField(m, "port");
        if (intField(m, "addressType", 4) == -1 && q.bind.host) q.bind.path = std::exchange(q.bind.host, std::nullopt);
        if (intField(m, "fd", -1) >= 0) q.bind.fd = intField(m, "fd");
        q.bind.ipv6Only = (intField(m, "flags") & UV_TCP_IPV6ONLY) != 0;
        q.backlog = intField(m, "backlog", 0);
        if (q.backlog <= 0) q.backlog = 511;  // Node's workers send 0 for "unset"; listen() reads it as 511
        const json type = m.value("addressType", json());
        if (type == "udp4" || type == "udp6") {  // UDP is always shared, as in Node
            q.udpType = type.get<std::string>();
            q.udpFlags = static_cast<unsigned>(intField(m, "flags"));
        }
        std::unique_ptr<ServerHandle> handle;
        if (!q.udpType.empty() || p.policy == SchedulingPolicy::none) handle = makeSharedHandle(q);
        else if (p.policy == SchedulingPolicy::reuseport && !q.bind.path && !q.bind.fd) handle = makeReusePortHandle(q);
        else handle = makeRoundRobinHandle(key, q);
        it = p.handles.emplace(key, std::move(handle)).first;
    }
    if (it->second->data.is_null()) it->second->data = m.value("data", json());
    const json seq = m.value("seq", json());
    std::weak_ptr<Worker> weak = w;
    it->second->add(w, [key, seq, weak](const json& errnum, json extra, const SendHandle* handle) {
        auto& handles = primary().handles;
        auto h = handles.find(key);
        json data = h != handles.end() ? h->second->data : json();
        if (!errnum.is_null() && errnum != 0 && h != handles.end()) handles.erase(h);  // others may retry
        auto worker = weak.lock();
        if (!worker) return;
        json reply = {{"errno", errnum}, {"key", key}, {"ack", seq}, {"data", data}};
        for (auto& [k, v] : extra.items()) reply[k] = std::move(v);
        sendToWorker(worker, std::move(reply), handle);
    });
}

void onmessage(const WorkerPtr& w, const json& m) {
    auto& p = primary();
    const std::string act = stringField(m, "act");
    if (act == "online") {
        WorkerAccess::setState(*w, WorkerState::online);
        publishWorker(diagnostics::Kind::online, *w);
        emit(WorkerAccess::online(*w));
        emit(p.online, w);
    } else if (act == "queryServer") {
        queryServer(w, m);
    } else if (act == "listening") {
        Address info;
        const json type = m.value("addressType", json());
        info.udp = type == "udp4" || type == "udp6";
        info.addressType = info.udp ? (type == "udp6" ? 6 : 4) : intField(m, "addressType", 4);
        if (m.contains("address") && m["address"].is_string()) info.address = m["address"].get<std::string>();
        info.port = intField(m, "port");
        WorkerAccess::setState(*w, WorkerState::listening);
        if (diagnostics::hasSubscribers(diagnostics::Kind::listening)) {
            const std::string where =
                info.address ? *info.address + ":" + std::to_string(info.port) : "port " + std::to_string(info.port);
            publishWorker(diagnostics::Kind::listening, *w, [&](diagnostics::Event& e) { e.text = where; });
        }
        emit(WorkerAccess::listening(*w), info);
        emit(p.listening, w, info);
    } else if (act == "close") {
        auto it = p.handles.find(stringField(m, "key"));
        if (it != p.handles.end() && it->second->remove(w)) p.handles.erase(it);
    } else if (act == "exitedAfterDisconnect") {
        WorkerAccess::setExitedAfterDisconnect(*w, true);
        sendToWorker(w, {{"ack", m.value("seq", json())}});
    }
}

template <class T>
void merge(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}

}  // namespace

}  // namespace childproc::cluster

namespace childproc::detail::cluster {

bool sendToWorker(const WorkerPtr& w, nlohmann::json message, const SendHandle* handle, Handler reply,
                  SendCallback written) {
    const ChildProcessPtr& p = w->process();
    return sendHelper(
        p->connected(),
        [p](const nlohmann::json& m, const SendHandle* h, SendCallback cb) {
            return h ? p->send(m, *h, std::move(cb)) : p->send(m, std::move(cb));
        },
        std::move(message), handle, std::move(reply), std::move(written));
}

void primaryDisconnect(const WorkerPtr& w) {
    childproc::cluster::WorkerAccess::setExitedAfterDisconnect(*w, true);
    if (!w->isDead()) childproc::cluster::primary().leaving.insert(w->id());
    sendToWorker(w, {{"act", "disconnect"}});
    childproc::cluster::removeHandlesForWorker(w);
    childproc::cluster::removeWorker(w);
}

void publishWorker(diagnostics::Kind kind, const childproc::cluster::Worker& w,
                   const std::function<void(diagnostics::Event&)>& more) {
    diagnostics::publish(kind, [&](diagnostics::Event& e) {
        e.number = w.id();
        if (const auto& child = w.process()) {
            e.process = child->diagnosticsId();
            e.child = child.get();
            e.pid = child->pid();
        }
        if (more) more(e);
    });
}

bool primaryDisconnecting() { return childproc::cluster::primary().disconnecting; }

}  // namespace childproc::detail::cluster

namespace childproc::cluster {

const std::map<int, WorkerPtr>& workers() { return primary().workers; }

SchedulingPolicy schedulingPolicy() { return primary().policy; }

void setSchedulingPolicy(SchedulingPolicy policy) {
    if (!primary().initialized) primary().policy = policy;  // frozen by the first setupPrimary(), as in Node
}

const Settings& settings() { return primary().settings; }

void setupPrimary(const Settings& s) {
    auto& p = primary();
    Settings& cur = p.settings;
    if (!cur.exec) cur.exec = selfExe();
    if (!cur.args) cur.args = selfArgs();
    if (!cur.execArgv) cur.execArgv = std::vector<std::string>{};
    if (!cur.silent) cur.silent = false;
    if (!cur.serialization) cur.serialization = Serialization::json;
    merge(cur.exec, s.exec);
    merge(cur.args, s.args);
    merge(cur.execPath, s.execPath);
    merge(cur.execArgv, s.execArgv);
    merge(cur.cwd, s.cwd);
    merge(cur.silent, s.silent);
    merge(cur.stdio, s.stdio);
    merge(cur.uid, s.uid);
    merge(cur.gid, s.gid);
    merge(cur.serialization, s.serialization);
    p.initialized = true;
    p.ticks.post([settings = cur] { emit(primary().setup, settings); });
}

WorkerPtr fork(const Env& env) {
    setupPrimary();
    auto& p = primary();
    const Settings& s = p.settings;
    const int id = ++p.ids;
    net::listenFds();  // socket activation's variables are ours, not the workers'
    Env workerEnv = processEnv();
    for (const auto& [k, v] : env) workerEnv[k] = v;
    workerEnv["NODE_UNIQUE_ID"] = std::to_string(id);

    auto fo = detail::convertOptions<ForkOptions>(s);
    fo.env = std::move(workerEnv);
    if (!s.execPath || s.execPath->empty()) fo.execPath.reset();  // empty: run `exec` itself
    fo.execArgv = *s.execArgv;
    fo.silent = *s.silent;
    fo.serialization = *s.serialization;
    ChildProcessPtr child = childproc::fork(*s.exec, *s.args, std::move(fo));
    WorkerPtr worker = WorkerAccess::make(id, child);

    // The child's listeners hold the worker until its 'close', the last event.
    auto cell = std::make_shared<WorkerPtr>(worker);
    child->onMessage([cell](const json& m, std::shared_ptr<ReceivedHandle> h) {
        if (!*cell) return;
        emit(WorkerAccess::message(**cell), m, h);
        emit(primary().message, *cell, m, h);
    });
    child->onError([cell](const Error& e) {
        if (!*cell) return;
        const WorkerPtr w = *cell;
        detail::emitError(uv_default_loop(), WorkerAccess::error(*w), e);
        if (w->process()->pid()) return;
        // It never ran (ENOENT, EACCES, EMFILE): no 'exit' will come, so it leaves now,
        // dead, and cluster.disconnect() callbacks do not wait for it.
        WorkerAccess::setState(*w, WorkerState::dead);
        primary().leaving.erase(w->id());
        supervisorForget(w->id());
        removeWorker(w);
    });
    child->onExit([cell](std::optional<int> code, std::optional<std::string> sig) {
        const WorkerPtr& w = *cell;
        if (!w->isConnected()) {
            removeHandlesForWorker(w);
            removeWorker(w);
        }
        WorkerAccess::setState(*w, WorkerState::dead);
        publishWorker(diagnostics::Kind::workerExit, *w, [&](diagnostics::Event& e) {
            e.code = code;
            if (sig) e.name = *sig;
        });
        emit(WorkerAccess::exit(*w), code, sig);
        emit(primary().exit, w, code, sig);
        supervisorExited(w);
        if (primary().leaving.erase(w->id())) allGone();
    });
    child->onDisconnect([cell] {
        const WorkerPtr& w = *cell;
        removeHandlesForWorker(w);
        if (w->isDead()) removeWorker(w);
        WorkerAccess::setState(*w, WorkerState::disconnected);
        publishWorker(diagnostics::Kind::workerDisconnect, *w);
        emit(WorkerAccess::disconnect(*w));
        emit(primary().disconnect, w);
    });
    child->onClose([cell](std::optional<int>, std::optional<std::string>) {
        WorkerAccess::releaseListeners(**cell);  // the worker's events are over
        cell->reset();
    });
    if (auto* channel = detail::ChildAccess::channel(*child)) {
        std::weak_ptr<Worker> weak = worker;
        channel->onInternalMessage([weak](const json& m, std::shared_ptr<ReceivedHandle> h) {
            dispatch(m, std::move(h), [weak](const json& msg, std::shared_ptr<ReceivedHandle>) {
                if (auto w = weak.lock()) onmessage(w, msg);
            });
        });
    }
    publishWorker(diagnostics::Kind::fork, *worker);
    p.ticks.post([worker] { emit(primary().fork, worker); });
    p.workers[id] = worker;
    supervisorForked(id, env);
    return worker;
}

void disconnect(std::function<void()> callback) {
    auto& p = primary();
    if (!p.disconnecting) diagnostics::publish(diagnostics::Kind::stop, [](diagnostics::Event&) {});
    p.disconnecting = true;
    detail::cluster::reloadAbort();
    if (callback) p.onAllGone.push_back(std::move(callback));
    if (p.workers.empty()) {
        p.ticks.post(allGone);
        return;
    }
    auto snapshot = p.workers;  // disconnect() removes from the map
    for (auto& [id, w] : snapshot)
        if (w->isConnected()) w->disconnect();
}

void disconnect(std::chrono::milliseconds forceKillAfter, std::function<void()> callback) {
    std::vector<WorkerPtr> running;
    for (const auto& [id, w] : primary().workers) running.push_back(w);
    disconnect(std::move(callback));
    detail::cluster::killAfter(running, forceKillAfter);
}

Subscription onFork(std::function<void(const WorkerPtr&)> fn, Listen how) {
    return primary().fork.add(std::move(fn), how);
}
Subscription onOnline(std::function<void(const WorkerPtr&)> fn, Listen how) {
    return primary().online.add(std::move(fn), how);
}
Subscription onListening(std::function<void(const WorkerPtr&, const Address&)> fn, Listen how) {
    return primary().listening.add(std::move(fn), how);
}
Subscription onMessage(std::function<void(const WorkerPtr&, const json&, std::shared_ptr<ReceivedHandle>)> fn,
                       Listen how) {
    return primary().message.add(std::move(fn), how);
}
Subscription onDisconnect(std::function<void(const WorkerPtr&)> fn, Listen how) {
    return primary().disconnect.add(std::move(fn), how);
}
Subscription onExit(std::function<void(const WorkerPtr&, std::optional<int>, std::optional<std::string>)> fn,
                    Listen how) {
    return primary().exit.add(std::move(fn), how);
}
Subscription onSetup(std::function<void(const Settings&)> fn, Listen how) {
    return primary().setup.add(std::move(fn), how);
}

void removeAllListeners() {
    auto& p = primary();
    p.fork.clear();
    p.online.clear();
    p.disconnect.clear();
    p.listening.clear();
    p.message.clear();
    p.exit.clear();
    p.setup.clear();
    supervisorRemoveAllListeners();
}

}  // namespace childproc::cluster

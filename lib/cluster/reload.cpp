// SPDX-License-Identifier: MIT
// Rolling reload, beyond Node: each worker in turn is replaced by a new process
// that is listening before the old one is disconnected, so that the cluster
// never stops accepting. One reload at a time.

#include <deque>
#include <map>

#include "cluster/internal.hpp"
#include "core/guard.hpp"
#include "core/tick_queue.hpp"
#include "core/timer.hpp"

namespace childproc::cluster {

namespace {

using Done = std::function<void(const std::optional<Error>&)>;

struct Reload {
    ReloadOptions options;
    Done done;
    std::deque<WorkerPtr> todo;
    std::vector<WorkerPtr> old;  // disconnected, until they exit
    std::size_t exited = 0;
    bool forking = false;  // every replacement is forked and ready
    WorkerPtr replacement;
    std::vector<Subscription> watching;  // the replacement's events
    detail::Timer readyTimeout;          // for the replacement
    std::map<int, int> predecessor;      // replacement id → the worker it replaces
    unsigned generation = 0;             // old workers' exits count for their own reload only
};

unsigned generations = 0;

std::unique_ptr<Reload>& current() {
    static auto* r = new std::unique_ptr<Reload>;  // never destroyed, as the primary's state
    return *r;
}

void publishReload(std::string_view phase, bool ok) {
    diagnostics::publish(diagnostics::Kind::reload, [&](diagnostics::Event& e) {
        e.name = phase;
        e.ok = ok;
    });
}

void finish(std::optional<Error> error) {
    publishReload("end", !error);
    auto r = std::move(current());
    for (auto& s : r->watching) s.off();
    if (r->done) detail::guarded(uv_default_loop(), [&] { r->done(error); });
}

Error failed(const std::string& what) { return Error("reload: " + what, "ERR_CHILDPROC_RELOAD_FAILED"); }

void maybeDone() {
    auto& r = *current();
    if (!r.forking && r.exited == r.old.size()) finish(std::nullopt);
}

void next();

// The replacement is up: let the old worker go, gracefully.
void ready(const WorkerPtr& before) {
    auto& r = *current();
    for (auto& s : r.watching) s.off();
    r.watching.clear();
    r.readyTimeout.close();
    r.replacement.reset();
    if (before->isDead()) return next();  // it died meanwhile (and the supervisor has it)
    r.old.push_back(before);
    before->onExit(
        [generation = r.generation](std::optional<int>, std::optional<std::string>) {
            if (!current() || current()->generation != generation) return;
            ++current()->exited;
            maybeDone();
        },
        Listen::once);
    before->disconnect();
    if (r.options.forceKillAfter) detail::cluster::killAfter({before}, *r.options.forceKillAfter);
    next();
}

// The replacement will not do: stop here and leave the rest as they are.
void giveUp(const WorkerPtr& replacement, const std::string& why) {
    detail::cluster::supervisorForget(replacement->id());
    if (!replacement->isDead()) replacement->process()->kill(SIGKILL);
    finish(failed("worker " + std::to_string(current()->predecessor[replacement->id()]) + "'s replacement " + why));
}

void next() {
    auto& r = *current();
    while (!r.todo.empty() && (r.todo.front()->isDead() || !r.todo.front()->isConnected())) r.todo.pop_front();
    if (r.todo.empty()) {
        r.forking = false;
        return maybeDone();
    }
    WorkerPtr before = std::move(r.todo.front());
    r.todo.pop_front();
    const Env* env = detail::cluster::forkEnv(before->id());
    WorkerPtr after = fork(env ? *env : Env{});
    r.predecessor[after->id()] = before->id();
    r.replacement = after;
    std::weak_ptr<Worker> weak = after;
    auto onReady = [weak, before] {
        if (current() && weak.lock() == current()->replacement) ready(before);
    };
    if (r.options.waitForListening) r.watching.push_back(after->onListening([onReady](const Address&) { onReady(); }));
    else r.watching.push_back(after->onOnline(onReady));
    r.watching.push_back(after->onExit([weak](std::optional<int> code, std::optional<std::string> sig) {
        auto w = weak.lock();
        if (!current() || !w || w != current()->replacement) return;
        giveUp(w, "exited before it was ready (" + (sig ? *sig : "code " + std::to_string(code.value_or(0))) + ")");
    }));
    r.watching.push_back(after->onError([weak](const Error& e) {
        auto w = weak.lock();
        if (!current() || !w || w != current()->replacement || w->process()->pid()) return;
        giveUp(w, "could not start: " + e.message());
    }));
    r.readyTimeout.start(uv_default_loop(), r.options.readyTimeout, [] {
        if (auto& now = current(); now && now->replacement) giveUp(now->replacement, "was not ready in time");
    });
}

}  // namespace

void reload(const ReloadOptions& options, Done done) {
    // Answers come from the loop, never from inside reload(); never destroyed, as the primary's.
    static auto* ticks = new detail::TickQueue(uv_default_loop());
    if (current()) {
        ticks->post([done = std::move(done)] {
            if (done) done(Error("reload: a reload is under way", "ERR_CHILDPROC_RELOAD_IN_PROGRESS"));
        });
        return;
    }
    current() = std::make_unique<Reload>();
    auto& r = *current();
    r.options = options;
    r.done = std::move(done);
    r.forking = true;
    r.generation = ++generations;
    publishReload("start", true);
    for (const auto& [id, w] : workers()) r.todo.push_back(w);
    ticks->post([] {
        if (current() && current()->forking && !current()->replacement) next();
    });
}

bool reloading() { return current() != nullptr; }

}  // namespace childproc::cluster

namespace childproc::detail::cluster {

std::optional<int> predecessorOf(int id) {
    auto& r = childproc::cluster::current();
    if (!r) return std::nullopt;
    auto it = r->predecessor.find(id);
    return it == r->predecessor.end() ? std::nullopt : std::optional<int>(it->second);
}

void reloadAbort() {
    auto& r = childproc::cluster::current();
    if (!r) return;
    if (r->replacement) supervisorForget(r->replacement->id());
    childproc::cluster::finish(Error("reload: cluster.disconnect() ended it", "ERR_CHILDPROC_RELOAD_ABORTED"));
}

}  // namespace childproc::detail::cluster

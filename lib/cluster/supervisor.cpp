// SPDX-License-Identifier: MIT
// Supervision, beyond Node: replace workers that die on their own, with a delay
// that doubles and a start limit, as systemd's Restart=on-failure does for units.

#include <chrono>
#include <deque>
#include <map>

#include "cluster/internal.hpp"
#include "core/guard.hpp"

namespace childproc::cluster {

namespace {

using Clock = std::chrono::steady_clock;

struct Pending {
    WorkerPtr dead;
    Env env;
    std::unique_ptr<uv_timer_t> timer;
};

struct Supervisor {
    std::optional<RestartPolicy> policy;
    std::map<int, Env> envs;                 // each live worker's fork(env), for its replacement
    std::deque<Clock::time_point> restarts;  // within the policy's interval
    std::map<uv_timer_t*, Pending> pending;
    Listeners<const WorkerPtr&, const WorkerPtr&> restart;
    Listeners<const WorkerPtr&, unsigned> giveUp;
};

Supervisor& supervisor() {
    static auto* s = new Supervisor;  // never destroyed, as the primary's state
    return *s;
}

void closeTimer(std::unique_ptr<uv_timer_t> t) {
    uv_close(reinterpret_cast<uv_handle_t*>(t.release()),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void cancelPending() {
    auto& s = supervisor();
    for (auto& [t, p] : s.pending) closeTimer(std::move(p.timer));
    s.pending.clear();
}

void restartNow(uv_timer_t* t) {
    auto& s = supervisor();
    auto it = s.pending.find(t);
    Pending p = std::move(it->second);
    s.pending.erase(it);
    closeTimer(std::move(p.timer));
    if (!s.policy || detail::cluster::primaryDisconnecting()) return;
    WorkerPtr replacement = fork(p.env);
    detail::emitGuarded(uv_default_loop(), s.restart, p.dead, replacement);
}

}  // namespace

void supervise(const RestartPolicy& policy) { supervisor().policy = policy; }

void stopSupervising() {
    supervisor().policy.reset();
    supervisor().restarts.clear();
    cancelPending();
}

bool supervising() { return supervisor().policy.has_value(); }

Subscription onRestart(std::function<void(const WorkerPtr&, const WorkerPtr&)> fn, Listen how) {
    return supervisor().restart.add(std::move(fn), how);
}

Subscription onGiveUp(std::function<void(const WorkerPtr&, unsigned)> fn, Listen how) {
    return supervisor().giveUp.add(std::move(fn), how);
}

}  // namespace childproc::cluster

namespace childproc::detail::cluster {

using namespace childproc::cluster;

void supervisorForked(int id, const Env& env) { supervisor().envs[id] = env; }

void supervisorExited(const WorkerPtr& w) {
    auto& s = supervisor();
    auto envIt = s.envs.find(w->id());
    if (envIt == s.envs.end()) return;  // forgotten: not to be restarted
    Env env = std::move(envIt->second);
    s.envs.erase(envIt);
    // Planned exits are not failures: disconnect(), kill(), cluster.disconnect().
    if (!s.policy || w->exitedAfterDisconnect() || w->process()->killed() || primaryDisconnecting()) return;
    const RestartPolicy& policy = *s.policy;
    const auto now = Clock::now();
    while (!s.restarts.empty() && now - s.restarts.front() > policy.interval) s.restarts.pop_front();
    const auto recent = static_cast<unsigned>(s.restarts.size());
    if (recent >= policy.burst) {
        s.policy.reset();
        s.restarts.clear();
        cancelPending();
        detail::emitGuarded(uv_default_loop(), s.giveUp, w, recent);
        return;
    }
    s.restarts.push_back(now);
    auto delay = policy.delay;
    for (unsigned i = 0; i < recent && delay < policy.maxDelay; ++i) delay *= 2;
    delay = std::min(delay, policy.maxDelay);
    auto timer = std::make_unique<uv_timer_t>();
    uv_timer_init(uv_default_loop(), timer.get());
    uv_timer_t* key = timer.get();
    s.pending.emplace(key, Pending{w, std::move(env), std::move(timer)});
    uv_timer_start(
        key, [](uv_timer_t* t) { detail::guarded(t->loop, [t] { restartNow(t); }); },
        static_cast<std::uint64_t>(delay.count()), 0);
}

void supervisorForget(int id) { supervisor().envs.erase(id); }

const Env* forkEnv(int id) {
    auto& envs = supervisor().envs;
    auto it = envs.find(id);
    return it == envs.end() ? nullptr : &it->second;
}

void supervisorRemoveAllListeners() {
    supervisor().restart.clear();
    supervisor().giveUp.clear();
}

}  // namespace childproc::detail::cluster

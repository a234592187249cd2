// SPDX-License-Identifier: MIT
// Supervision, beyond Node: replace workers that die on their own, with a delay
// that doubles and a start limit, as systemd's Restart=on-failure does for units.

#include <chrono>
#include <deque>
#include <map>

#include "cluster/internal.hpp"
#include "core/guard.hpp"
#include "core/timer.hpp"

namespace childproc::cluster {

namespace {

using Clock = std::chrono::steady_clock;

struct Pending {
    WorkerPtr dead;
    Env env;
    detail::Timer timer;
};

struct Supervisor {
    std::optional<RestartPolicy> policy;
    std::map<int, Env> envs;                 // each live worker's fork(env), for its replacement
    std::deque<Clock::time_point> restarts;  // within the policy's interval
    std::map<unsigned, Pending> pending;     // by a number of their own
    unsigned nextPending = 0;
    Listeners<const WorkerPtr&, const WorkerPtr&> restart;
    Listeners<const WorkerPtr&, unsigned> giveUp;
};

Supervisor& supervisor() {
    static auto* s = new Supervisor;  // never destroyed, as the primary's state
    return *s;
}

void cancelPending() { supervisor().pending.clear(); }

void restartNow(unsigned key) {
    auto& s = supervisor();
    auto it = s.pending.find(key);
    Pending p = std::move(it->second);  // its timer closes as this returns
    s.pending.erase(it);
    if (!s.policy || detail::cluster::primaryDisconnecting()) return;
    WorkerPtr replacement = fork(p.env);
    detail::cluster::publishWorker(diagnostics::Kind::restart, *replacement, [&](diagnostics::Event& e) {
        if (p.dead && p.dead->process()) e.peer = p.dead->process()->diagnosticsId();
    });
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
    const unsigned key = s.nextPending++;
    auto& p = s.pending.emplace(key, Pending{w, std::move(env), {}}).first->second;
    p.timer.start(uv_default_loop(), delay, [key] { restartNow(key); });
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

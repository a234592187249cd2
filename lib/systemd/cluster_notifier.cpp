// SPDX-License-Identifier: MIT
// A cluster primary's life told to systemd: a subscriber to the childproc:cluster
// channel keeps which workers live and which listen, and says READY, RELOADING,
// STOPPING and STATUS as they change; a timer on the loop says WATCHDOG.

#include <time.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>

#include "childproc/diagnostics.hpp"
#include "childproc/loop.hpp"
#include "childproc/systemd.hpp"
#include "core/timer.hpp"

namespace childproc::systemd {

struct ClusterNotifier::State {
    std::set<int> alive, listening;  // worker ids
    bool ready = false;              // READY=1 said for the current phase
    bool reloading = false;
    bool stopping = false;
    diagnostics::SubscriptionId subscription = 0;
    detail::Timer watchdog;

    void onEvent(const diagnostics::Event& e);
    void sayReadyIfAllListen();
    std::string status() const;
    void pet(uv_loop_t* loop, std::chrono::milliseconds every);
};

namespace {

// CLOCK_MONOTONIC in microseconds, as systemd wants it beside RELOADING=1.
long long monotonicMicroseconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

std::string ClusterNotifier::State::status() const {
    if (stopping) return "STATUS=stopping: " + std::to_string(alive.size()) + " workers left";
    std::string s =
        "STATUS=" + std::to_string(listening.size()) + " of " + std::to_string(alive.size()) + " workers listening";
    return reloading ? s + ", reloading" : s;
}

void ClusterNotifier::State::sayReadyIfAllListen() {
    if (ready || reloading || stopping || alive.empty() || listening.size() < alive.size()) return;
    ready = true;
    notify("READY=1\n" + status());
}

void ClusterNotifier::State::onEvent(const diagnostics::Event& e) {
    using diagnostics::Kind;
    switch (e.kind) {
    case Kind::fork:
    case Kind::restart: alive.insert(e.number); return;
    case Kind::listening:
        listening.insert(e.number);
        if (ready) notify(status());
        return sayReadyIfAllListen();
    case Kind::workerExit:
        alive.erase(e.number);
        listening.erase(e.number);
        if (ready) notify(status());
        return sayReadyIfAllListen();
    case Kind::reload:
        if (e.name == "start") {
            reloading = true;
            notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonicMicroseconds()) + "\n" + status());
        } else {
            reloading = false;
            ready = false;
            sayReadyIfAllListen();
        }
        return;
    case Kind::stop:
        stopping = true;
        notify("STOPPING=1\n" + status());
        return;
    default: return;
    }
}

// WATCHDOG=1 from the loop itself: a loop that hangs stops the petting.
void ClusterNotifier::State::pet(uv_loop_t* loop, std::chrono::milliseconds every) {
    watchdog.start(loop, every, [this, loop, every] {
        notify("WATCHDOG=1");
        pet(loop, every);
    });
    watchdog.unref();
}

ClusterNotifier::ClusterNotifier(uv_loop_t* loop) {
    const char* socket = std::getenv("NOTIFY_SOCKET");
    if (!socket || !*socket) return;  // not under systemd
    state_ = std::make_shared<State>();
    std::weak_ptr<State> weak = state_;
    state_->subscription = diagnostics::subscribe(diagnostics::Channel::cluster, [weak](const diagnostics::Event& e) {
        if (auto s = weak.lock()) s->onEvent(e);
    });
    if (auto interval = watchdogInterval()) {
        const auto half = std::chrono::duration_cast<std::chrono::milliseconds>(*interval / 2);
        state_->pet(loop ? loop : defaultLoop(), std::max(half, std::chrono::milliseconds(1)));
    }
}

ClusterNotifier::~ClusterNotifier() {
    if (state_) diagnostics::unsubscribe(state_->subscription);
}

}  // namespace childproc::systemd

// SPDX-License-Identifier: MIT
// The deadline of a graceful stop: workers still running when it passes are
// killed. The timer closes early once they have all exited, or when it fires.

#include <memory>

#include "cluster/internal.hpp"
#include "core/timer.hpp"

namespace childproc::detail::cluster {

namespace {

struct Deadline {
    Timer timer;
    std::vector<std::weak_ptr<childproc::cluster::Worker>> workers;
    std::size_t running = 0;
};

}  // namespace

void killAfter(const std::vector<WorkerPtr>& workers, std::chrono::milliseconds after) {
    auto d = std::make_shared<Deadline>();
    for (const auto& w : workers) {
        if (w->isDead() || !w->process()->pid()) continue;  // exited, or never started: no 'exit' to wait for
        d->workers.push_back(w);
        ++d->running;
        w->onExit(
            [d](std::optional<int>, std::optional<std::string>) {
                if (--d->running == 0) d->timer.close();
            },
            Listen::once);
    }
    if (d->running == 0) return;
    // The timer's callback holds the Deadline until the timer is closed.
    d->timer.start(uv_default_loop(), after, [d] {
        for (auto& weak : d->workers)
            if (auto w = weak.lock(); w && !w->isDead()) w->process()->kill(SIGKILL);
        d->timer.close();
    });
}

}  // namespace childproc::detail::cluster

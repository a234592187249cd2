// SPDX-License-Identifier: MIT
// The deadline of a graceful stop: workers still running when it passes are
// killed. The timer closes once they have all exited, early or killed.

#include <memory>

#include "cluster/internal.hpp"
#include "core/guard.hpp"

namespace childproc::detail::cluster {

namespace {

struct Deadline {
    uv_timer_t timer{};
    std::vector<std::weak_ptr<childproc::cluster::Worker>> workers;
    std::size_t running = 0;
    bool closed = false;

    void close() {
        if (std::exchange(closed, true)) return;
        uv_close(reinterpret_cast<uv_handle_t*>(&timer), [](uv_handle_t* h) { delete static_cast<Deadline*>(h->data); });
    }
};

}  // namespace

void killAfter(const std::vector<WorkerPtr>& workers, std::chrono::milliseconds after) {
    auto* d = new Deadline;
    uv_timer_init(uv_default_loop(), &d->timer);
    d->timer.data = d;
    for (const auto& w : workers) {
        if (w->isDead()) continue;
        d->workers.push_back(w);
        ++d->running;
        w->onExit([d](std::optional<int>, std::optional<std::string>) {
            if (--d->running == 0) d->close();
        }, Listen::once);
    }
    if (d->running == 0) return d->close();
    uv_timer_start(
        &d->timer,
        [](uv_timer_t* t) {
            auto* self = static_cast<Deadline*>(t->data);
            guarded(t->loop, [self] {
                for (auto& weak : self->workers)
                    if (auto w = weak.lock(); w && !w->isDead()) w->process()->kill(SIGKILL);
            });  // their 'exit' closes the timer
        },
        static_cast<std::uint64_t>(after.count()), 0);
}

}  // namespace childproc::detail::cluster

// SPDX-License-Identifier: MIT
// The deadline of a graceful stop: workers still running when it passes are
// killed. The timer closes early once they have all exited, or when it fires.

#include <memory>

#include "cluster/internal.hpp"
#include "core/guard.hpp"

namespace childproc::detail::cluster {

namespace {

struct Deadline {
    uv_timer_t* timer = nullptr;
    std::vector<std::weak_ptr<childproc::cluster::Worker>> workers;
    std::size_t running = 0;

    // The timer's data holds the Deadline until the handle is closed.
    void close() {
        if (!timer) return;
        uv_close(reinterpret_cast<uv_handle_t*>(std::exchange(timer, nullptr)), [](uv_handle_t* h) {
            delete static_cast<std::shared_ptr<Deadline>*>(h->data);
            delete reinterpret_cast<uv_timer_t*>(h);
        });
    }
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
                if (--d->running == 0) d->close();
            },
            Listen::once);
    }
    if (d->running == 0) return;
    d->timer = new uv_timer_t;
    uv_timer_init(uv_default_loop(), d->timer);
    d->timer->data = new std::shared_ptr<Deadline>(d);
    uv_timer_start(
        d->timer,
        [](uv_timer_t* t) {
            auto self = *static_cast<std::shared_ptr<Deadline>*>(t->data);
            guarded(t->loop, [&] {
                for (auto& weak : self->workers)
                    if (auto w = weak.lock(); w && !w->isDead()) w->process()->kill(SIGKILL);
            });
            self->close();
        },
        static_cast<std::uint64_t>(after.count()), 0);
}

}  // namespace childproc::detail::cluster

// SPDX-License-Identifier: MIT
// Running a command: on a private loop (run()), or on the caller's loop for co_await.

#include <cmath>

#include "childproc/script.hpp"
#include "core/timer.hpp"
#include "exec/private_loop.hpp"
#include "script/run.hpp"

namespace childproc::script {

Result Cmd::run() const {
    ::childproc::detail::PrivateLoop loop;
    if (loop.error()) throw ::childproc::detail::noLoopError("a loop for Cmd::run", loop.error());
    Cmd onLoop = *this;
    onLoop.spec_.settings.loop = loop.get();
    std::optional<Result> result;
    detail::Run::start(onLoop, loop.get(), [&](Result r) { result = std::move(r); });
    loop.run();
    if (result->failed && !spec_.settings.nothrow) throw ScriptError(std::move(*result));
    return std::move(*result);
}

Promise<Result> Cmd::async() const {
    auto [promise, resolver] = Promise<Result>::withResolvers();
    uv_loop_t* loop = spec_.settings.loop ? spec_.settings.loop : defaultLoop();
    detail::Run::start(*this, loop, [r = resolver, nothrow = spec_.settings.nothrow](Result result) {
        if (result.failed && !nothrow) r.reject(ScriptError(std::move(result)));
        else r.resolve(std::move(result));
    });
    return promise;
}

std::chrono::milliseconds backoffDelay(const Backoff& b, int attempt) {
    double ms = static_cast<double>(b.delay.count()) * std::pow(b.factor, attempt - 1);
    double cap = static_cast<double>(b.maxDelay.count());
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(ms, cap)));
}

Promise<void> sleep(std::chrono::milliseconds ms, uv_loop_t* loop) {
    auto [promise, resolver] = Promise<void>::withResolvers();
    auto* timer = new ::childproc::detail::Timer;
    timer->start(loop ? loop : defaultLoop(), ms, [timer, r = resolver] {
        r.resolve();
        delete timer;  // a Timer may go from its own callback
    });
    return promise;
}

}  // namespace childproc::script

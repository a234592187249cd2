// SPDX-License-Identifier: MIT
// spawn(): turn a SpawnPlan into a running ChildProcess through the launcher seam.

#include <cerrno>
#include <csignal>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

#include "childproc/spawn.hpp"
#include "core/child_access.hpp"
#include "core/guard.hpp"
#include "core/tick_queue.hpp"
#include "ipc/channel.hpp"

namespace childproc {

namespace detail {

namespace {

// A write to a pipe whose reader died must be an EPIPE error, not the death of
// the parent: ignore SIGPIPE unless the program chose its own handler (Node does).
void ignoreSigpipeOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction old{};
        if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
            struct sigaction ign{};
            ign.sa_handler = SIG_IGN;
            sigemptyset(&ign.sa_mask);
            sigaction(SIGPIPE, &ign, nullptr);
        }
    });
}

// The failures Node reports through 'error' rather than by throwing.
bool reportedAsync(int err) {
    return err == UV_EACCES || err == UV_EAGAIN || err == UV_EMFILE || err == UV_ENFILE || err == UV_ENOENT;
}

// What is wrong with a cwd, or nullptr when nothing is: libuv reports a bad cwd as
// the program's own ENOENT or EACCES (nodejs/node#11520), so we name the culprit.
const char* cwdProblem(const std::string& cwd) {
    struct stat st{};
    if (::stat(cwd.c_str(), &st) != 0) return errno == EACCES ? "cannot be reached: permission denied" : "does not exist";
    if (!S_ISDIR(st.st_mode)) return "is not a directory";
    if (::access(cwd.c_str(), X_OK) != 0) return "is not searchable: permission denied";
    return nullptr;
}

Error spawnFailure(int err, const LaunchSpec& spec) {
    Error e = systemError(err, "spawn " + spec.file);
    e.path = spec.file;
    e.spawnargs = std::vector<std::string>(spec.args.begin() + 1, spec.args.end());
    if (const char* problem = spec.cwd ? cwdProblem(*spec.cwd) : nullptr) {
        e = Error(e.message() + " (cwd \"" + *spec.cwd + "\" " + problem + ")", e.code);
        e.errnum = err;
        e.syscall = "spawn " + spec.file;
        e.path = *spec.cwd;
        e.spawnargs = std::vector<std::string>(spec.args.begin() + 1, spec.args.end());
    }
    return e;
}

}  // namespace

ChildProcessPtr ChildAccess::start(SpawnPlan plan) {
    ignoreSigpipeOnce();
    uv_loop_t* loop = plan.loop ? plan.loop : defaultLoop();
    ChildProcessPtr child(new ChildProcess(loop));
    ChildProcess& c = *child;
    c.self_ = child;
    c.spawnfile_ = plan.spec.file;
    c.spawnargs_ = plan.spec.args;
    c.killSignal_ = plan.killSignal;
    c.forceKillAfter_ = plan.forceKillAfter;
    c.detached_ = plan.spec.detached;

    c.stdio_.resize(plan.slotTypes.size());
    for (std::size_t i = 0; i < plan.slotTypes.size(); ++i) {
        if (plan.spec.stdio[i].kind != StdioPlan::Kind::pipe || static_cast<int>(i) == plan.ipcIndex) continue;
        // Node: stdin is write-only, stdout/stderr read-only, extra pipes duplex.
        auto s = std::make_unique<Stream>(loop, *c.ticks_, i != 0, i == 0 || i >= 3);
        const bool counted = i != 0;  // 'close' waits for every pipe but stdin
        if (counted) ++c.closesNeeded_;
        ++c.openHandles_;
        s->setCloseHook([&c, counted] {
            if (counted) {
                ++c.closesGot_;
                c.maybeClose();
            }
            c.handleClosed();
        });
        plan.spec.stdio[i].pipe = s->pipeHandle();
        c.stdio_[i] = std::move(s);
    }

    if (plan.ipcIndex >= 0) {
        // The channel counts toward 'close' like a pipe: close waits for it, as in Node.
        ++c.closesNeeded_;
        ++c.openHandles_;
        Channel::Hooks hooks;
        hooks.error = [&c](const Error& e) { emitGuarded(c.loop_, c.error_, e); };
        hooks.closed = [&c] {
            ++c.closesGot_;
            c.maybeClose();
            c.handleClosed();
        };
        c.channel_ = std::make_unique<Channel>(loop, *c.ticks_, Channel::Side::parent, std::move(hooks));
        c.channel_->setMaxMessageSize(plan.maxMessageSize);
        plan.spec.stdio[static_cast<std::size_t>(plan.ipcIndex)].pipe = c.channel_->pipe();
    }

    ++c.openHandles_;  // the process handle
    int err = launcherFor(plan.backend, plan.spec)
                  .launch(loop, plan.spec,
                          [&c](std::int64_t status, int sig) { guarded(c.loop_, [&] { c.onProcessExit(status, sig); }); },
                          c.process_);
    if (err != 0) {
        c.process_->close([&c] { c.handleClosed(); });
        if (!reportedAsync(err)) {
            c.closeEmitted_ = true;  // no events: the caller gets the exception instead
            for (auto& s : c.stdio_)
                if (s) s->destroy();
            if (c.channel_) c.channel_->destroy();
            Error e = systemError(err, "spawn");
            if (plan.spec.cwd && cwdProblem(*plan.spec.cwd)) e.path = *plan.spec.cwd;
            throw e;
        }
        c.exitCode_ = err;
        Error e = spawnFailure(err, plan.spec);
        c.ticks_->post([&c, e] {
            emitGuarded(c.loop_, c.error_, e);
            ++c.closesGot_;
            c.maybeClose();
        });
        for (auto& s : c.stdio_)
            if (s) s->destroy();
        if (c.channel_) c.channel_->destroy();
        return child;
    }

    c.pid_ = c.process_->pid();
    for (auto& s : c.stdio_)
        if (s) s->startReading();
    if (c.channel_) c.channel_->start();

    if (plan.timeout.count() > 0) {
        c.timer_ = std::make_unique<uv_timer_t>();
        uv_timer_init(loop, c.timer_.get());
        c.timer_->data = &c;
        ++c.openHandles_;
        uv_timer_start(
            c.timer_.get(),
            [](uv_timer_t* t) {
                auto* cp = static_cast<ChildProcess*>(t->data);
                guarded(t->loop, [&] {
                    try {
                        cp->kill(cp->killSignal_);
                    } catch (const Error& e) {
                        emitGuarded(t->loop, cp->error_, e);
                    }
                });
            },
            static_cast<std::uint64_t>(plan.timeout.count()), 0);
    }

    if (plan.signal.stop_possible()) {
        c.abortAsync_ = std::make_unique<uv_async_t>();
        uv_async_init(loop, c.abortAsync_.get(), [](uv_async_t* a) {
            auto* cp = static_cast<ChildProcess*>(a->data);
            guarded(a->loop, [&] { cp->onAbort(); });
        });
        c.abortAsync_->data = &c;
        uv_unref(reinterpret_cast<uv_handle_t*>(c.abortAsync_.get()));  // never the reason the loop lives
        ++c.openHandles_;
        // Runs on whichever thread requests the stop; uv_async_send is the thread-safe way in.
        uv_async_t* async = c.abortAsync_.get();
        c.abortCallback_ = std::make_unique<std::stop_callback<std::function<void()>>>(
            plan.signal, std::function<void()>([async] { uv_async_send(async); }));
    }

    c.ticks_->post([&c] { emitGuarded(c.loop_, c.spawn_); });
    return child;
}

}  // namespace detail

ChildProcessPtr spawn(const std::string& file, const std::vector<std::string>& args, SpawnOptions options) {
    return detail::ChildAccess::start(detail::normalizeSpawn(file, args, options));
}

}  // namespace childproc

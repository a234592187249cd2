// SPDX-License-Identifier: MIT
// Creating a ChildProcess from a SpawnPlan, step by step: stdio pipes, the IPC
// channel, the launch through the backend seam, then the timeout and abort arms.

#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <mutex>

#include "child/child_access.hpp"
#include "childproc/diagnostics.hpp"
#include "childproc/loop.hpp"
#include "core/guard.hpp"
#include "core/tick_queue.hpp"
#include "core/timer.hpp"
#include "ipc/channel.hpp"
#include "launch/launcher.hpp"

namespace childproc {

namespace {

// A write to a pipe whose reader died must be an EPIPE error, not the death of
// the parent: ignore SIGPIPE unless the program chose its own handler (Node does).
void ignoreSigpipeOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction old {};
        if (sigaction(SIGPIPE, nullptr, &old) == 0 && old.sa_handler == SIG_DFL) {
            struct sigaction ign {};
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
    struct stat st {};
    if (::stat(cwd.c_str(), &st) != 0)
        return errno == EACCES ? "cannot be reached: permission denied" : "does not exist";
    if (!S_ISDIR(st.st_mode)) return "is not a directory";
    if (::access(cwd.c_str(), X_OK) != 0) return "is not searchable: permission denied";
    return nullptr;
}

// An option the child could not apply ("limit nofile=...") is named after the errno.
Error withFailedStep(const Error& e, const std::string& failedStep) {
    if (failedStep.empty()) return e;
    Error named(e.message() + " (" + failedStep + " refused)", e.code, e.name);
    named.errnum = e.errnum;
    named.syscall = e.syscall;
    return named;
}

Error spawnFailure(int err, const detail::LaunchSpec& spec, const std::string& failedStep) {
    const std::string syscall = "spawn " + spec.file;
    const char* problem = spec.cwd ? cwdProblem(*spec.cwd) : nullptr;
    Error e =
        problem ? Error(syscall + " " + errorName(err) + " (cwd \"" + *spec.cwd + "\" " + problem + ")", errorName(err))
                : withFailedStep(systemError(err, syscall), failedStep);
    e.errnum = err;
    e.syscall = syscall;
    e.path = problem ? *spec.cwd : spec.file;
    e.spawnargs = std::vector<std::string>(spec.args.begin() + 1, spec.args.end());
    return e;
}

}  // namespace

namespace detail {

ChildProcessPtr ChildAccess::start(SpawnPlan plan) {
    ignoreSigpipeOnce();
    plan.launcher = &launcherFor(plan.backend, plan.spec);
    ChildProcessPtr child(new ChildProcess(plan.loop ? plan.loop : defaultLoop()));
    child->self_ = child;
    child->start(plan);
    return child;
}

}  // namespace detail

void ChildProcess::start(detail::SpawnPlan& plan) {
    spawnfile_ = plan.spec.file;
    spawnargs_ = plan.spec.args;
    killSignal_ = plan.killSignal;
    forceKillAfter_ = plan.forceKillAfter;
    detached_ = plan.spec.detached;
    processGroup_ = plan.spec.processGroup;
    openStdio(plan);
    if (plan.ipcIndex >= 0) openChannel(plan);
    const int err = launch(plan);
    // A stream given as stdio is the child's now: paused, as Node does unless spawn throws.
    if (err == 0 || reportedAsync(err))
        for (Stream* s : plan.handedOver) s->pause();
    if (err != 0) return failLaunch(err, plan);
    pid_ = process_->pid();
    publishSpawn(plan);
    for (auto& s : stdio_)
        if (s) s->startReading();
    if (channel_) channel_->start();
    if (plan.timeout.count() > 0) armTimeout(plan.timeout);
    if (plan.signal.stop_possible()) armAbort(plan.signal);
    ticks_->post([this] { detail::emitGuarded(loop_, spawn_); });
}

void ChildProcess::publishSpawn(const detail::SpawnPlan& plan) {
    if (!diagnostics::hasSubscribers(diagnostics::Channel::process) &&
        !diagnostics::hasSubscribers(diagnostics::Channel::stdio))
        return;
    diagnostics::publish(diagnostics::Kind::spawn, [&](diagnostics::Event& e) {
        e.process = diagnosticsId_;
        e.child = this;
        e.pid = pid_;
        e.name = backend();
        e.text = spawnfile_;
        e.argv = spawnargs_;
        if (plan.spec.cwd) e.cwd = *plan.spec.cwd;
    });
    static constexpr std::string_view kSlotNames[] = {"pipe", "overlapped", "ignore", "inherit", "fd", "ipc", "stream"};
    for (std::size_t i = 0; i < plan.slotTypes.size(); ++i)
        diagnostics::publish(diagnostics::Kind::open, [&](diagnostics::Event& e) {
            e.process = diagnosticsId_;
            e.child = this;
            e.pid = pid_;
            e.fd = static_cast<int>(i);
            e.name = kSlotNames[static_cast<int>(plan.slotTypes[i])];
        });
}

void ChildProcess::openStdio(detail::SpawnPlan& plan) {
    stdio_.resize(plan.slotTypes.size());
    for (std::size_t i = 0; i < plan.slotTypes.size(); ++i) {
        if (plan.spec.stdio[i].kind != detail::StdioPlan::Kind::pipe || static_cast<int>(i) == plan.ipcIndex) continue;
        // Node: stdin is write-only, stdout/stderr read-only, extra pipes duplex.
        auto s = std::make_unique<Stream>(loop_, *ticks_, i != 0, i == 0 || i >= 3);
        const bool countsForClose = i != 0;  // 'close' waits for every pipe but stdin
        openHandle(countsForClose);
        s->setCloseHook([this, countsForClose] { handleDone(countsForClose); });
        s->setDiagnostics(diagnosticsId_, static_cast<int>(i));
        plan.spec.stdio[i].pipe = s->pipeHandle();
        stdio_[i] = std::move(s);
    }
}

void ChildProcess::openChannel(detail::SpawnPlan& plan) {
    // The channel counts toward 'close' like a pipe: close waits for it, as in Node.
    openHandle(true);
    detail::Channel::Hooks hooks;
    hooks.error = [this](const Error& e) { fail(e); };
    hooks.closed = [this] { handleDone(true); };
    channel_ = std::make_unique<detail::Channel>(loop_, *ticks_, detail::Channel::Side::parent, plan.serialization,
                                                 std::move(hooks));
    channel_->setMaxMessageSize(plan.maxMessageSize);
    channel_->setDiagnostics(diagnosticsId_);
    plan.spec.stdio[static_cast<std::size_t>(plan.ipcIndex)].pipe = channel_->pipe();
}

int ChildProcess::launch(detail::SpawnPlan& plan) {
    openHandle(false);  // the process handle
    return plan.launcher->launch(
        loop_, plan.spec,
        [this](std::int64_t status, int sig) { detail::guarded(loop_, [&] { onProcessExit(status, sig); }); },
        process_);
}

// Node reports a missing or forbidden program through 'error' and 'close'; every
// other spawn failure throws, with no event.
void ChildProcess::failLaunch(int err, const detail::SpawnPlan& plan) {
    process_->close([this] { handleClosed(); });
    const auto closePipes = [this] {
        for (auto& s : stdio_)
            if (s) s->destroy();
        if (channel_) channel_->destroy();
    };
    if (!reportedAsync(err)) {
        closeEmitted_ = true;  // no events: the caller gets the exception instead
        closePipes();
        Error e = withFailedStep(systemError(err, "spawn"), process_->failedStep());
        if (plan.spec.cwd && cwdProblem(*plan.spec.cwd)) e.path = *plan.spec.cwd;
        throw e;
    }
    exitCode_ = err;
    ticks_->post([this, e = spawnFailure(err, plan.spec, process_->failedStep())] {
        fail(e);
        ++closesGot_;
        maybeClose();
    });
    closePipes();
}

void ChildProcess::armTimeout(std::chrono::milliseconds timeout) {
    timeout_ = std::make_unique<detail::Timer>();
    timeout_->start(loop_, timeout, [this] {
        try {
            kill(killSignal_);
        } catch (const Error& e) {
            fail(e);
        }
    });
}

void ChildProcess::armAbort(const std::stop_token& signal) {
    abortAsync_ = std::make_unique<uv_async_t>();
    uv_async_init(loop_, abortAsync_.get(), [](uv_async_t* a) {
        auto* self = static_cast<ChildProcess*>(a->data);
        detail::guarded(a->loop, [&] { self->onAbort(); });
    });
    abortAsync_->data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(abortAsync_.get()));  // never the reason the loop lives
    openHandle(false);
    // Runs on whichever thread requests the stop; uv_async_send is the thread-safe way in.
    uv_async_t* async = abortAsync_.get();
    abortCallback_ = std::make_unique<std::stop_callback<std::function<void()>>>(
        signal, std::function<void()>([async] { uv_async_send(async); }));
}

}  // namespace childproc

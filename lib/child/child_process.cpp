// SPDX-License-Identifier: MIT
#include "childproc/child_process.hpp"

#include "childproc/diagnostics.hpp"

#include <cerrno>
#include <csignal>

#include "core/guard.hpp"
#include "core/once_or_error.hpp"
#include "core/tick_queue.hpp"
#include "core/timer.hpp"
#include "ipc/channel.hpp"
#include "launch/launcher.hpp"  // ProcessHandle

namespace childproc {

ChildProcess::ChildProcess(uv_loop_t* loop)
    : loop_(loop), diagnosticsId_(diagnostics::detail::nextId()), ticks_(std::make_unique<detail::TickQueue>(loop)) {}

ChildProcess::~ChildProcess() = default;

Subscription ChildProcess::onSpawn(std::function<void()> fn, Listen how) { return spawn_.add(std::move(fn), how); }
Subscription ChildProcess::onError(std::function<void(const Error&)> fn, Listen how) {
    return error_.add(std::move(fn), how);
}
Subscription ChildProcess::onExit(ExitListener fn, Listen how) { return exit_.add(std::move(fn), how); }
Subscription ChildProcess::onClose(ExitListener fn, Listen how) { return close_.add(std::move(fn), how); }

Promise<ExitStatus> ChildProcess::closed() {
    if (closeEmitted_) {
        auto [promise, resolver] = Promise<ExitStatus>::withResolvers();
        resolver.resolve(ExitStatus{exitCode_, signalCode_});
        return promise;
    }
    return detail::onceOrError<ExitStatus>(
        [this](auto settle) {
            return onClose(
                [settle](std::optional<int> code, std::optional<std::string> signal) {
                    settle(ExitStatus{code, std::move(signal)});
                },
                once);
        },
        [this](auto fail) { return onError(fail, once); });
}

Promise<IncomingMessage> ChildProcess::nextMessage() {
    return channel_ ? channel_->nextMessage() : detail::channelClosedPromise<IncomingMessage>();
}

Promise<void> ChildProcess::sendAsync(const nlohmann::json& message) {
    return channel_ ? channel_->sendAsync(message, nullptr) : detail::channelClosedPromise<void>();
}

Promise<void> ChildProcess::sendAsync(const nlohmann::json& message, const SendHandle& handle) {
    return channel_ ? channel_->sendAsync(message, &handle) : detail::channelClosedPromise<void>();
}

bool ChildProcess::send(const nlohmann::json& message, SendCallback cb) {
    return send(message, nullptr, std::move(cb));
}

bool ChildProcess::send(const nlohmann::json& message, const SendHandle& handle, SendCallback cb) {
    return send(message, &handle, std::move(cb));
}

bool ChildProcess::send(const nlohmann::json& message, const SendHandle* handle, SendCallback cb) {
    if (channel_) return channel_->send(message, handle, std::move(cb));
    return noChannel(std::move(cb));
}

bool ChildProcess::sendValue(const Value& message, SendCallback cb) {
    if (channel_) return channel_->send(message, nullptr, std::move(cb));
    return noChannel(std::move(cb));
}

bool ChildProcess::sendValue(const Value& message, const SendHandle& handle, SendCallback cb) {
    if (channel_) return channel_->send(message, &handle, std::move(cb));
    return noChannel(std::move(cb));
}

bool ChildProcess::noChannel(SendCallback cb) {
    Error e("Channel closed", "ERR_IPC_CHANNEL_CLOSED");  // no channel at all: as a closed one
    if (cb) ticks_->post([cb = std::move(cb), e] { cb(e); });
    else ticks_->post([this, e] { fail(e); });
    return false;
}

Subscription ChildProcess::onMessage(MessageListener fn, Listen how) {
    return channel_ ? channel_->onMessage(std::move(fn), how) : Subscription();
}

Subscription ChildProcess::onMessageValue(ValueMessageListener fn, Listen how) {
    return channel_ ? channel_->onMessageValue(std::move(fn), how) : Subscription();
}

Subscription ChildProcess::onDisconnect(std::function<void()> fn, Listen how) {
    return channel_ ? channel_->onDisconnect(std::move(fn), how) : Subscription();
}

void ChildProcess::disconnect() {
    if (channel_) channel_->disconnect();
    else ticks_->post([this] { fail(Error("IPC channel is already disconnected", "ERR_IPC_DISCONNECTED")); });
}

bool ChildProcess::connected() const { return channel_ && channel_->connected(); }

ChannelControl* ChildProcess::channel() { return channel_ && channel_->connected() ? channel_.get() : nullptr; }

Stream* ChildProcess::stdio(std::size_t fd) { return fd < stdio_.size() ? stdio_[fd].get() : nullptr; }

const char* ChildProcess::backend() const { return process_ ? process_->backend() : ""; }

bool ChildProcess::isRunning() const { return pid_.has_value() && !exited_; }

bool ChildProcess::kill(Signal sig) {
    if (!isRunning()) return false;
    int r = process_->kill(sig.number());
    if (diagnostics::hasSubscribers(diagnostics::Kind::signal)) {
        const std::string name = sig.name();
        diagnostics::publish(diagnostics::Kind::signal, [&](diagnostics::Event& e) {
            e.process = diagnosticsId_;
            e.child = this;
            e.pid = pid_;
            e.number = sig.number();
            e.name = name;
            e.ok = r == 0;
        });
    }
    if (r == 0) {
        killed_ = true;
        armForceKill(sig.number());
        return true;
    }
    if (r == UV_ESRCH) return false;
    if (r == UV_EINVAL || r == UV_ENOSYS) throw systemError(r, "kill");
    fail(systemError(r, "kill"));
    return false;
}

bool ChildProcess::killProcessGroup(Signal sig) {
    if (!detached_ && !processGroup_)
        throw Error("killProcessGroup() needs a detached child: this one shares our process group",
                    "ERR_CHILD_NOT_DETACHED");
    // While this member is unreaped, the group id cannot be reused.
    if (!isRunning()) return false;
    const int group = processGroup_.value_or(0) > 0 ? *processGroup_ : *pid_;
    if (::kill(-group, sig.number()) != 0) {
        int err = -errno;
        if (err == UV_ESRCH) return false;
        throw systemError(err, "kill");
    }
    killed_ = true;
    armForceKill(sig.number());
    return true;
}

// forceKillAfter: a catchable signal gets one SIGKILL behind it, if the child outlives the wait.
void ChildProcess::armForceKill(int signum) {
    if (forceKillAfter_.count() <= 0 || signum == 0 || signum == SIGKILL || forceKill_ || exited_) return;
    forceKill_ = std::make_unique<detail::Timer>();
    forceKill_->start(loop_, forceKillAfter_, [this] {
        if (isRunning()) process_->kill(SIGKILL);
    });
}

void ChildProcess::ref() {
    if (isRunning()) process_->ref();
}

void ChildProcess::unref() {
    if (isRunning()) process_->unref();
}

void ChildProcess::closeHandle(uv_handle_t* h) {
    h->data = this;
    uv_close(h, [](uv_handle_t* handle) { static_cast<ChildProcess*>(handle->data)->handleClosed(); });
}

void ChildProcess::onProcessExit(std::int64_t status, int termSignal) {
    exited_ = true;
    resourceUsage_ = process_->resourceUsage();
    if (termSignal != 0) {
        auto name = signalName(termSignal);
        signalCode_ = name ? *name : std::to_string(termSignal);
    } else {
        exitCode_ = static_cast<int>(status);
    }
    if (timeout_) timeout_->close();
    if (forceKill_) forceKill_->close();
    if (abortAsync_) {
        abortCallback_.reset();  // waits for a stop request racing on another thread
        closeHandle(reinterpret_cast<uv_handle_t*>(abortAsync_.get()));
    }
    // As Node does: stdin is destroyed when the child exits.
    if (auto* in = stdinPipe()) in->destroy();
    process_->close([this] { handleClosed(); });

    publishEnd(true);
    detail::emitGuarded(loop_, exit_, exitCode_, signalCode_);
    ++closesGot_;
    // Node's flushStdio: output nobody consumed is drained so 'close' can follow.
    ticks_->post([this] {
        for (std::size_t i = 1; i < stdio_.size(); ++i)
            if (stdio_[i]) stdio_[i]->flushUnconsumed();
    });
    maybeClose();
}

void ChildProcess::onAbort() {
    if (isRunning() && kill(killSignal_)) fail(Error("The operation was aborted", "ABORT_ERR", "AbortError"));
}

void ChildProcess::maybeClose() {
    if (closeEmitted_ || closesGot_ != closesNeeded_) return;
    closeEmitted_ = true;
    const ListenerMarks marks{spawn_.mark(), error_.mark(), exit_.mark(), close_.mark()};
    publishEnd(false);
    detail::emitGuarded(loop_, close_, exitCode_, signalCode_);
    // 'close' is the last event: listeners that captured this child let it go. One
    // added during 'close' stays to hear the errors of calls made there (Node's
    // test-child-process-send-after-close.js) and goes once those have come.
    releaseListeners(marks);
    maybeFinish();
}

void ChildProcess::fail(const Error& err) {
    if (diagnostics::hasSubscribers(diagnostics::Kind::error)) {
        const std::string message = err.message();
        diagnostics::publish(diagnostics::Kind::error, [&](diagnostics::Event& e) {
            e.process = diagnosticsId_;
            e.child = this;
            e.pid = pid_;
            e.name = err.code;
            e.text = message;
        });
    }
    detail::emitError(loop_, error_, err);
}

void ChildProcess::publishEnd(bool exit) {
    diagnostics::publish(exit ? diagnostics::Kind::exit : diagnostics::Kind::close, [&](diagnostics::Event& e) {
        e.process = diagnosticsId_;
        e.child = this;
        e.pid = pid_;
        e.code = exitCode_;
        if (signalCode_) e.name = *signalCode_;
    });
}

void ChildProcess::releaseListeners(ListenerMarks addedBefore) {
    spawn_.clear(addedBefore[0]);
    error_.clear(addedBefore[1]);
    exit_.clear(addedBefore[2]);
    close_.clear(addedBefore[3]);
}

void ChildProcess::openHandle(bool countsForClose) {
    ++openHandles_;
    if (countsForClose) ++closesNeeded_;
}

void ChildProcess::handleDone(bool countsForClose) {
    if (countsForClose) {
        ++closesGot_;
        maybeClose();
    }
    handleClosed();
}

void ChildProcess::handleClosed() {
    --openHandles_;
    maybeFinish();
}

// When 'close' was emitted and every handle is closed, the tick queue closes last
// and our self-reference goes.
void ChildProcess::maybeFinish() {
    if (openHandles_ > 0 || !closeEmitted_ || finishing_) return;
    finishing_ = true;
    ticks_->close([this] {
        releaseListeners();
        auto self = std::move(self_);  // may destroy *this when the user holds no reference
    });
}

}  // namespace childproc

// SPDX-License-Identifier: MIT
// A program on a new terminal: the device (terminal_device.cpp), the program
// started by spawn() with the terminal as its controlling one, and the master
// read until EIO (master_io.cpp).

#include "childproc/pty.hpp"

#include <sys/types.h>
#include <csignal>
#include <filesystem>
#include <utility>

#include "childproc/loop.hpp"
#include "childproc/spawn.hpp"
#include "core/guard.hpp"
#include "core/once_or_error.hpp"
#include "core/tick_queue.hpp"
#include "core/timer.hpp"
#include "exec/encoding.hpp"
#include "pty/foreground.hpp"
#include "pty/master_io.hpp"
#include "pty/terminal_device.hpp"

namespace childproc {

namespace {

// Variables that describe the terminal *we* run in, wrong in the new one (node-pty's list).
constexpr const char* kOurTerminalVariables[] = {"TMUX",     "TMUX_PANE", "STY",     "WINDOW",
                                                 "WINDOWID", "TERMCAP",   "COLUMNS", "LINES"};

void checkSize(int value, const char* name) {
    if (value < 1 || value > 65535)
        throw Error("The value of \"" + std::string(name) +
                        "\" is out of range. It must be >= 1 && <= 65535. Received " + std::to_string(value),
                    "ERR_OUT_OF_RANGE", "RangeError");
}

Env programEnv(const PtyOptions& o, const std::string& cwd) {
    Env env = o.env ? *o.env : processEnv();
    if (!o.env)
        for (const char* k : kOurTerminalVariables) env.erase(k);
    if (o.name) env["TERM"] = *o.name;
    else if (!env.contains("TERM")) env["TERM"] = "xterm";
    env["PWD"] = cwd;
    return env;
}

}  // namespace

std::shared_ptr<Pty> Pty::spawn(const std::string& file, const std::vector<std::string>& args,
                                const PtyOptions& options) {
    checkSize(options.cols, "cols");
    checkSize(options.rows, "rows");
    std::shared_ptr<Pty> pty(new Pty(options.loop ? options.loop : defaultLoop()));
    pty->start(file, args, options);
    return pty;
}

Pty::Pty(uv_loop_t* loop) : loop_(loop), ticks_(detail::TickQueue::shared(loop)) {}

Pty::~Pty() = default;

void Pty::start(const std::string& file, const std::vector<std::string>& args, const PtyOptions& options) {
    file_ = file;
    cols_ = options.cols;
    rows_ = options.rows;
    if (options.encoding == Encoding::utf8) decoder_ = std::make_unique<detail::Utf8Decoder>();
    flowControl_ = options.handleFlowControl;
    flowPause_ = options.flowControlPause;
    flowResume_ = options.flowControlResume;
    drainAfterExit_ = options.drainAfterExit;

    detail::TerminalDevice device(cols_, rows_, decoder_ != nullptr);
    ptsName_ = device.path();
    SpawnOptions so;
    so.cwd = options.cwd;
    so.env = programEnv(options, options.cwd ? *options.cwd : std::filesystem::current_path().string());
    so.stdio = {StdioType::ignore, StdioType::ignore, StdioType::ignore};
    so.controllingTerminal = ptsName_;
    so.uid = options.uid;
    so.gid = options.gid;
    so.killWithParent = options.killWithParent;
    so.loop = loop_;
    child_ = childproc::spawn(file, args, so);  // argument errors throw; the device closes itself
    device.closeSlave();                        // the program has its own now (or never will)
    self_ = shared_from_this();
    openMaster(device.releaseMaster());

    child_->onError([this](const Error& e) { detail::emitError(loop_, error_, e); });
    child_->onExit(
        [this](std::optional<int> code, std::optional<std::string> signal) { onChildExit(code, std::move(signal)); });
    // After a failed start there is no 'exit' (as Node's), only 'close' with the errno.
    child_->onClose([this](std::optional<int> code, std::optional<std::string> signal) {
        if (!exit_) exit_ = ExitStatus{code, std::move(signal)};
        childClosed_ = true;
        closeMasterOnceDone();
        maybeClose();
    });
}

void Pty::openMaster(int fd) {
    detail::MasterIo::Callbacks cb;
    cb.data = [this](std::string_view bytes) { onOutput(bytes); };
    cb.end = [this] { onOutputEnd(); };
    cb.error = [this](int err, const char* syscall) { detail::emitError(loop_, error_, systemError(err, syscall)); };
    cb.drain = [this] { detail::emitGuarded(loop_, drain_); };
    cb.closed = [this] {
        masterClosed_ = true;
        drainTimer_.reset();
        maybeClose();
    };
    int status = 0;
    master_ = std::make_unique<detail::MasterIo>(loop_, fd, std::move(cb), status);
    if (status != 0) {
        masterClosed_ = true;
        ticks_->post([this, status] { detail::emitError(loop_, error_, systemError(status, "uv_poll_init")); });
    }
}

bool Pty::masterOpen() const { return master_ && !master_->closing(); }

void Pty::onOutputEnd() {
    if (decoder_) {
        std::string rest;
        decoder_->end(rest);
        if (!rest.empty()) emitData(rest);
    }
    outputEnded_ = true;
    closeMasterOnceDone();
}

Subscription Pty::onData(std::function<void(std::string_view)> fn, Listen how) {
    Subscription s = data_.add(std::move(fn), how);
    if (!flowing_ && masterOpen()) {
        flowing_ = true;
        master_->startReading();
    }
    return s;
}

// The terminal's bytes on the stdio channel, as the child's fd 1 (out) and fd 0 (in):
// they do not pass through a Stream of the child's.
void Pty::publish(diagnostics::Kind kind, std::string_view bytes) const {
    diagnostics::publish(kind, [&](diagnostics::Event& e) {
        e.process = child_ ? child_->diagnosticsId() : 0;
        e.child = child_.get();
        e.pid = pid();
        e.fd = kind == diagnostics::Kind::write ? 0 : 1;
        e.bytes = bytes.size();
        e.data = bytes;
    });
}

void Pty::onOutput(std::string_view bytes) {
    publish(diagnostics::Kind::read, bytes);
    if (!decoder_) {
        emitData(bytes);
        return;
    }
    std::string text;
    decoder_->decode(bytes, text);
    if (!text.empty()) emitData(text);
}

void Pty::emitData(std::string_view text) { detail::emitGuarded(loop_, data_, text); }

void Pty::onChildExit(std::optional<int> code, std::optional<std::string> signal) {
    exit_ = ExitStatus{code, std::move(signal)};
    detail::emitGuarded(loop_, exitListeners_, *exit_);
    closeMasterOnceDone();
    if (!masterOpen()) return;
    // Nobody reads: discard, as Node drains a child's unread stdio, so 'close' can come.
    if (!flowing_) {
        flowing_ = true;
        master_->startReading();
    }
    if (drainAfterExit_.count() > 0) {
        drainTimer_ = std::make_unique<detail::Timer>();
        drainTimer_->start(loop_, drainAfterExit_, [this] { master_->close(); });
    }
}

// The output ended (every slave fd is closed) and the program is gone: only now
// may the master go, since closing it sends SIGHUP to whoever still runs there.
void Pty::closeMasterOnceDone() {
    if (outputEnded_ && exit_ && masterOpen()) master_->close();
}

void Pty::maybeClose() {
    if (closed_ || !childClosed_ || !masterClosed_) return;
    closed_ = true;
    detail::emitGuarded(loop_, close_, *exit_);
    data_.clear();
    exitListeners_.clear();
    close_.clear();
    error_.clear();
    drain_.clear();
    // Not from inside the stream's own close callback, which still runs.
    ticks_->post([self = std::move(self_)] {});
}

Subscription Pty::onExit(std::function<void(const ExitStatus&)> fn, Listen how) {
    return exitListeners_.add(std::move(fn), how);
}
Subscription Pty::onClose(std::function<void(const ExitStatus&)> fn, Listen how) {
    return close_.add(std::move(fn), how);
}
Subscription Pty::onError(std::function<void(const Error&)> fn, Listen how) { return error_.add(std::move(fn), how); }
Subscription Pty::onDrain(std::function<void()> fn, Listen how) { return drain_.add(std::move(fn), how); }

Promise<ExitStatus> Pty::closed() {
    if (closed_) {
        auto [promise, resolver] = Promise<ExitStatus>::withResolvers();
        resolver.resolve(*exit_);
        return promise;
    }
    return detail::onceOrError<ExitStatus>([this](auto settle) { return onClose(settle, once); },
                                           [this](auto fail) { return onError(fail, once); });
}

std::optional<int> Pty::pid() const { return child_ ? child_->pid() : std::nullopt; }

int Pty::masterFd() const { return masterOpen() ? master_->fd() : -1; }

std::string Pty::process() const {
    const int fd = masterFd();
    if (fd >= 0)
        if (auto name = detail::foregroundProcess(fd)) return *name;
    return file_;
}

bool Pty::write(std::string data) {
    if (!masterOpen()) return false;
    publish(diagnostics::Kind::write, data);
    if (flowControl_) {
        if (data == flowPause_) {
            pause();
            return true;
        }
        if (data == flowResume_) {
            resume();
            return true;
        }
    }
    return master_->write(std::move(data));
}

void Pty::resize(int cols, int rows) {
    checkSize(cols, "cols");
    checkSize(rows, "rows");
    const int fd = masterFd();
    if (fd < 0) return;
    cols_ = cols;
    rows_ = rows;
    detail::setWindowSize(fd, cols, rows);
}

bool Pty::kill(Signal sig) { return child_ && child_->kill(sig); }

bool Pty::killForeground(Signal sig) {
    const int fd = masterFd();
    const pid_t group = fd >= 0 ? ::tcgetpgrp(fd) : -1;
    return group > 0 && ::kill(-group, sig.number()) == 0;
}

void Pty::pause() {
    if (master_) master_->stopReading();
}

void Pty::resume() {
    if (master_ && flowing_) master_->startReading();
}

void Pty::destroy() {
    if (child_ && !exit_) child_->kill(SIGHUP);
    if (master_) master_->close();
}

}  // namespace childproc

// SPDX-License-Identifier: MIT
// childproc pty: a program on a new terminal, as script(1) runs one: our terminal
// in raw mode while it runs, its size passed on, our stdin typed into it.

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <childproc/pty.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "stdin_relay.hpp"

namespace cli {

using namespace childproc;

namespace {

struct PtyFlags {
    CommonFlags common;
    std::optional<int> cols, rows;
    std::optional<std::string> term;
};

// The size of the terminal we run in, if we run in one.
std::optional<winsize> ourSize() {
    for (int fd : {1, 0, 2}) {
        winsize ws{};
        if (::isatty(fd) && ::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) return ws;
    }
    return std::nullopt;
}

// Our terminal in raw mode while the program runs, as script(1) puts it: every
// key goes to the program as typed, and output is not translated twice (libuv's
// raw mode keeps ONLCR, which would turn the program's \r\n into \r\r\n). The
// mode comes back on every way out: the program's end, a forwarded signal, a throw.
class RawTerminal {
public:
    RawTerminal() {
        if (!::isatty(0) || ::tcgetattr(0, &saved_) != 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        active_ = ::tcsetattr(0, TCSADRAIN, &raw) == 0;
    }
    RawTerminal(const RawTerminal&) = delete;
    RawTerminal& operator=(const RawTerminal&) = delete;
    ~RawTerminal() {
        if (active_) ::tcsetattr(0, TCSADRAIN, &saved_);
    }

private:
    termios saved_{};
    bool active_ = false;
};

// A libuv signal watcher that does not keep the loop alive, closed with its scope.
class SignalWatch {
public:
    SignalWatch(int signum, std::function<void()> fn) : fn_(std::move(fn)) {
        uv_signal_init(defaultLoop(), &h_);
        h_.data = this;
        uv_signal_start(
            &h_, [](uv_signal_t* h, int) { static_cast<SignalWatch*>(h->data)->fn_(); }, signum);
        uv_unref(reinterpret_cast<uv_handle_t*>(&h_));
    }
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;
    ~SignalWatch() {
        uv_close(reinterpret_cast<uv_handle_t*>(&h_), nullptr);
        uv_run(defaultLoop(), UV_RUN_NOWAIT);
    }

private:
    uv_signal_t h_{};
    std::function<void()> fn_;
};

PtyOptions toPtyOptions(const PtyFlags& f) {
    const SpawnOptions so = toSpawnOptions(f.common, {});
    PtyOptions o;
    o.cwd = so.cwd;
    o.env = so.env;
    o.name = f.term;
    const auto size = ourSize();
    o.cols = f.cols.value_or(size ? size->ws_col : 80);
    o.rows = f.rows.value_or(size ? size->ws_row : 24);
    o.encoding = Encoding::buffer;  // bytes pass through as they come
    return o;
}

int runPty(const PtyFlags& f, const std::vector<std::string>& words) {
    const Trace trace(f.common.trace);
    const std::vector<std::string> args(words.begin() + 1, words.end());
    std::shared_ptr<Pty> pty;
    try {
        pty = Pty::spawn(words.front(), args, toPtyOptions(f));
    } catch (const Error& e) {
        complain(e.message());
        return startFailureStatus(e);
    }
    std::optional<Error> failure;
    std::optional<ExitStatus> status;
    pty->onError([&](const Error& e) { failure = e; });
    pty->onData([](std::string_view d) { writeAll(1, d); });
    pty->onClose([&](const ExitStatus& s) { status = s; });

    const RawTerminal raw;
    relayStdin(*pty);
    // A size of our own follows our terminal; one given on the command line stays.
    std::optional<SignalWatch> winch;
    if (!f.cols && !f.rows)
        winch.emplace(SIGWINCH, [&] {
            if (auto size = ourSize()) pty->resize(size->ws_col, size->ws_row);
        });
    // What would end us ends the program instead; we then end as it did.
    std::vector<std::unique_ptr<SignalWatch>> forwarded;
    for (int sig : {SIGHUP, SIGINT, SIGTERM, SIGQUIT})
        forwarded.push_back(std::make_unique<SignalWatch>(sig, [&pty, sig] { pty->kill(sig); }));
    // --timeout: the program gets --kill-signal, as timeout(1) sends its signal.
    struct Deadline {
        uv_timer_t timer{};
        Pty* pty;
        int signal;
        bool fired = false;
    } deadline{{}, pty.get(), f.common.killSignal.number()};
    if (f.common.timeoutMs > 0) {
        uv_timer_init(defaultLoop(), &deadline.timer);
        deadline.timer.data = &deadline;
        uv_timer_start(
            &deadline.timer,
            [](uv_timer_t* t) {
                auto* d = static_cast<Deadline*>(t->data);
                d->fired = d->pty->kill(d->signal);
            },
            static_cast<uint64_t>(f.common.timeoutMs), 0);
        uv_unref(reinterpret_cast<uv_handle_t*>(&deadline.timer));
    }
    run();
    if (f.common.timeoutMs > 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&deadline.timer), nullptr);
        uv_run(defaultLoop(), UV_RUN_NOWAIT);
    }
    if (deadline.fired && status && status->signal)
        complain("killed by " + *status->signal + " after " + std::to_string(f.common.timeoutMs) + " ms timeout");
    if (failure && !pty->pid()) {
        complain(failure->message());
        return startFailureStatus(*failure);
    }
    if (!status) return kUsageStatus;
    if (status->signal) return 128 + signalNumber(*status->signal).value_or(0);
    return status->code.value_or(1);
}

}  // namespace

Command ptyCommand(CLI::App& app) {
    auto f = std::make_shared<PtyFlags>();
    Command c;
    c.operands = "FILE [ARG]...";
    c.app = addSubcommand(app, "pty", "Run FILE on a new terminal, as script(1) does (node-pty's spawn).", c.operands);
    c.app->add_option("--cols", f->cols, "columns of the terminal; default: ours, else 80")
        ->type_name("N")
        ->check(wholeIn(1, 65535));
    c.app->add_option("--rows", f->rows, "rows of the terminal; default: ours, else 24")
        ->type_name("N")
        ->check(wholeIn(1, 65535));
    c.app->add_option("--term", f->term, "TERM for the program; default: ours, else xterm")->type_name("NAME");
    addEnvironmentOptions(*c.app, f->common);
    addTimeoutOptions(*c.app, f->common);
    addTraceOption(*c.app, f->common.trace);
    c.app->footer(
        "While FILE runs, a terminal on our stdin is in raw mode, so every key reaches FILE\n"
        "(^C included); its mode is restored when FILE ends. A stdin that is a pipe or a\n"
        "file is typed in, and its end is ^D. Our terminal's size follows SIGWINCH unless\n"
        "--cols or --rows fix it. Exit status: FILE's, 128+N for signal N.");
    c.run = [f](const std::vector<std::string>& words) { return runPty(*f, words); };
    return c;
}

}  // namespace cli

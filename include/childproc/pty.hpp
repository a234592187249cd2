// SPDX-License-Identifier: MIT
#pragma once
// Terminals, as node-pty is to Node: a program on a new pseudo-terminal, which is
// its controlling terminal (^C is SIGINT, /dev/tty opens, job control works).
//
//   auto term = childproc::Pty::spawn("bash", {}, {.cols = 100, .rows = 30});
//   term->onData([](std::string_view s) { std::cout << s; });
//   term->write("ls\r");
//   term->resize(120, 40);
//   auto [code, signal] = co_await term->closed();
//
// The child is a session leader that opened the terminal itself (posix_spawn's
// SETSID, then the slave opened without O_NOCTTY as fd 0); the master is
// close-on-exec and reaches no other child. Output is read until the kernel says
// every slave fd is closed, so nothing written before exit is lost: 'exit' comes
// when the program ends, 'close' after its last byte.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <uv.h>

#include "childproc/child_process.hpp"
#include "childproc/diagnostics.hpp"
#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/exec.hpp"
#include "childproc/export.hpp"
#include "childproc/options.hpp"
#include "childproc/promise.hpp"
#include "childproc/signals.hpp"

namespace childproc {

namespace detail {
class MasterIo;
class TickQueue;
class Timer;
class Utf8Decoder;
}  // namespace detail

// node-pty's IPtyForkOptions, typed.
struct PtyOptions {
    // TERM for the program. Default: TERM of env, else "xterm" (node-pty's rule).
    std::optional<std::string> name{};
    int cols = 80;
    int rows = 24;
    std::optional<std::string> cwd{};  // default: ours; the program's PWD is set to it, as node-pty does
    // Default: our environment without the variables that describe *our* terminal
    // (TMUX, TMUX_PANE, STY, WINDOW, WINDOWID, TERMCAP, COLUMNS, LINES), as node-pty.
    std::optional<Env> env{};
    // utf8: 'data' is text, a character split between two reads is delivered whole
    // and an invalid byte becomes U+FFFD (IUTF8 is set on the terminal); buffer: the
    // bytes as they come (node-pty's encoding: null).
    Encoding encoding = Encoding::utf8;
    // node-pty's handleFlowControl: a write() of exactly flowControlPause (XOFF)
    // pauses our reading and flowControlResume (XON) resumes it; neither is sent.
    bool handleFlowControl = false;
    std::string flowControlPause = "\x13";
    std::string flowControlResume = "\x11";
    std::optional<uint32_t> uid{};
    std::optional<uint32_t> gid{};
    // Beyond node-pty.
    bool killWithParent = false;  // as SpawnOptions::killWithParent
    // After the program exits, how long a grandchild that still holds the terminal
    // (one that escaped the SIGHUP with setsid or nohup) may keep 'close' waiting;
    // then reading stops and what came is kept. 0: wait for the last slave fd.
    std::chrono::milliseconds drainAfterExit{1000};
    uv_loop_t* loop = nullptr;  // default: uv_default_loop()
};

class CHILDPROC_EXPORT Pty : public std::enable_shared_from_this<Pty> {
public:
    // node-pty's spawn(file, args, options). The file is looked up in PATH; argument
    // and option errors throw as spawn()'s do. A program that cannot start is an
    // 'error' (spawn X ENOENT), then 'close' with the negative errno, as with spawn().
    static std::shared_ptr<Pty> spawn(const std::string& file, const std::vector<std::string>& args = {},
                                      const PtyOptions& options = {});
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;
    ~Pty();

    std::optional<int> pid() const;
    int cols() const { return cols_; }
    int rows() const { return rows_; }
    // node-pty's `process`: argv[0] of the terminal's foreground process group
    // leader (a shell's running job), else the file this Pty started.
    std::string process() const;
    // The terminal's device, "/dev/pts/N" (what tty(1) prints in the program).
    const std::string& ptsName() const { return ptsName_; }

    // The output: text in utf8, bytes in buffer encoding; valid during the call.
    // The first listener starts the reading; until then the output waits in the
    // terminal, and the program blocks once that is full.
    Subscription onData(std::function<void(std::string_view)> fn, Listen how = Listen::on);
    // The program ended: code, or the signal's name (never node-pty's code 0 with a signal).
    Subscription onExit(std::function<void(const ExitStatus&)> fn, Listen how = Listen::on);
    // The program ended and its last byte was delivered: the last event.
    Subscription onClose(std::function<void(const ExitStatus&)> fn, Listen how = Listen::on);
    // Failures to start or to read; with no listener, thrown from run().
    Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);
    Subscription onDrain(std::function<void()> fn, Listen how = Listen::on);
    // `await once(term, 'close')`.
    Promise<ExitStatus> closed();

    // What a person types. False once 16 KiB wait to be written (wait for 'drain');
    // large writes are queued whole, never dropped. After the terminal closed, a no-op
    // that returns false.
    bool write(std::string data);
    // TIOCSWINSZ: the program's foreground group gets SIGWINCH. Sizes must be
    // 1-65535 (RangeError ERR_OUT_OF_RANGE); after the terminal closed, a no-op.
    void resize(int cols, int rows);
    // node-pty's kill(signal = SIGHUP), to the program itself. False once it is gone.
    bool kill(Signal sig = SIGHUP);
    // The terminal's foreground process group (a shell's running job, its pipes
    // included), as the terminal's own ^C reaches it. False when there is none.
    bool killForeground(Signal sig = SIGHUP);
    // Stop and restart reading: the program blocks once the terminal's buffer fills.
    void pause();
    void resume();
    // SIGHUP to the program if it still runs, and the terminal closed now.
    void destroy();

    std::optional<ExitStatus> exitStatus() const { return exit_; }
    bool isClosed() const { return closed_; }
    uv_loop_t* loop() const { return loop_; }

private:
    explicit Pty(uv_loop_t* loop);
    void start(const std::string& file, const std::vector<std::string>& args, const PtyOptions& options);
    void openMaster(int fd);
    void onOutput(std::string_view bytes);
    void publish(diagnostics::Kind kind, std::string_view bytes) const;
    void onOutputEnd();
    bool masterOpen() const;
    void onChildExit(std::optional<int> code, std::optional<std::string> signal);
    void closeMasterOnceDone();
    void maybeClose();
    void emitData(std::string_view text);
    int masterFd() const;

    uv_loop_t* loop_;
    std::shared_ptr<detail::TickQueue> ticks_;
    std::shared_ptr<ChildProcess> child_;
    std::unique_ptr<detail::MasterIo> master_;
    std::unique_ptr<detail::Timer> drainTimer_;
    std::shared_ptr<Pty> self_;  // alive until 'close', as a running child is
    std::string file_;
    std::string ptsName_;
    int cols_ = 80;
    int rows_ = 24;
    std::unique_ptr<detail::Utf8Decoder> decoder_;  // utf8 only
    bool flowControl_ = false;
    std::string flowPause_, flowResume_;
    std::chrono::milliseconds drainAfterExit_{1000};
    std::optional<ExitStatus> exit_;
    bool childClosed_ = false;
    bool outputEnded_ = false;  // EIO: every slave fd is closed
    bool masterClosed_ = false;
    bool closed_ = false;
    bool flowing_ = false;
    Listeners<std::string_view> data_;
    Listeners<const ExitStatus&> exitListeners_, close_;
    Listeners<const Error&> error_;
    Listeners<> drain_;
};

}  // namespace childproc

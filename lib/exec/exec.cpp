// SPDX-License-Identifier: MIT
// exec() and execFile(): Node's execFile in lib/child_process.js, in C++.

#include "childproc/exec.hpp"

#include "childproc/spawn.hpp"
#include "core/guard.hpp"
#include "core/timer.hpp"
#include "exec/capture.hpp"
#include "spawn/convert_options.hpp"
#include "spawn/normalize.hpp"

namespace childproc {

namespace {

using detail::Capture;

// One run: the buffers, the timer and the rule that the callback runs once.
class ExecRun : public std::enable_shared_from_this<ExecRun> {
public:
    ExecRun(std::string cmd, const ExecOptions& o, ExecCallback cb)
        : cmd_(std::move(cmd)), killSignal_(o.killSignal), cb_(std::move(cb)),
          out_(o.maxBuffer, overflowRule(o.encoding)), err_(o.maxBuffer, overflowRule(o.encoding)) {}

    void attach(const ChildProcessPtr& child, std::chrono::milliseconds timeout) {
        child_ = child;
        auto self = shared_from_this();
        if (auto* s = child->stdoutPipe())
            s->onData([self](std::string_view d) { self->onOutput(self->out_, d, "stdout"); });
        if (auto* s = child->stderrPipe())
            s->onData([self](std::string_view d) { self->onOutput(self->err_, d, "stderr"); });
        child->onClose(
            [self](std::optional<int> code, std::optional<std::string> sig) { self->exithandler(code, sig); });
        child->onError([self](const Error& e) { self->errorhandler(e); });
        // The timer holds the run, as Node's closure does, until the child closes.
        if (timeout.count() > 0) timer_.start(child->loop(), timeout, [self] { self->kill(); });
    }

private:
    static Capture::Overflow overflowRule(Encoding e) {
        return e == Encoding::buffer ? Capture::Overflow::truncate : Capture::Overflow::truncateText;
    }

    void onOutput(Capture& c, std::string_view chunk, const char* which) {
        if (c.add(chunk)) return;
        overflowed(which);
        kill();
    }

    void overflowed(const char* which) {
        ex_ = ExecError(std::string(which) + " maxBuffer length exceeded", "ERR_CHILD_PROCESS_STDIO_MAXBUFFER",
                        "RangeError");
    }

    void destroyOutput() {
        if (auto c = child_.lock()) {
            if (auto* s = c->stdoutPipe()) s->destroy();
            if (auto* s = c->stderrPipe()) s->destroy();
        }
    }

    void kill() {
        destroyOutput();
        killed_ = true;
        auto c = child_.lock();
        if (!c) return;
        try {
            c->kill(killSignal_);
        } catch (const Error& e) {
            ex_ = ExecError(e);
            exithandler(std::nullopt, std::nullopt);
        }
    }

    void errorhandler(const Error& e) {
        ex_ = ExecError(e);
        destroyOutput();
        exithandler(std::nullopt, std::nullopt);
    }

    void exithandler(std::optional<int> code, std::optional<std::string> sig) {
        if (exited_) return;
        exited_ = true;
        timer_.close();
        // The streams ended: Node's decoder flushes an unfinished character as 'data'.
        if (!ex_ && !out_.finish()) overflowed("stdout");
        if (!ex_ && !err_.finish()) overflowed("stderr");
        std::string out = out_.take();
        std::string err = err_.take();
        ExecCallback cb = std::move(cb_);
        if (!ex_ && code == 0 && !sig) {
            cb(std::nullopt, out, err);
            return;
        }
        if (!ex_) {
            ExecError e("Command failed: " + cmd_ + "\n" + err);
            if (code && *code < 0) e.code = errorName(*code);
            else e.exitCode = code;
            auto c = child_.lock();
            e.killed = (c && c->killed()) || killed_;
            e.signal = sig;
            ex_ = std::move(e);
        }
        if (auto c = child_.lock()) ex_->resourceUsage = c->resourceUsage();
        ex_->cmd = cmd_;
        ex_->stdoutData = out;
        ex_->stderrData = err;
        cb(ex_, out, err);
    }

    std::string cmd_;
    Signal killSignal_;
    ExecCallback cb_;
    Capture out_, err_;
    std::weak_ptr<ChildProcess> child_;  // the child owns us through its listeners
    std::optional<ExecError> ex_;
    bool exited_ = false;
    bool killed_ = false;
    detail::Timer timer_;
};

SpawnOptions toSpawnOptions(const ExecOptions& o) {
    auto so = detail::convertOptions<SpawnOptions>(o);
    so.timeout = {};  // ours to handle: it must mark the run as killed
    return so;
}

ChildProcessPtr start(const std::string& file, const std::vector<std::string>& args, std::string cmd,
                      const ExecOptions& o, ExecCallback cb) {
    detail::validateTimeout(o.timeout);
    auto run = std::make_shared<ExecRun>(std::move(cmd), o, std::move(cb));
    auto child = spawn(file, args, toSpawnOptions(o));
    run->attach(child, o.timeout);
    return child;
}

// Start a run whose callback settles a promise once: settle(error, result). The
// child is held for result.child until then.
template <class Start, class Settle>
ChildProcessPtr settling(Start&& startRun, Settle settle) {
    auto holder = std::make_shared<ChildProcessPtr>();
    *holder = startRun([settle = std::move(settle), holder](const std::optional<ExecError>& e, const std::string& out,
                                                            const std::string& err) {
        settle(e, e ? ExecResult{}
                    : ExecResult{out, err, *holder, (*holder)->resourceUsage()});  // no copy of the output for an error
        holder->reset();
    });
    return *holder;
}

template <class Start>
std::future<ExecResult> promised(Start&& startRun) {
    auto promise = std::make_shared<std::promise<ExecResult>>();
    settling(std::forward<Start>(startRun), [promise](const std::optional<ExecError>& e, ExecResult r) {
        if (e) promise->set_exception(std::make_exception_ptr(*e));
        else promise->set_value(std::move(r));
    });
    return promise->get_future();
}

// The same for co_await: the callback settles a Promise.
template <class Start>
ExecPromise promiseOf(Start&& startRun) {
    auto [promise, resolver] = Promise<ExecResult>::withResolvers();
    auto child =
        settling(std::forward<Start>(startRun), [r = resolver](const std::optional<ExecError>& e, ExecResult res) {
            if (e) r.reject(*e);
            else r.resolve(std::move(res));
        });
    return ExecPromise{promise, child};
}

}  // namespace

ChildProcessPtr execFile(const std::string& file, const std::vector<std::string>& args, ExecOptions options,
                         ExecCallback callback) {
    return start(file, args, detail::commandLine(file, args), options, std::move(callback));
}

ChildProcessPtr execFile(const std::string& file, const std::vector<std::string>& args, ExecCallback callback) {
    return execFile(file, args, ExecOptions{}, std::move(callback));
}

ChildProcessPtr exec(const std::string& command, ExecOptions options, ExecCallback callback) {
    options.shell = detail::execShell(options.shell);
    return start(command, {}, command, options, std::move(callback));
}

ChildProcessPtr exec(const std::string& command, ExecCallback callback) {
    return exec(command, ExecOptions{}, std::move(callback));
}

ExecPromise exec(const std::string& command, ExecOptions options) {
    return promiseOf([&](ExecCallback cb) { return exec(command, std::move(options), std::move(cb)); });
}

ExecPromise execFile(const std::string& file, const std::vector<std::string>& args, ExecOptions options) {
    return promiseOf([&](ExecCallback cb) { return execFile(file, args, std::move(options), std::move(cb)); });
}

std::future<ExecResult> execAsync(const std::string& command, ExecOptions options) {
    return promised([&](ExecCallback cb) { return exec(command, std::move(options), std::move(cb)); });
}

std::future<ExecResult> execFileAsync(const std::string& file, const std::vector<std::string>& args,
                                      ExecOptions options) {
    return promised([&](ExecCallback cb) { return execFile(file, args, std::move(options), std::move(cb)); });
}

}  // namespace childproc

// SPDX-License-Identifier: MIT
// spawnSync(), execSync(), execFileSync(): spawn() on a private loop, as Node's
// spawn_sync.cc runs uv_spawn on its own uv_loop.

#include "childproc/sync.hpp"

#include <unistd.h>

#include "childproc/spawn.hpp"
#include "core/guard.hpp"
#include "core/timer.hpp"
#include "exec/capture.hpp"
#include "exec/encoding.hpp"
#include "exec/private_loop.hpp"
#include "spawn/convert_options.hpp"
#include "spawn/normalize.hpp"

namespace childproc {

namespace detail {
void PrivateLoop::run() {
    uv_run(&loop_, UV_RUN_DEFAULT);
    rethrowKept(&loop_);
}
}  // namespace detail

namespace {

using detail::Capture;

// Node's errors from spawnSync name the call: "spawnSync <file> ETIMEDOUT".
Error syncError(int uvErr, const std::string& file, const std::vector<std::string>& spawnargs) {
    Error e = systemError(uvErr, "spawnSync " + file);
    e.path = file;
    e.spawnargs = spawnargs;
    return e;
}

// The async engine's spawn error, renamed for the sync call: "spawnSync ls ENOENT"
// (a missing cwd still says so, and path still names it).
Error asSyncError(const Error& e, const std::string& file, const std::vector<std::string>& spawnargs) {
    const std::string msg = e.message();
    Error out(msg.rfind("spawn ", 0) == 0 ? "spawnSync " + msg.substr(6) : msg, e.code, e.name);
    out.errnum = e.errnum;
    out.syscall = "spawnSync " + file;
    out.path = e.path ? e.path : file;
    out.spawnargs = spawnargs;
    return out;
}

std::vector<Stdio> syncStdio(const SpawnSyncOptions& o) {
    std::vector<Stdio> slots = o.stdio ? o.stdio->slots() : StdioOption(StdioType::pipe).slots();
    for (const auto& s : slots)
        if (s.type == StdioType::ipc) throw Error("IPC cannot be used with synchronous forks", "ERR_IPC_SYNC_FORK");
    if (o.input) {
        if (slots.empty()) slots.emplace_back(StdioType::pipe);
        slots[0] = StdioType::pipe;  // Node: input replaces stdio[0]
    }
    return slots;
}

// One spawnSync on its private loop: what it captures, and why it stopped early.
class SyncRun {
public:
    SyncRun(ChildProcessPtr child, const SpawnSyncOptions& o) : child_(std::move(child)), o_(o) {
        captures_.reserve(child_->stdioCount());
        for (std::size_t i = 0; i < child_->stdioCount(); ++i)
            captures_.emplace_back(o.maxBuffer, Capture::Overflow::keepChunk);
        watch();
        feedInput();
    }

    // As in Node, the timeout bounds the whole call: it runs until 'close', so output
    // held open by a grandchild cannot stretch it.
    void armTimeout(uv_loop_t* loop) {
        timer_.start(loop, o_.timeout, [this] {
            timedOut_ = true;
            stopChild();
        });
        child_->onClose([this](auto, auto) { timer_.close(); });
    }

    SpawnSyncResult result(const std::vector<std::string>& args) {
        SpawnSyncResult res;
        const std::string spawnfile = child_->spawnfile();
        if (spawnError_) {
            res.error = asSyncError(*spawnError_, spawnfile, args);
            return res;
        }
        res.pid = child_->pid().value_or(0);
        res.status = child_->exitCode();
        res.signal = child_->signalCode();
        res.resourceUsage = child_->resourceUsage();
        std::vector<std::optional<std::string>> output(child_->stdioCount());
        for (std::size_t i = 1; i < child_->stdioCount(); ++i)
            if (child_->stdio(i)) output[i] = detail::applyEncoding(captures_[i].take(), o_.encoding);
        if (child_->stdioCount() > 1) res.stdoutData = output[1];
        if (child_->stdioCount() > 2) res.stderrData = output[2];
        res.output = std::move(output);
        if (timedOut_) res.error = syncError(UV_ETIMEDOUT, spawnfile, args);
        else if (overflowed_) res.error = syncError(UV_ENOBUFS, spawnfile, args);
        return res;
    }

private:
    void watch() {
        child_->onError([this](const Error& e) {
            if (!child_->pid()) spawnError_ = e;
        });
        for (std::size_t i = 1; i < child_->stdioCount(); ++i) {
            Stream* s = child_->stdio(i);
            if (!s) continue;
            s->onData([this, i](std::string_view d) {
                if (captures_[i].add(d) || overflowed_) return;
                overflowed_ = true;
                stopChild();
            });
        }
    }

    void feedInput() {
        Stream* in = child_->stdinPipe();
        if (!in) return;
        in->onError([](const Error&) {});  // a child that does not read its input is not an error (EPIPE)
        if (o_.input) in->end(*o_.input);
        else in->end();
    }

    // Node's SyncProcessRunner::Kill: signal the child if it still runs, and close
    // our ends of its pipes, so a grandchild holding them cannot make us hang.
    void stopChild() {
        try {
            child_->kill(o_.killSignal);
        } catch (const Error&) {
            child_->kill(SIGKILL);  // Node falls back to SIGKILL when killSignal is refused
        }
        for (std::size_t k = 0; k < child_->stdioCount(); ++k)
            if (auto* p = child_->stdio(k)) p->destroy();
    }

    ChildProcessPtr child_;
    const SpawnSyncOptions& o_;
    std::vector<Capture> captures_;
    std::optional<Error> spawnError_;
    bool timedOut_ = false;
    bool overflowed_ = false;
    detail::Timer timer_;
};

}  // namespace

SpawnSyncResult spawnSync(const std::string& file, const std::vector<std::string>& args, SpawnSyncOptions o) {
    detail::validateTimeout(o.timeout);
    auto so = detail::convertOptions<SpawnOptions>(o);
    so.stdio = syncStdio(o);
    so.timeout = {};  // ours to handle: it bounds the whole call

    detail::PrivateLoop loop;
    so.loop = loop.get();
    SpawnSyncResult res;
    if (loop.error()) {  // Node's SyncProcessRunner reports a failed uv_loop_init as result.error
        res.error = syncError(loop.error(), file, args);
        return res;
    }
    if (o.cwd && o.cwd->empty()) {  // Node's spawn_sync.cc, unlike spawn(), hands '' to chdir
        res.error = syncError(UV_ENOENT, file, args);
        return res;
    }
    ChildProcessPtr child;
    try {
        child = spawn(file, args, so);
    } catch (const Error& e) {
        if (e.errnum == 0) throw;  // invalid arguments: Node throws these too
        res.error = asSyncError(e, file, args);
        return res;
    }
    SyncRun run(std::move(child), o);
    if (o.timeout.count() > 0) run.armTimeout(loop.get());
    loop.run();
    return run.result(args);
}

namespace {

// Node's checkExecSyncError, then the throw.
std::string checkedStdout(SpawnSyncResult r, const std::string& cmd, bool forwardStderr) {
    if (forwardStderr && r.stderrData && !r.stderrData->empty()) {
        // execSync without stdio: the child's stderr goes to ours, as Node writes it.
        [[maybe_unused]] auto n = ::write(2, r.stderrData->data(), r.stderrData->size());
    }
    if (!r.error && r.status == 0) return r.stdoutData.value_or("");
    ExecError e = r.error ? ExecError(*r.error)
                          : ExecError("Command failed: " + cmd +
                                      (r.stderrData && !r.stderrData->empty() ? "\n" + *r.stderrData : std::string()));
    e.cmd = cmd;
    e.status = r.status;
    e.exitCode = r.status;
    e.signal = r.signal;
    e.pid = r.pid;
    e.resourceUsage = r.resourceUsage;
    if (r.output) e.output = *r.output;
    e.stdoutData = r.stdoutData.value_or("");
    e.stderrData = r.stderrData.value_or("");
    throw e;
}

}  // namespace

std::string execFileSync(const std::string& file, const std::vector<std::string>& args, SpawnSyncOptions options) {
    const bool forwardStderr = !options.stdio;
    return checkedStdout(spawnSync(file, args, std::move(options)), detail::commandLine(file, args), forwardStderr);
}

std::string execSync(const std::string& command, SpawnSyncOptions options) {
    const bool forwardStderr = !options.stdio;
    options.shell = detail::execShell(options.shell);
    return checkedStdout(spawnSync(command, {}, std::move(options)), command, forwardStderr);
}

}  // namespace childproc

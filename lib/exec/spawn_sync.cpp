// SPDX-License-Identifier: MIT
// spawnSync(), execSync(), execFileSync(): spawn() on a private loop, as Node's
// spawn_sync.cc runs uv_spawn on its own uv_loop.

#include "childproc/sync.hpp"

#include <unistd.h>

#include "childproc/spawn.hpp"
#include "core/convert_options.hpp"
#include "core/guard.hpp"
#include "exec/capture.hpp"
#include "exec/encoding.hpp"
#include "exec/private_loop.hpp"
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
    const std::string spawnfile = child->spawnfile();

    std::vector<Capture> captures;
    captures.reserve(child->stdioCount());
    for (std::size_t i = 0; i < child->stdioCount(); ++i)
        captures.emplace_back(o.maxBuffer, Capture::Overflow::keepChunk);

    std::optional<Error> spawnError;
    bool timedOut = false, overflowed = false;
    // Node's SyncProcessRunner::Kill: signal the child if it still runs, and close
    // our ends of its pipes, so a grandchild holding them cannot make us hang.
    auto stopChild = [&] {
        try {
            child->kill(o.killSignal);
        } catch (const Error&) {
            child->kill(SIGKILL);  // Node falls back to SIGKILL when killSignal is refused
        }
        for (std::size_t k = 0; k < child->stdioCount(); ++k)
            if (auto* p = child->stdio(k)) p->destroy();
    };
    child->onError([&](const Error& e) {
        if (!child->pid()) spawnError = e;
    });
    for (std::size_t i = 0; i < child->stdioCount(); ++i) {
        Stream* s = child->stdio(i);
        if (!s || i == 0) continue;
        s->onData([&, i](std::string_view d) {
            if (captures[i].add(d) || overflowed) return;
            overflowed = true;
            stopChild();
        });
    }
    if (Stream* in = child->stdinPipe()) {
        in->onError([](const Error&) {});  // a child that does not read its input is not an error (EPIPE)
        if (o.input) in->end(*o.input);
        else in->end();
    }

    // As in Node, the timeout bounds the whole call: it runs until 'close', so output
    // held open by a grandchild cannot stretch it.
    std::function<void()> onTimeout = [&] {
        timedOut = true;
        stopChild();
    };
    uv_timer_t timer;
    bool timerOpen = false;
    auto closeTimer = [&] {
        if (!timerOpen) return;
        timerOpen = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    };
    if (o.timeout.count() > 0) {
        uv_timer_init(loop.get(), &timer);
        timerOpen = true;
        timer.data = &onTimeout;
        uv_timer_start(
            &timer, [](uv_timer_t* t) { (*static_cast<std::function<void()>*>(t->data))(); },
            static_cast<std::uint64_t>(o.timeout.count()), 0);
        child->onClose([&](auto, auto) { closeTimer(); });
    }
    loop.run();

    if (spawnError) {
        res.error = asSyncError(*spawnError, spawnfile, args);
        return res;
    }
    res.pid = child->pid().value_or(0);
    res.status = child->exitCode();
    res.signal = child->signalCode();
    std::vector<std::optional<std::string>> output(child->stdioCount());
    for (std::size_t i = 1; i < child->stdioCount(); ++i)
        if (child->stdio(i)) output[i] = detail::applyEncoding(captures[i].take(), o.encoding);
    if (child->stdioCount() > 1) res.stdoutData = output[1];
    if (child->stdioCount() > 2) res.stderrData = output[2];
    res.output = std::move(output);
    if (timedOut) res.error = syncError(UV_ETIMEDOUT, spawnfile, args);
    else if (overflowed) res.error = syncError(UV_ENOBUFS, spawnfile, args);
    return res;
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
    if (r.output) e.output = *r.output;
    e.stdoutData = r.stdoutData.value_or("");
    e.stderrData = r.stderrData.value_or("");
    throw e;
}

}  // namespace

std::string execFileSync(const std::string& file, const std::vector<std::string>& args, SpawnSyncOptions options) {
    const bool forwardStderr = !options.stdio;
    std::string cmd = file;
    for (const auto& a : args) cmd += " " + a;
    return checkedStdout(spawnSync(file, args, std::move(options)), cmd, forwardStderr);
}

std::string execSync(const std::string& command, SpawnSyncOptions options) {
    const bool forwardStderr = !options.stdio;
    if (!std::holds_alternative<std::string>(options.shell)) options.shell = true;
    return checkedStdout(spawnSync(command, {}, std::move(options)), command, forwardStderr);
}

}  // namespace childproc

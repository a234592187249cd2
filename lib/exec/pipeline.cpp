// SPDX-License-Identifier: MIT
// a | b | c without a shell: kernel pipes join the children, so the bytes between
// stages never pass through the parent.

#include "childproc/pipeline.hpp"

#include <unistd.h>
#include <array>

#include "childproc/diagnostics.hpp"
#include "childproc/spawn.hpp"
#include "core/guard.hpp"
#include "exec/capture.hpp"
#include "exec/encoding.hpp"
#include "exec/owned_fds.hpp"
#include "exec/private_loop.hpp"
#include "spawn/convert_options.hpp"
#include "spawn/normalize.hpp"

namespace childproc {

struct PipelineAccess {
    static PipelinePtr start(const std::vector<Command>& commands, const PipelineOptions& o);
};

namespace {

// Each stage, tied to the first one; then each pipe, from its writer to its reader.
void publishStages(const std::vector<ChildProcessPtr>& stages) {
    if (!diagnostics::hasSubscribers(diagnostics::Channel::pipeline)) return;
    const std::uint64_t first = stages.front()->diagnosticsId();
    for (std::size_t i = 0; i < stages.size(); ++i)
        diagnostics::publish(diagnostics::Kind::stage, [&](diagnostics::Event& e) {
            e.process = stages[i]->diagnosticsId();
            e.child = stages[i].get();
            e.pid = stages[i]->pid();
            e.number = static_cast<int>(i);
            e.peer = first;
        });
    for (std::size_t i = 0; i + 1 < stages.size(); ++i)
        diagnostics::publish(diagnostics::Kind::pipe, [&](diagnostics::Event& e) {
            e.process = stages[i]->diagnosticsId();
            e.child = stages[i].get();
            e.pid = stages[i]->pid();
            e.number = static_cast<int>(i);
            e.peer = stages[i + 1]->diagnosticsId();
        });
}

}  // namespace

Subscription Pipeline::onClose(CloseListener fn, Listen how) { return close_.add(std::move(fn), how); }

void Pipeline::kill(Signal sig) {
    for (auto& s : stages_) s->kill(sig);
}

PipelinePtr PipelineAccess::start(const std::vector<Command>& commands, const PipelineOptions& o) {
    if (commands.empty()) throw Error("A pipeline needs at least one command", "ERR_INVALID_ARG_VALUE", "TypeError");
    detail::validateTimeout(o.timeout);
    auto p = PipelinePtr(new Pipeline);
    const std::size_t n = commands.size();

    detail::OwnedFds junctions;
    std::vector<std::array<int, 2>> pipes(n - 1);
    for (auto& fds : pipes) {
        if (int err = uv_pipe(fds.data(), 0, 0); err < 0) throw systemError(err, "pipe2");  // both ends close-on-exec
        junctions.keep(fds[0]);
        junctions.keep(fds[1]);
    }

    for (std::size_t i = 0; i < n; ++i) {
        auto so = detail::convertOptions<SpawnOptions>(o);
        Stdio in = i == 0 ? Stdio(StdioType::pipe) : Stdio(pipes[i - 1][0]);
        Stdio out = i + 1 == n ? Stdio(StdioType::pipe) : Stdio(pipes[i][1]);
        so.stdio = {in, out, StdioType::pipe};
        try {
            p->stages_.push_back(spawn(commands[i].file, commands[i].args, so));
        } catch (...) {
            for (auto& s : p->stages_) s->kill(SIGKILL);  // they still close and are reaped on the loop
            throw;
        }
        StageStatus st;
        st.cmd = detail::commandLine(commands[i].file, commands[i].args);
        st.pid = p->stages_.back()->pid();
        p->statuses_.push_back(std::move(st));
    }
    publishStages(p->stages_);
    // junctions closes our copies of the inter-stage pipes here: each stage sees
    // EOF or EPIPE when its neighbour is gone, as in a shell.

    p->self_ = p;
    p->open_ = n;
    Pipeline* raw = p.get();
    for (std::size_t i = 0; i < n; ++i) {
        ChildProcess& c = *p->stages_[i];
        c.stderrPipe()->onData([raw, i](std::string_view d) { raw->statuses_[i].stderrData += d; });
        c.onError([raw, i](const Error& e) {
            if (!raw->stages_[i]->pid()) raw->statuses_[i].error = e;
        });
        c.onClose([raw, i](std::optional<int> code, std::optional<std::string> sig) {
            StageStatus& st = raw->statuses_[i];
            if (!st.error) {
                st.code = code;
                st.signal = sig;
            }
            if (--raw->open_ > 0) return;
            auto self = std::move(raw->self_);  // keeps *raw alive through the listeners
            detail::emitGuarded(raw->stages_[i]->loop(), raw->close_, raw->statuses_);
            raw->close_.clear();  // the last event
        });
    }
    if (o.input) {
        p->stdinPipe()->onError(
            [](const Error&) {});  // a first stage that does not read its input: EPIPE, as in a shell
        p->stdinPipe()->end(*o.input);
    }
    return p;
}

PipelinePtr pipeline(const std::vector<Command>& commands, PipelineOptions options) {
    return PipelineAccess::start(commands, options);
}

PipelinePtr execPipeline(const std::vector<Command>& commands, PipelineOptions options, PipelineCallback callback) {
    auto p = PipelineAccess::start(commands, options);
    if (!options.input && !options.writeStdin) p->stdinPipe()->end();  // buffered form: no input means EOF
    struct State {
        detail::Capture out;
        std::optional<ExecError> overflow;
        PipelineCallback cb;
        Encoding encoding;
        std::string cmd;
        Signal killSignal;
    };
    std::string cmd;
    for (const auto& c : commands) cmd += (cmd.empty() ? "" : " | ") + detail::commandLine(c.file, c.args);
    auto st = std::make_shared<State>(State{detail::Capture(options.maxBuffer, detail::Capture::Overflow::truncate),
                                            std::nullopt, std::move(callback), options.encoding, std::move(cmd),
                                            options.killSignal});
    Pipeline* raw = p.get();
    p->stdoutPipe()->onData([st, raw](std::string_view d) {
        if (st->out.add(d) || st->overflow) return;
        st->overflow = ExecError("stdout maxBuffer length exceeded", "ERR_CHILD_PROCESS_STDIO_MAXBUFFER", "RangeError");
        raw->stdoutPipe()->destroy();
        raw->kill(st->killSignal);
    });
    p->onClose([st](const std::vector<StageStatus>& stages) {
        std::string out = detail::applyEncoding(st->out.take(), st->encoding);
        std::optional<ExecError> err = st->overflow;
        // pipefail: the rightmost stage that failed decides the status.
        const StageStatus* failed = nullptr;
        for (const auto& s : stages)
            if (!s.ok()) failed = &s;
        if (!err && failed) {
            std::string msg = "Command failed: " + st->cmd;
            for (std::size_t i = 0; i < stages.size(); ++i) {
                const auto& s = stages[i];
                if (s.ok()) continue;
                msg += "\nstage " + std::to_string(i + 1) + " (" + s.cmd + ") ";
                if (s.error) msg += "could not start: " + s.error->message();
                else if (s.signal) msg += "was killed by " + *s.signal;
                else msg += "exited with code " + std::to_string(s.code.value_or(-1));
                if (!s.stderrData.empty()) msg += "\n" + s.stderrData;
            }
            err = ExecError(msg);
            if (failed->error) {
                err->code = failed->error->code;
                err->errnum = failed->error->errnum;
            }
            err->exitCode = failed->code;
            err->signal = failed->signal;
        }
        if (err) {
            err->cmd = st->cmd;
            err->stdoutData = out;
            for (const auto& s : stages) err->stderrData += s.stderrData;
        }
        auto cb = std::move(st->cb);
        cb(err, out, stages);
    });
    return p;
}

PipelinePromise execPipeline(const std::vector<Command>& commands, PipelineOptions options) {
    auto [promise, resolver] = Promise<PipelineResult>::withResolvers();
    PipelinePtr p = execPipeline(
        commands, std::move(options),
        [r = resolver](const std::optional<ExecError>& e, const std::string& out, const std::vector<StageStatus>& st) {
            if (e) r.reject(*e);
            else r.resolve(PipelineResult{out, st, std::nullopt});
        });
    return PipelinePromise{promise, std::move(p)};
}

PipelineResult pipelineSync(const std::vector<Command>& commands, PipelineOptions options) {
    detail::PrivateLoop loop;
    if (loop.error()) throw detail::noLoopError("a loop for pipelineSync", loop.error());
    options.loop = loop.get();
    PipelineResult result;
    execPipeline(
        commands, options,
        [&](const std::optional<ExecError>& e, const std::string& out, const std::vector<StageStatus>& stages) {
            result.stdoutData = out;
            result.stages = stages;
            result.error = e;
        });
    loop.run();
    return result;
}

}  // namespace childproc

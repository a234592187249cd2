// SPDX-License-Identifier: MIT
#include "script/run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "childproc/spawn.hpp"
#include "exec/encoding.hpp"
#include "exec/owned_fds.hpp"
#include "script/quote.hpp"
#include "script/verbose.hpp"

namespace childproc::script::detail {

using ::childproc::detail::Capture;

namespace {

int openFile(const std::filesystem::path& path, int flags, const std::string& command) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    Error e = systemError(-errno, "open");
    e.path = path.string();
    throw Error("Cannot open " + path.string() + " (" + e.code + ") for: " + command, e.code);
}

int redirectFd(const Cmd::Redirect& r, const std::string& command, ::childproc::detail::OwnedFds& fds) {
    int flags = O_WRONLY | O_CREAT | (r.mode == Write::append ? O_APPEND : O_TRUNC);
    return fds.keep(openFile(r.path, flags, command));
}

std::size_t doubled(std::size_t n) { return n > SIZE_MAX / 2 ? SIZE_MAX : 2 * n; }

}  // namespace

Run::Run(const Cmd& cmd, uv_loop_t* loop, Done done, Sink sink)
    : spec_(cmd.spec()), loop_(loop), done_(std::move(done)), sink_(std::move(sink)),
      began_(std::chrono::steady_clock::now()), out_(spec_.settings.maxBuffer, Capture::Overflow::truncate),
      err_(spec_.settings.maxBuffer, Capture::Overflow::truncate),
      all_(doubled(spec_.settings.maxBuffer), Capture::Overflow::truncate) {
    result_.command = cmd.toString();
    std::error_code ec;
    result_.cwd = spec_.settings.cwd ? *spec_.settings.cwd : std::filesystem::current_path(ec).string();
}

std::shared_ptr<Run> Run::start(const Cmd& cmd, uv_loop_t* loop, Done done, Sink sink) {
    auto r = std::shared_ptr<Run>(new Run(cmd, loop, std::move(done), std::move(sink)));
    r->spawnStages();
    if (verbose(r->spec_.settings)) echoStart(r->result_.command);
    r->self_ = r;
    for (std::size_t i = 0; i < r->stages_.size(); ++i) r->listen(i);
    const auto& s = r->spec_.settings;
    const std::string* input = r->spec_.input ? &*r->spec_.input : s.input ? &*s.input : nullptr;
    if (input && !r->spec_.inputFile) {
        Stream* in = r->stages_.front()->stdinPipe();
        in->onError([](const Error&) {});  // a first stage that does not read its input: EPIPE, as in a shell
        in->end(*input);
    }
    if (s.timeout.count() > 0)
        r->timeout_.start(loop, s.timeout, [raw = r.get()] {
            raw->result_.timedOut = true;
            raw->terminate(raw->spec_.settings.killSignal);
        });
    return r;
}

void Run::spawnStages() {
    const auto& s = spec_.settings;
    const std::size_t n = spec_.stages.size();
    ::childproc::detail::OwnedFds fds;
    std::vector<std::array<int, 2>> pipes(n - 1);
    for (auto& p : pipes) {
        if (int err = uv_pipe(p.data(), 0, 0); err < 0) throw systemError(err, "pipe2");  // close-on-exec
        fds.keep(p[0]);
        fds.keep(p[1]);
    }
    std::optional<Env> env;
    if (!s.env.empty()) {
        env = processEnv();
        for (const auto& [k, v] : s.env) (*env)[k] = v;
    }
    const bool hasInput = spec_.input || s.input;
    int leader = 0;  // the group's id once its first stage started
    for (std::size_t i = 0; i < n; ++i) {
        const Cmd::Stage& st = spec_.stages[i];
        SpawnOptions so;
        so.cwd = s.cwd;
        so.env = env;
        // A run is one job: its own process group, led by the first stage that
        // started, in our session (a session per stage would also be a scheduler
        // autogroup per stage: a pipeline ran 10 % slower). detached() alone makes a session.
        if (s.detached) so.detached = true;
        else if (s.ownGroup) so.processGroup = leader;
        so.killWithParent = s.killWithParent;
        so.killSignal = s.killSignal;
        so.signal = s.stop;
        so.loop = loop_;
        so.backend = s.backend;
        Stdio in = StdioType::ignore;
        if (i > 0) in = Stdio(pipes[i - 1][0]);
        else if (spec_.inputFile) in = Stdio(fds.keep(openFile(*spec_.inputFile, O_RDONLY, result_.command)));
        else if (hasInput) in = StdioType::pipe;
        Stdio out = StdioType::pipe, err = StdioType::pipe;
        if (i + 1 < n) {
            if (st.piped != Piped::err) out = Stdio(pipes[i][1]);
            if (st.piped != Piped::out) err = Stdio(pipes[i][1]);
        } else {
            if (spec_.stdoutFile) out = Stdio(redirectFd(*spec_.stdoutFile, result_.command, fds));
            if (spec_.stderrFile) err = Stdio(redirectFd(*spec_.stderrFile, result_.command, fds));
        }
        so.stdio = {in, out, err};
        StageReport report;
        report.command = shellLine(st.file, st.args);
        try {
            stages_.push_back(spawn(st.file, st.args, so));
        } catch (...) {
            for (auto& c : stages_) c->kill(SIGKILL);  // they still close and are reaped on the loop
            throw;
        }
        report.pid = stages_.back()->pid();
        if (leader == 0 && report.pid) leader = *report.pid;
        reports_.push_back(std::move(report));
    }
    // fds closes our copies of the pipes between stages: each stage sees EOF or
    // EPIPE when its neighbour is gone, as in a shell.
}

void Run::listen(std::size_t i) {
    ChildProcess& c = *stages_[i];
    const bool last = i + 1 == stages_.size();
    if (Stream* out = c.stdoutPipe()) {
        if (last) out->onData([this](std::string_view d) { output(d, true); });
        else
            out->onData([this, i](std::string_view d) {  // a stage that pipes its stderr on
                std::string& kept = reports_[i].stdoutData;
                const std::size_t max = spec_.settings.maxBuffer;
                kept.append(d.substr(0, max - std::min(kept.size(), max)));
            });
    }
    if (Stream* err = c.stderrPipe()) err->onData([this](std::string_view d) { output(d, false); });
    c.onError([this, i](const Error& e) {
        if (!stages_[i]->pid()) {
            reports_[i].error = e;
            stageEnded();
        } else if (e.code == "ABORT_ERR") {
            result_.aborted = true;
            terminate(spec_.settings.killSignal);
        }
    });
    c.onExit([this](std::optional<int>, std::optional<std::string>) { stageEnded(); });
    c.onClose([this, i](std::optional<int> code, std::optional<std::string> sig) {
        if (!reports_[i].error) {
            reports_[i].exitCode = code;
            reports_[i].signal = sig;
        }
        if (++closed_ == stages_.size()) finish();
    });
}

void Run::output(std::string_view chunk, bool isStdout) {
    if (isStdout && sink_) return sink_(chunk);
    all_.add(chunk);
    if ((isStdout ? out_ : err_).add(chunk) || result_.problem) return;
    result_.problem = Error(std::string(isStdout ? "stdout" : "stderr") + " maxBuffer length exceeded (" +
                                std::to_string(spec_.settings.maxBuffer) + " bytes)",
                            "ERR_CHILD_PROCESS_STDIO_MAXBUFFER", "RangeError");
    terminate(spec_.settings.killSignal);
}

// Each stage's process group gets sig; a catchable one gets SIGKILL behind it.
void Run::terminate(Signal sig) {
    killing_ = true;
    for (auto& c : stages_) {
        if (!c->pid() || c->exitCode() || c->signalCode()) continue;
        try {
            if (spec_.settings.ownGroup || spec_.settings.detached) c->killProcessGroup(sig);
            else c->kill(sig);
        } catch (const Error&) {
            // EPERM on a set-uid stage: it is left to the drain bound.
        }
    }
    if (sig.number() != SIGKILL && spec_.settings.forceKillAfter.count() > 0 && !forceKill_.started())
        forceKill_.start(loop_, spec_.settings.forceKillAfter, [this] { terminate(SIGKILL); });
    if (ended_ == stages_.size()) drain();
}

void Run::stageEnded() {
    if (++ended_ == stages_.size() && killing_) drain();
}

// Once every stage is dead after a kill, what is still in the pipes is read for a
// bounded time: a process outside the groups that holds them cannot hang us.
void Run::drain() {
    if (drain_.started() || finished_) return;
    drain_.start(loop_, spec_.settings.drainAfterKill, [this] {
        for (auto& c : stages_)
            for (int fd = 0; fd < 3; ++fd)
                if (Stream* s = c->stdio(fd); s && !s->destroyed()) s->destroy();
    });
}

void Run::pauseOutput() {
    if (Stream* s = stages_.back()->stdoutPipe(); s && !s->destroyed()) s->pause();
}
void Run::resumeOutput() {
    if (Stream* s = stages_.back()->stdoutPipe(); s && !s->destroyed()) s->resume();
}
void Run::stop(Signal sig) {
    if (!finished_) terminate(sig);
}

void Run::finish() {
    finished_ = true;
    timeout_.close();
    forceKill_.close();
    drain_.close();
    Result& r = result_;
    r.duration = std::chrono::steady_clock::now() - began_;
    const std::size_t n = reports_.size();
    // pipefail: the rightmost stage that failed decides. A stage ended by SIGPIPE
    // only learnt that the next one stopped reading (`yes | head -1`).
    const StageReport* decides = &reports_.back();
    bool failed = false;
    for (std::size_t i = 0; i < n; ++i) {
        const StageReport& s = reports_[i];
        if (s.ok(spec_.settings.okCodes) || (i + 1 < n && s.signal == "SIGPIPE" && !killing_)) continue;
        decides = &s;
        failed = true;
    }
    r.exitCode = decides->exitCode;
    r.signal = decides->signal;
    r.failed = failed || r.timedOut || r.aborted || r.problem.has_value();
    const Encoding enc = spec_.settings.encoding;
    r.stdoutData = ::childproc::detail::applyEncoding(out_.take(), enc);
    r.stderrData = ::childproc::detail::applyEncoding(err_.take(), enc);
    r.all = ::childproc::detail::applyEncoding(all_.take(), enc);
    r.stages = std::move(reports_);
    if (verbose(spec_.settings)) echoEnd(r);
    auto keep = std::move(self_);  // *this lives through done
    auto done = std::move(done_);
    done(std::move(r));
}

}  // namespace childproc::script::detail

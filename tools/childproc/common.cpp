// SPDX-License-Identifier: MIT
#include "common.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace cli {

using namespace childproc;

namespace {

// Node's largest safe integer: what its integer checks accept.
constexpr long long kMaxSafeInteger = 9007199254740991LL;

std::optional<Stdio> slotFrom(const std::string& s) {
    if (s == "pipe") return StdioType::pipe;
    if (s == "inherit") return StdioType::inherit;
    if (s == "ignore") return StdioType::ignore;
    if (auto fd = wholeNumber(s, 0, INT_MAX)) return static_cast<int>(*fd);
    return std::nullopt;
}

std::vector<std::string> split(const std::string& spec, char by) {
    std::vector<std::string> parts;
    std::stringstream ss(spec);
    for (std::string part; std::getline(ss, part, by);) parts.push_back(part);
    return parts;
}

std::vector<Stdio> stdioFrom(const std::string& spec) {
    if (spec == "pipe" || spec == "inherit" || spec == "ignore") return StdioOption(slotFrom(spec)->type).slots();
    std::vector<Stdio> slots;
    for (const auto& part : split(spec, ',')) slots.push_back(*slotFrom(part));
    return slots;
}

std::string stdioProblem(const std::string& spec) {
    if (spec.empty()) return "empty";
    for (const auto& part : split(spec, ','))
        if (!slotFrom(part))
            return "'" + part + "' is not " +
                   (part.find_first_not_of("-0123456789") == std::string::npos ? "" : "pipe, inherit, ignore or ") +
                   "a whole number from 0 to " + std::to_string(INT_MAX);
    return "";
}

std::optional<Signal> signalFrom(const std::string& s) {
    if (auto n = wholeNumber(s, 1, 64)) return Signal(static_cast<int>(*n));
    try {
        return Signal(s);
    } catch (const Error&) {
        return std::nullopt;
    }
}

std::optional<Backend> backendFrom(const std::string& v) {
    if (v == "auto") return Backend::automatic;
    if (v == "uv") return Backend::uv;
    if (v == "posix_spawn") return Backend::posixSpawn;
    return std::nullopt;
}

// prlimit(1)'s and setpriv(1)'s ways of saying it.
void addLimitOptions(CLI::App& app, CommonFlags& f) {
    valueOption(app, "--rlimit", "NAME=SOFT[:HARD]",
                "a resource limit for the child, as prlimit(1) sets it: cpu, fsize, data, stack, core, nofile, "
                "nproc, as, memlock, locks, sigpending, msgqueue, nice, rtprio, rttime; SOFT or HARD may be "
                "'unlimited' or left out (kept); repeatable",
                [&f](const std::string& v) { f.limits.push_back(parseResourceLimit(v)); })
        ->trigger_on_parse()
        ->check(checkedBy([](const std::string& v) {
            try {
                parseResourceLimit(v);
                return std::string();
            } catch (const Error& e) {
                return e.message();
            }
        }));
    app.add_option("--nice", f.nice, "the child's nice value, -20 to 19 (lower than ours needs privilege)")
        ->type_name("N")
        ->check(wholeIn(-20, 19));
    flagOption(app, "--no-new-privs",
               "the child and its children gain no privilege from setuid or file "
               "capabilities (PR_SET_NO_NEW_PRIVS, as setpriv(1))",
               f.noNewPrivileges);
}

void addProcessOptions(CLI::App& app, CommonFlags& f, unsigned extra) {
    if (extra & kArgv0)
        app.add_option("--argv0", f.argv0, "argv[0] the child sees (Node: options.argv0)")->type_name("NAME");
    if (extra & kShell)
        app.add_flag("--shell{}", f.shell, "run through /bin/sh, or the shell at PATH (Node: options.shell)")
            ->type_name("PATH");
    if (extra & kStdio)
        valueOption(app, "--stdio", "SPEC",
                    "pipe|inherit|ignore, or a per-slot list such as inherit,pipe,ignore,3 (Node: options.stdio)",
                    [&f](const std::string& v) { f.stdio = stdioFrom(v); })
            ->check(checkedBy(stdioProblem));
    if (extra & kDetached)
        flagOption(app, "--detached", "run the child in a new session (Node: options.detached)", f.detached);
    if (extra & kUnref) flagOption(app, "--unref", "do not wait for the child (Node: child.unref())", f.unref);
    if (extra & kLimits) addLimitOptions(app, f);
    if (extra & kIdentity) {
        app.add_option("--uid", f.uid, "user id for the child (Node: options.uid)")
            ->type_name("N")
            ->check(wholeIn(0, UINT32_MAX));
        app.add_option("--gid", f.gid, "group id for the child (Node: options.gid)")
            ->type_name("N")
            ->check(wholeIn(0, UINT32_MAX));
    }
}

void addRunOptions(CLI::App& app, CommonFlags& f) {
    addTimeoutOptions(app, f);
    valueOption(app, "--backend", "B", "auto|uv|posix_spawn: how the process is created", [&f](const std::string& v) {
        f.backend = *backendFrom(v);
    })->check(checkedBy([](const std::string& v) {
        return backendFrom(v) ? "" : "'" + v + "' is not auto, uv or posix_spawn";
    }));
    flagOption(app, "--json", "print one JSON record of the run (where: see below)", f.json);
    valueOption(app, "--json-fd", "N", "write the --json record to file descriptor N", [&f](const std::string& v) {
        f.jsonFd = static_cast<int>(*wholeNumber(v, 0, INT_MAX));
        f.json = true;
    })->check(checkedBy([](const std::string& v) {
        const auto fd = wholeNumber(v, 0, INT_MAX);
        if (!fd) return "'" + v + "' is not a whole number from 0 to " + std::to_string(INT_MAX);
        return ::fcntl(static_cast<int>(*fd), F_GETFD) < 0 ? "fd " + v + " is not open" : "";
    }));
    addTraceOption(app, f.trace);
}

}  // namespace

// The options every command that starts a process has, in --help's order.
void addEnvironmentOptions(CLI::App& app, CommonFlags& f) {
    app.add_option("--cwd", f.cwd, "working directory of the child (Node: options.cwd)")->type_name("DIR");
    valueOption(app, "--env", "K=V", "add K=V to the child's environment; repeatable (Node: options.env)",
                [&f](const std::string& v) { f.env.push_back(v); })
        ->trigger_on_parse()
        ->check(checkedBy([](const std::string& v) {
            return v.find('=') == std::string::npos || v.front() == '=' ? "takes K=V, got '" + v + "'" : "";
        }));
    flagOption(app, "--clear-env", "start from an empty environment instead of ours", f.clearEnv);
}

void addTimeoutOptions(CLI::App& app, CommonFlags& f) {
    app.add_option("--timeout", f.timeoutMs,
                   "kill the child with --kill-signal after MS milliseconds (Node: options.timeout)")
        ->type_name("MS")
        ->check(wholeIn(0, kMaxSafeInteger));
    valueOption(app, "--kill-signal", "SIG",
                "signal for --timeout, a name or a number; default SIGTERM (Node: killSignal)",
                [&f](const std::string& v) { f.killSignal = *signalFrom(v); })
        ->check(checkedBy([](const std::string& v) { return signalFrom(v) ? "" : "unknown signal '" + v + "'"; }));
}

CLI::Option* valueOption(CLI::App& app, const std::string& name, const std::string& value, const std::string& help,
                         std::function<void(const std::string&)> set) {
    return app.add_option_function<std::string>(name, std::move(set), help)->type_name(value);
}

CLI::Option* flagOption(CLI::App& app, const std::string& name, const std::string& help, bool& target) {
    return app.add_flag(name, target, help)->disable_flag_override();
}

void addMaxBufferOption(CLI::App& app, const std::string& help, std::size_t& maxBuffer) {
    valueOption(app, "--max-buffer", "N", help, [&maxBuffer](const std::string& v) {
        maxBuffer = v == "unlimited" ? unlimited : static_cast<std::size_t>(*wholeNumber(v, 0, LLONG_MAX));
    })->check(checkedBy([](const std::string& v) {
        return v == "unlimited" || wholeNumber(v, 0, LLONG_MAX)
                   ? ""
                   : "'" + v + "' is not a whole number from 0 to " + std::to_string(LLONG_MAX) + ", or unlimited";
    }));
}

void addCommonOptions(CLI::App& app, CommonFlags& f, unsigned extra) {
    addEnvironmentOptions(app, f);
    addProcessOptions(app, f, extra);
    addRunOptions(app, f);
}

SpawnOptions toSpawnOptions(const CommonFlags& f, const std::vector<Stdio>& defaultStdio) {
    SpawnOptions o;
    o.cwd = f.cwd;
    if (f.clearEnv || !f.env.empty()) {
        Env env = f.clearEnv ? Env{} : processEnv();
        for (const auto& kv : f.env) {
            const auto eq = kv.find('=');
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        o.env = env;
    }
    o.argv0 = f.argv0;
    if (f.shell) o.shell = f.shell->empty() ? Shell(true) : Shell(*f.shell);
    o.stdio = f.stdio.value_or(defaultStdio);
    o.detached = f.detached;
    o.uid = f.uid;
    o.gid = f.gid;
    o.timeout = std::chrono::milliseconds(f.timeoutMs);
    o.killSignal = f.killSignal;
    o.backend = f.backend;
    o.limits = f.limits;
    o.nice = f.nice;
    o.noNewPrivileges = f.noNewPrivileges;
    return o;
}

void addTraceOption(CLI::App& app, std::optional<std::string>& trace) {
    app.add_flag("--trace{}", trace,
                 "print a timeline of what happens underneath on stderr; --trace=json: JSON lines; "
                 "--trace=html[=FILE]: a timeline page (default FILE: childproc-trace.html)")
        ->type_name("json|html[=FILE]")
        ->check(checkedBy([](const std::string& v) {
            const bool ok = v.empty() || v == "json" || v == "html" || (v.rfind("html=", 0) == 0 && v.size() > 5);
            return ok ? "" : "'" + v + "' is not json, html or html=FILE";
        }));
}

std::string wireView(std::string_view bytes) {
    std::ostringstream hex;
    const std::size_t shown = bytes.size() < 48 ? bytes.size() : 48;
    for (std::size_t i = 0; i < shown; ++i) {
        char b[4];
        std::snprintf(b, sizeof b, "%02x ", static_cast<unsigned char>(bytes[i]));
        hex << b;
    }
    if (shown < bytes.size()) hex << "… ";
    std::string text(bytes.substr(0, bytes.size() - (!bytes.empty() && bytes.back() == '\n')));
    if (text.size() > 120) text = text.substr(0, 120) + "…";
    return std::to_string(bytes.size()) + " bytes: " + hex.str() + " " + text + "\\n";
}

Trace::Trace(const std::optional<std::string>& mode)
    : on_(mode.has_value()), json_(mode == "json"), t0_(std::chrono::steady_clock::now()) {
    if (!on_) return;
    if (mode->rfind("html", 0) == 0) {
        on_ = false;  // the page has it all: nothing on stderr
        htmlPath_ = mode->size() > 5 ? mode->substr(5) : "childproc-trace.html";
        recording_ = std::make_unique<timeline::Recording>();
        return;
    }
    subscription_ = diagnostics::subscribe("childproc", [this](const diagnostics::Event& e) { print(e); });
}

Trace::~Trace() {
    if (subscription_) diagnostics::unsubscribe(subscription_);
    if (!recording_) return;
    recording_->stop();
    try {
        recording_->writeHtml(*htmlPath_, {"childproc timeline", "written by childproc --trace=html"});
        complain("timeline written to " + *htmlPath_);
    } catch (const Error& e) {
        complain(e.message());
    }
}

double Trace::elapsedMs() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
}

void Trace::operator()(const std::string& line, const nlohmann::json& fields) const {
    if (!on_) return;
    if (json_) {
        nlohmann::json j = {{"t", elapsedMs()}, {"event", line}};
        if (fields.is_object())
            for (const auto& [k, v] : fields.items()) j[k] = v;
        std::cerr << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
        return;
    }
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%9.3f ms] ", elapsedMs());
    std::cerr << stamp << line;
    if (fields.is_object())
        for (const auto& [k, v] : fields.items())
            std::cerr << ' ' << k << '=' << v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::cerr << '\n' << std::flush;
}

void Trace::started(const ChildProcess& child, const std::string& how, const std::string& label) const {
    if (!on_ || !child.pid()) return;
    if (!label.empty()) labels_[child.diagnosticsId()] = label + ": ";
    (*this)((label.empty() ? "" : label + ": ") + how + " started the child", {{"pid", *child.pid()},
                                                                               {"backend", child.backend()},
                                                                               {"file", child.spawnfile()},
                                                                               {"argv", child.spawnargs()}});
}

namespace {

std::string slotView(std::string_view kind) {
    if (kind == "pipe") return "pipe (socketpair; our end is a uv_pipe_t)";
    if (kind == "inherit") return "inherited (the child shares our fd)";
    if (kind == "ignore") return "ignored (/dev/null)";
    if (kind == "ipc") return "the IPC channel (NODE_CHANNEL_FD)";
    return "not a pipe of ours (" + std::string(kind) + ")";
}

nlohmann::json orNull(const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }
nlohmann::json orNull(std::string_view v) { return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v); }

}  // namespace

void Trace::print(const diagnostics::Event& e) const {
    using diagnostics::Kind;
    auto label = labels_.find(e.process);
    const std::string who = label == labels_.end() ? "" : label->second;
    const std::string worker = "worker " + std::to_string(e.number);
    switch (e.kind) {
    case Kind::open: return (*this)(who + "stdio[" + std::to_string(e.fd) + "] " + slotView(e.name));
    case Kind::spawn: return (*this)(who + "spawn event");
    case Kind::error: return (*this)(who + "error event: " + std::string(e.text));
    case Kind::signal:
        return (*this)(who + "we sent " + std::string(e.name) + (e.ok ? "" : ": not delivered, the process is gone"));
    case Kind::exit:
        return (*this)(
            who + "exit event" + (e.child && e.child->killed() ? " (we had sent it a signal: killed=true)" : ""),
            {{"code", orNull(e.code)}, {"signal", orNull(e.name)}});
    case Kind::close:
        return (*this)(who + "close event (every stdio stream has ended)",
                       {{"code", orNull(e.code)}, {"signal", orNull(e.name)}});
    case Kind::closed:
        return (*this)(who + "stdio[" + std::to_string(e.fd) + "] closed",
                       {{"bytesRead", e.bytes}, {"bytesWritten", e.written}});
    case Kind::send: return (*this)(who + "ipc out " + wireView(e.data));
    case Kind::message: return (*this)(who + "ipc in  " + wireView(e.data));
    case Kind::disconnect: return (*this)(who + "disconnect event: the channel is closed");
    case Kind::stage: labels_[e.process] = "stage " + std::to_string(e.number + 1) + ": "; return;
    case Kind::fork: labels_[e.process] = worker + ": "; return (*this)(worker + " forked", {{"pid", orNull(e.pid)}});
    case Kind::online: return (*this)(worker + " online");
    case Kind::listening: return (*this)(worker + " listening on " + std::string(e.text));
    case Kind::connection: return (*this)(worker + " was handed a connection");
    case Kind::workerDisconnect: return (*this)(worker + " disconnected");
    case Kind::workerExit: return (*this)(worker + " exited", {{"code", orNull(e.code)}, {"signal", orNull(e.name)}});
    case Kind::restart: return (*this)(worker + " forked to replace a dead worker");
    case Kind::reload: return (*this)("rolling reload: " + std::string(e.name));
    case Kind::stop: return (*this)("graceful stop: cluster.disconnect()");
    default: return;  // stdio bytes and ends: counted on 'closed'
    }
}

int startFailureStatus(const Error& e) {
    // A failure about the program names it in path; one about the cwd names the cwd
    // and says so ("(cwd ...)").
    // An option the child could not apply ("(limit nofile=... refused)") is ours.
    const bool aboutProgram = e.path && e.message().find(" (cwd \"") == std::string::npos &&
                              e.message().find(" refused)") == std::string::npos;
    if (!aboutProgram) return kUsageStatus;
    return e.code == "ENOENT" ? kNotFoundStatus : kCannotRunStatus;
}

int shellStatus(const ChildProcess& child, const std::optional<Error>& spawnError) {
    if (spawnError) return startFailureStatus(*spawnError);
    if (auto sig = child.signalCode()) return 128 + signalNumber(*sig).value_or(0);
    return child.exitCode().value_or(1);
}

void reportTimeoutKill(const CommonFlags& f, const ChildProcess& child) {
    if (f.timeoutMs <= 0 || !child.killed() || !child.signalCode()) return;
    complain("killed by " + *child.signalCode() + " after " + std::to_string(f.timeoutMs) + " ms timeout");
}

nlohmann::json usageJson(const std::optional<ResourceUsage>& u) {
    if (!u) return nullptr;
    return {{"userCPUTime", u->userCPUTime.count()},
            {"systemCPUTime", u->systemCPUTime.count()},
            {"maxRSS", u->maxRSS},
            {"minorPageFault", u->minorPageFault},
            {"majorPageFault", u->majorPageFault},
            {"fsRead", u->fsRead},
            {"fsWrite", u->fsWrite},
            {"voluntaryContextSwitches", u->voluntaryContextSwitches},
            {"involuntaryContextSwitches", u->involuntaryContextSwitches}};
}

nlohmann::json errorJson(const Error& e) {
    nlohmann::json j = {{"name", e.name}, {"code", e.code}, {"message", e.message()}};
    j["errno"] = e.errnum ? nlohmann::json(e.errnum) : nlohmann::json(nullptr);
    j["syscall"] = e.syscall.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.syscall);
    j["path"] = e.path ? nlohmann::json(*e.path) : nlohmann::json(nullptr);
    if (e.spawnargs) j["spawnargs"] = *e.spawnargs;
    return j;
}

nlohmann::json execErrorJson(const ExecError& e) {
    nlohmann::json j = errorJson(e);
    j["exitCode"] = e.exitCode ? nlohmann::json(*e.exitCode) : nlohmann::json(nullptr);
    j["killed"] = e.killed;
    j["signal"] = e.signal ? nlohmann::json(*e.signal) : nlohmann::json(nullptr);
    j["cmd"] = e.cmd;
    return j;
}

void writeJson(const CommonFlags& f, int defaultFd, const nlohmann::json& record) {
    std::cout << std::flush;
    std::cerr << std::flush;
    writeAll(f.jsonFd >= 0 ? f.jsonFd : defaultFd,
             record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

void complain(const std::string& message) { std::cerr << "childproc: " << message << '\n' << std::flush; }

void writeAll(int fd, std::string_view d) {
    while (!d.empty()) {
        const ssize_t w = ::write(fd, d.data(), d.size());
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        d.remove_prefix(static_cast<std::size_t>(w));
    }
}

}  // namespace cli

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

Stdio slotFrom(const std::string& s) {
    if (s == "pipe") return StdioType::pipe;
    if (s == "inherit") return StdioType::inherit;
    if (s == "ignore") return StdioType::ignore;
    return static_cast<int>(parseWhole("--stdio", s, 0, INT_MAX));
}

std::vector<Stdio> parseStdio(const std::string& spec) {
    if (spec == "pipe" || spec == "inherit" || spec == "ignore") return StdioOption(slotFrom(spec).type).slots();
    std::vector<Stdio> slots;
    std::stringstream ss(spec);
    for (std::string part; std::getline(ss, part, ',');) slots.push_back(slotFrom(part));
    if (slots.empty()) throw UsageError("--stdio: empty");
    return slots;
}

Signal parseSignal(const std::string& s) {
    const bool numeric = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
    try {
        return numeric ? Signal(static_cast<int>(parseWhole("--kill-signal", s, 1, 64))) : Signal(s);
    } catch (const Error&) {
        throw UsageError("--kill-signal: unknown signal '" + s + "'");
    }
}

}  // namespace

void addCommonOptions(Command& c, CommonFlags& f, unsigned extra) {
    auto& o = c.options;
    o.push_back({"--cwd", "DIR", "working directory of the child (Node: options.cwd)",
                 [&f](const std::string& v) { f.cwd = v; }});
    o.push_back({"--env", "K=V", "add K=V to the child's environment; repeatable (Node: options.env)",
                 [&f](const std::string& v) {
                     if (v.find('=') == std::string::npos || v.front() == '=')
                         throw UsageError("--env takes K=V, got '" + v + "'");
                     f.env.push_back(v);
                 }});
    o.push_back({"--clear-env", "", "start from an empty environment instead of ours",
                 [&f](const std::string&) { f.clearEnv = true; }});
    if (extra & kArgv0)
        o.push_back({"--argv0", "NAME", "argv[0] the child sees (Node: options.argv0)",
                     [&f](const std::string& v) { f.argv0 = v; }});
    if (extra & kShell)
        o.push_back({"--shell", "PATH", "run through /bin/sh, or the shell at PATH (Node: options.shell)",
                     [&f](const std::string& v) { f.shell = v; }, true});
    if (extra & kStdio)
        o.push_back({"--stdio", "SPEC",
                     "pipe|inherit|ignore, or a per-slot list such as inherit,pipe,ignore,3 (Node: options.stdio)",
                     [&f](const std::string& v) { f.stdio = parseStdio(v); }});
    if (extra & kDetached)
        o.push_back({"--detached", "", "run the child in a new session (Node: options.detached)",
                     [&f](const std::string&) { f.detached = true; }});
    if (extra & kUnref)
        o.push_back({"--unref", "", "do not wait for the child (Node: child.unref())",
                     [&f](const std::string&) { f.unref = true; }});
    if (extra & kIdentity) {
        o.push_back({"--uid", "N", "user id for the child (Node: options.uid)", [&f](const std::string& v) {
                         f.uid = static_cast<uint32_t>(parseWhole("--uid", v, 0, UINT32_MAX));
                     }});
        o.push_back({"--gid", "N", "group id for the child (Node: options.gid)", [&f](const std::string& v) {
                         f.gid = static_cast<uint32_t>(parseWhole("--gid", v, 0, UINT32_MAX));
                     }});
    }
    o.push_back({"--timeout", "MS", "kill the child with --kill-signal after MS milliseconds (Node: options.timeout)",
                 [&f](const std::string& v) { f.timeoutMs = parseWhole("--timeout", v, 0, kMaxSafeInteger); }});
    o.push_back({"--kill-signal", "SIG", "signal for --timeout, a name or a number; default SIGTERM (Node: killSignal)",
                 [&f](const std::string& v) { f.killSignal = parseSignal(v); }});
    o.push_back({"--backend", "B", "auto|uv|posix_spawn: how the process is created", [&f](const std::string& v) {
                     if (v == "auto") f.backend = Backend::automatic;
                     else if (v == "uv") f.backend = Backend::uv;
                     else if (v == "posix_spawn") f.backend = Backend::posixSpawn;
                     else throw UsageError("--backend: '" + v + "' is not auto, uv or posix_spawn");
                 }});
    o.push_back({"--json", "", "print one JSON record of the run (where: see below)",
                 [&f](const std::string&) { f.json = true; }});
    o.push_back({"--json-fd", "N", "write the --json record to file descriptor N", [&f](const std::string& v) {
                     f.jsonFd = static_cast<int>(parseWhole("--json-fd", v, 0, INT_MAX));
                     if (::fcntl(f.jsonFd, F_GETFD) < 0) throw UsageError("--json-fd: fd " + v + " is not open");
                     f.json = true;
                 }});
    o.push_back({"--trace", "json", "print a timeline of what happens underneath on stderr; --trace=json: JSON lines",
                 [&f](const std::string& v) {
                     if (!v.empty() && v != "json") throw UsageError("--trace: '" + v + "' is not json");
                     f.trace = true;
                     f.traceJson = v == "json";
                 },
                 true});
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
    return o;
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
    (*this)((label.empty() ? "" : label + ": ") + how + " started the child", {{"pid", *child.pid()},
                                                                               {"backend", child.backend()},
                                                                               {"file", child.spawnfile()},
                                                                               {"argv", child.spawnargs()}});
}

void Trace::watch(ChildProcess& child, const std::string& label) const {
    if (!on_) return;
    const std::string who = label.empty() ? "" : label + ": ";
    for (std::size_t i = 0; i < child.stdioCount(); ++i) {
        Stream* s = child.stdio(i);
        std::string what = s ? "pipe (socketpair; our end is a uv_pipe_t)"
                             : "not a pipe of ours (inherited, ignored, an fd, or the IPC channel)";
        (*this)(who + "stdio[" + std::to_string(i) + "] " + what);
        if (!s) continue;
        s->onClose([this, s, i, who] {
            (*this)(who + "stdio[" + std::to_string(i) + "] closed",
                    {{"bytesRead", s->bytesRead()}, {"bytesWritten", s->bytesWritten()}});
        });
    }
    auto* c = &child;
    child.onSpawn([this, who] { (*this)(who + "spawn event"); });
    child.onError([this, who](const Error& e) { (*this)(who + "error event: " + e.message()); });
    child.onExit([this, who, c](std::optional<int> code, std::optional<std::string> sig) {
        (*this)(who + "exit event" + (c->killed() ? " (we had sent it a signal: killed=true)" : ""),
                {{"code", code ? nlohmann::json(*code) : nlohmann::json(nullptr)},
                 {"signal", sig ? nlohmann::json(*sig) : nlohmann::json(nullptr)}});
    });
    child.onClose([this, who](std::optional<int> code, std::optional<std::string> sig) {
        (*this)(who + "close event (every stdio stream has ended)",
                {{"code", code ? nlohmann::json(*code) : nlohmann::json(nullptr)},
                 {"signal", sig ? nlohmann::json(*sig) : nlohmann::json(nullptr)}});
    });
}

int startFailureStatus(const Error& e) {
    // A failure about the program names it in path; one about the cwd names the cwd
    // and says so ("(cwd ...)").
    const bool aboutProgram = e.path && e.message().find(" (cwd \"") == std::string::npos;
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

// SPDX-License-Identifier: MIT
#include "common.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace cli {

using namespace childproc;

void addCommonOptions(CLI::App& app, CommonFlags& f, bool withStdio) {
    app.add_option("--cwd", f.cwd, "working directory of the child (Node: options.cwd)");
    app.add_option("--env", f.env, "K=V added to the child's environment; repeatable (Node: options.env)")
        ->allow_extra_args(false);
    app.add_flag("--clear-env", f.clearEnv, "start from an empty environment instead of ours");
    app.add_option("--argv0", f.argv0, "argv[0] the child sees (Node: options.argv0)");
    app.add_option("--shell", f.shell,
                   "run through a shell: --shell= for /bin/sh, or --shell=PATH (Node: options.shell)")
        ->expected(0, 1)
        ->default_str("");
    if (withStdio)
        app.add_option(
            "--stdio", f.stdio,
            "pipe|inherit|ignore, or a per-slot list such as inherit,pipe,ignore,pipe (Node: options.stdio)");
    app.add_flag("--detached", f.detached, "run the child in a new session (Node: options.detached)");
    app.add_flag("--unref", f.unref, "do not wait for the child (Node: child.unref())");
    app.add_option("--uid", f.uid, "user id for the child (Node: options.uid)");
    app.add_option("--gid", f.gid, "group id for the child (Node: options.gid)");
    app.add_option("--timeout", f.timeoutMs,
                   "kill the child with --kill-signal after MS milliseconds (Node: options.timeout)");
    app.add_option("--kill-signal", f.killSignal,
                   "signal for timeout/abort, name or number (Node: options.killSignal)");
    app.add_option("--backend", f.backend, "auto|uv|posix_spawn: how the process is created")
        ->check(CLI::IsMember({"auto", "uv", "posix_spawn"}));
    app.add_flag("--json", f.json, "print one JSON object describing the run");
    app.add_flag("--trace", f.trace, "print a timeline of what happens underneath on stderr");
}

namespace {

Stdio slotFrom(const std::string& s) {
    if (s == "pipe") return StdioType::pipe;
    if (s == "inherit") return StdioType::inherit;
    if (s == "ignore") return StdioType::ignore;
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return std::stoi(s);
    throw Error("--stdio: '" + s + "' is not pipe, inherit, ignore or an fd number", "ERR_INVALID_ARG_VALUE");
}

}  // namespace

SpawnOptions toSpawnOptions(const CommonFlags& f, const std::string& defaultStdio) {
    SpawnOptions o;
    o.cwd = f.cwd;
    if (f.clearEnv || !f.env.empty()) {
        Env env = f.clearEnv ? Env{} : processEnv();
        for (const auto& kv : f.env) {
            auto eq = kv.find('=');
            if (eq == std::string::npos) throw Error("--env takes K=V, got '" + kv + "'", "ERR_INVALID_ARG_VALUE");
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
        o.env = env;
    }
    o.argv0 = f.argv0;
    if (f.shell) o.shell = f.shell->empty() ? Shell(true) : Shell(*f.shell);
    const std::string stdio = f.stdio.empty() ? defaultStdio : f.stdio;
    if (stdio.find(',') == std::string::npos && (stdio == "pipe" || stdio == "inherit" || stdio == "ignore")) {
        o.stdio = slotFrom(stdio).type;
    } else {
        std::vector<Stdio> slots;
        std::stringstream ss(stdio);
        for (std::string part; std::getline(ss, part, ',');) slots.push_back(slotFrom(part));
        o.stdio = slots;
    }
    o.detached = f.detached;
    o.uid = f.uid;
    o.gid = f.gid;
    o.timeout = std::chrono::milliseconds(f.timeoutMs);
    bool numeric = !f.killSignal.empty() && f.killSignal.find_first_not_of("0123456789") == std::string::npos;
    o.killSignal = numeric ? Signal(std::stoi(f.killSignal)) : Signal(f.killSignal);
    o.backend = f.backend == "uv" ? Backend::uv : f.backend == "posix_spawn" ? Backend::posixSpawn : Backend::automatic;
    return o;
}

double Trace::elapsedMs() const {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0_).count();
}

void Trace::operator()(const std::string& line) const {
    if (!on_) return;
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "[%9.3f ms] ", elapsedMs());
    std::cerr << stamp << line << '\n' << std::flush;
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
            (*this)(who + "stdio[" + std::to_string(i) + "] closed after " + std::to_string(s->bytesRead()) +
                    " bytes read, " + std::to_string(s->bytesWritten()) + " bytes written");
        });
    }
    auto* c = &child;
    child.onSpawn([this, who] { (*this)(who + "spawn event"); });
    child.onError([this, who](const Error& e) { (*this)(who + "error event: " + e.message()); });
    child.onExit([this, who, c](std::optional<int> code, std::optional<std::string> sig) {
        (*this)(who + "exit event: code=" + (code ? std::to_string(*code) : "null") +
                " signal=" + sig.value_or("null") + (c->killed() ? " (we had sent it a signal: killed=true)" : ""));
    });
    child.onClose([this, who](std::optional<int> code, std::optional<std::string> sig) {
        (*this)(who + "close event: code=" + (code ? std::to_string(*code) : "null") +
                " signal=" + sig.value_or("null") + " (every stdio stream has ended)");
    });
}

int shellStatus(const ChildProcess& child, const std::optional<Error>& spawnError) {
    if (spawnError) return 127;
    if (auto sig = child.signalCode()) return 128 + signalNumber(*sig).value_or(0);
    return child.exitCode().value_or(1);
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

void complain(const std::string& message) { std::cerr << "childproc: " << message << '\n'; }

}  // namespace cli

// SPDX-License-Identifier: MIT
#pragma once
// What the subcommands share: the options that map onto SpawnOptions, the
// --trace timeline, the --json record and the exit statuses.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <childproc/childproc.hpp>
#include <childproc/timeline.hpp>
#include <nlohmann/json.hpp>

#include "command_line.hpp"

namespace cli {

struct CommonFlags {
    std::optional<std::string> cwd;
    std::vector<std::string> env;  // K=V
    bool clearEnv = false;
    std::optional<std::string> argv0;
    std::optional<std::string> shell;  // "" → /bin/sh
    std::optional<std::vector<childproc::Stdio>> stdio;
    bool detached = false;
    bool unref = false;
    std::optional<uint32_t> uid, gid;
    long long timeoutMs = 0;
    childproc::Signal killSignal = SIGTERM;
    childproc::Backend backend = childproc::Backend::automatic;
    std::vector<childproc::ResourceLimit> limits;  // --rlimit, in order
    std::optional<int> nice;
    bool noNewPrivileges = false;
    bool json = false;
    int jsonFd = -1;                   // -1: the command's default place
    std::optional<std::string> trace;  // "", "json", "html" or "html=FILE"
};

// Which of the spawn options a command takes (the rest are usage errors there).
enum OptionSet : unsigned {
    kStdio = 1,
    kIdentity = 2,  // --uid, --gid
    kShell = 4,
    kArgv0 = 8,
    kDetached = 16,
    kUnref = 32,
    kLimits = 64,  // --rlimit, --nice, --no-new-privs
    kAllSpawnOptions = 127,
};

// Adds --cwd, --env, --clear-env, --timeout, --kill-signal, --backend, --json,
// --json-fd, --trace, and those of `extra`; CLI11 refuses bad values.
void addCommonOptions(CLI::App& app, CommonFlags& f, unsigned extra);

// --cwd, --env, --clear-env; --timeout, --kill-signal (for commands that take
// only some of the common options).
void addEnvironmentOptions(CLI::App& app, CommonFlags& f);
void addTimeoutOptions(CLI::App& app, CommonFlags& f);

// --max-buffer N|unlimited.
void addMaxBufferOption(CLI::App& app, const std::string& help, std::size_t& maxBuffer);

// An option with a value, given to `set` once CLI11 has checked it; a flag.
CLI::Option* valueOption(CLI::App& app, const std::string& name, const std::string& value, const std::string& help,
                         std::function<void(const std::string&)> set);
CLI::Option* flagOption(CLI::App& app, const std::string& name, const std::string& help, bool& target);

// The SpawnOptions the flags describe.
childproc::SpawnOptions toSpawnOptions(const CommonFlags& f, const std::vector<childproc::Stdio>& defaultStdio);

// Another call's options (ExecOptions, ForkOptions, PipelineOptions) from the
// flags: each field the target shares with SpawnOptions, by name, as the
// library's own convertOptions copies them; the caller sets the rest.
template <class To>
To optionsFor(const CommonFlags& f) {
    const childproc::SpawnOptions so = toSpawnOptions(f, {});
    To t;
    if constexpr (requires { t.cwd = so.cwd; }) t.cwd = so.cwd;
    if constexpr (requires { t.env = so.env; }) t.env = so.env;
    if constexpr (requires { t.shell = so.shell; }) t.shell = so.shell;
    if constexpr (requires { t.detached = so.detached; }) t.detached = so.detached;
    if constexpr (requires { t.uid = so.uid; }) t.uid = so.uid;
    if constexpr (requires { t.gid = so.gid; }) t.gid = so.gid;
    if constexpr (requires { t.timeout = so.timeout; }) t.timeout = so.timeout;
    if constexpr (requires { t.killSignal = so.killSignal; }) t.killSignal = so.killSignal;
    if constexpr (requires { t.backend = so.backend; }) t.backend = so.backend;
    if constexpr (requires { t.limits = so.limits; }) t.limits = so.limits;
    if constexpr (requires { t.nice = so.nice; }) t.nice = so.nice;
    if constexpr (requires { t.noNewPrivileges = so.noNewPrivileges; }) t.noNewPrivileges = so.noNewPrivileges;
    return t;
}

// --trace: a subscriber to the library's diagnostics channels. The timeline on
// stderr, timestamped from the first event; with --trace=json one JSON object per
// line: {"t": ms, "event": text, ...fields}; with --trace=html[=FILE] a timeline
// page (childproc/timeline.hpp) written to FILE when the command ends.
class Trace {
public:
    explicit Trace(const std::optional<std::string>& mode);
    Trace(const Trace&) = delete;
    Trace& operator=(const Trace&) = delete;
    ~Trace();
    bool on() const { return on_; }
    // A line of the command's own (text and json modes).
    void operator()(const std::string& line, const nlohmann::json& fields = nullptr) const;
    double elapsedMs() const;
    // The program and argv the child was started with, and how; `label` prefixes its events.
    void started(const childproc::ChildProcess& child, const std::string& how, const std::string& label = "") const;

private:
    void print(const childproc::diagnostics::Event& e) const;

    bool on_, json_;
    std::optional<std::string> htmlPath_;
    std::unique_ptr<childproc::timeline::Recording> recording_;
    childproc::diagnostics::SubscriptionId subscription_ = 0;
    mutable std::map<std::uint64_t, std::string> labels_;
    std::chrono::steady_clock::time_point t0_;
};

// "14 bytes: 7b 22 61 22 3a 31 7d 0a  {"a":1}\n" — the teaching view of one IPC line.
std::string wireView(std::string_view bytes);

// --trace[=json|html[=FILE]], for commands without the other common options.
void addTraceOption(CLI::App& app, std::optional<std::string>& trace);

// env(1)'s statuses for a child that could not start: 127 not found, 126 found
// but not runnable, 125 for anything else (a bad cwd, our own failure).
int startFailureStatus(const childproc::Error& e);
// A shell's exit status for how the child ended: its code, 128+N for signal N, or
// the start failure's status.
int shellStatus(const childproc::ChildProcess& child, const std::optional<childproc::Error>& spawnError);

// One line on stderr when our timeout killed the child:
// "childproc: killed by SIGTERM after 100 ms timeout".
void reportTimeoutKill(const CommonFlags& f, const childproc::ChildProcess& child);

nlohmann::json errorJson(const childproc::Error& e);
// The --json record's "resourceUsage": Node's process.resourceUsage() names, CPU
// times in microseconds, maxRSS in KiB; null where the backend gives none.
nlohmann::json usageJson(const std::optional<childproc::ResourceUsage>& u);
// errorJson plus exec's fields: exitCode, killed, signal, cmd.
nlohmann::json execErrorJson(const childproc::ExecError& e);
// Writes the --json record to --json-fd, or to `defaultFd`.
void writeJson(const CommonFlags& f, int defaultFd, const nlohmann::json& record);

// "childproc: spawn foo ENOENT" on stderr.
void complain(const std::string& message);

// All of `bytes` to fd, retrying short writes.
void writeAll(int fd, std::string_view bytes);

}  // namespace cli

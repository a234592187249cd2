// SPDX-License-Identifier: MIT
#pragma once
// What the subcommands share: the options that map onto SpawnOptions, the
// --trace timeline, --json output and the shell-like exit status.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <childproc/childproc.hpp>
#include <nlohmann/json.hpp>

namespace cli {

struct CommonFlags {
    std::optional<std::string> cwd;
    std::vector<std::string> env;  // K=V
    bool clearEnv = false;
    std::optional<std::string> argv0;
    std::optional<std::string> shell;  // "" → /bin/sh
    std::string stdio;                 // pipe|inherit|ignore or a comma list
    bool detached = false;
    bool unref = false;
    std::optional<uint32_t> uid, gid;
    long timeoutMs = 0;
    std::string killSignal = "SIGTERM";
    std::string backend = "auto";
    bool json = false;
    bool trace = false;
};

// Registers the options on a subcommand; `withStdio` for modes that take --stdio.
void addCommonOptions(CLI::App& app, CommonFlags& f, bool withStdio);

// The SpawnOptions the flags describe. Throws childproc::Error on a bad value.
childproc::SpawnOptions toSpawnOptions(const CommonFlags& f, const std::string& defaultStdio);

// The --trace timeline on stderr, timestamped from the first event.
class Trace {
public:
    explicit Trace(bool on) : on_(on), t0_(std::chrono::steady_clock::now()) {}
    bool on() const { return on_; }
    void operator()(const std::string& line) const;
    double elapsedMs() const;
    // Every event of the child on the timeline (and the stdio slots it has).
    void watch(childproc::ChildProcess& child, const std::string& label = "") const;

private:
    bool on_;
    std::chrono::steady_clock::time_point t0_;
};

// A shell's exit status for how the child ended: code, 128+N for signal N, 127 for
// a spawn failure.
int shellStatus(const childproc::ChildProcess& child, const std::optional<childproc::Error>& spawnError);

nlohmann::json errorJson(const childproc::Error& e);
// errorJson plus exec's fields: exitCode, killed, signal, cmd.
nlohmann::json execErrorJson(const childproc::ExecError& e);

// "childproc: spawn foo ENOENT" on stderr.
void complain(const std::string& message);

}  // namespace cli

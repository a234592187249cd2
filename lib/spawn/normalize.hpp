// SPDX-License-Identifier: MIT
#pragma once
// Node's normalizeSpawnArguments + getValidStdio: validation that throws before any
// handle exists, then the shell, argv0, env and stdio rules.

#include <chrono>
#include <string>
#include <vector>

#include "child/spawn_plan.hpp"
#include "childproc/options.hpp"

namespace childproc::detail {

SpawnPlan normalizeSpawn(const std::string& file, const std::vector<std::string>& args, const SpawnOptions& o);

// Node's validateTimeout: ERR_OUT_OF_RANGE for a negative timeout, in every call
// that takes one (spawn, exec, execFile, the Sync calls, pipelines).
void validateTimeout(std::chrono::milliseconds timeout);

// ERR_INVALID_ARG_VALUE when s holds a NUL byte; `what` names it as Node does.
void rejectNul(const std::string& s, const std::string& what);

// file and args joined by spaces, unquoted, as Node joins them: the shell's
// command line, and the `cmd` that exec's and the Sync calls' errors name.
std::string commandLine(const std::string& file, const std::vector<std::string>& args);

// exec() and execSync(): a string shell is used as given; anything else means /bin/sh.
inline Shell execShell(const Shell& shell) { return std::holds_alternative<std::string>(shell) ? shell : Shell{true}; }

// "K=V" pairs for the child: the given env, or the parent's environment.
std::vector<std::string> envPairs(const std::optional<Env>& env);

}  // namespace childproc::detail

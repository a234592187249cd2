// SPDX-License-Identifier: MIT
#include "script/verbose.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <string_view>

namespace childproc::script::detail {

namespace {

// One write(2) per line, so lines from several threads do not mix.
void say(const std::string& line) {
    std::string_view rest = line;
    while (!rest.empty()) {
        ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

}  // namespace

bool verbose(const Settings::Values& s) {
    if (s.verbose) return *s.verbose;
    const char* v = std::getenv("CHILDPROC_VERBOSE");
    return v && *v && std::string_view(v) != "0";
}

void echoStart(const std::string& command) { say("$ " + command + "\n"); }

void echoEnd(const Result& r) {
    std::string how;
    for (const auto& s : r.stages)
        if (s.error) how = "did not start: " + s.error->message();
    if (how.empty()) {
        if (r.signal) how = "killed by " + *r.signal;
        else if (r.exitCode) how = "exit " + std::to_string(*r.exitCode);
        if (r.timedOut) how += ", timed out";
        if (r.aborted) how += ", aborted";
        if (r.problem) how += ", " + r.problem->message();
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count();
    say("  " + how + " in " + std::to_string(ms) + " ms\n");
}

}  // namespace childproc::script::detail

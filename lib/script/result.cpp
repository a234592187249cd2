// SPDX-License-Identifier: MIT
// What a command's result offers, and the error a person reads when it failed.

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "childproc/script.hpp"

namespace childproc::script {

namespace {

constexpr std::size_t kTailLines = 10;
constexpr std::size_t kTailBytes = 4096;

// The last lines of s, at most kTailLines and kTailBytes, each indented.
std::string tail(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
    bool cut = false;
    if (s.size() > kTailBytes) {
        s = s.substr(s.size() - kTailBytes);
        cut = true;
    }
    std::vector<std::string_view> lines;
    for (std::size_t i = 0; i <= s.size();) {
        std::size_t nl = std::min(s.find('\n', i), s.size());
        lines.push_back(s.substr(i, nl - i));
        i = nl + 1;
    }
    if (cut && lines.size() > 1) lines.erase(lines.begin());  // a line cut in the middle
    if (lines.size() > kTailLines) {
        lines.erase(lines.begin(), lines.end() - kTailLines);
        cut = true;
    }
    std::string out = cut ? "    ...\n" : "";
    for (auto l : lines) ((out += "    ") += l) += '\n';
    return out;
}

std::string milliseconds(std::chrono::nanoseconds d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

// The first line: what went wrong, in execa's words where it has them.
std::string headline(const Result& r) {
    for (const auto& s : r.stages)
        if (s.error) return "Command could not start " + s.command + ": " + s.error->message();
    const std::string killed = r.signal ? " and was killed by " + *r.signal : "";
    if (r.timedOut) return "Command timed out" + killed;
    if (r.aborted) return "Command was aborted by its stop token" + killed;
    if (r.problem) return "Command failed: " + r.problem->message();
    if (r.signal) return "Command was killed by " + *r.signal;
    return "Command failed with exit code " + std::to_string(r.exitCode.value_or(-1));
}

std::string describe(const Result& r) {
    std::string m = headline(r) + ":\n    $ " + r.command + "\n";
    if (r.stages.size() > 1)
        for (std::size_t i = 0; i < r.stages.size(); ++i) {
            const StageReport& s = r.stages[i];
            m += "  stage " + std::to_string(i + 1) + ": " + s.command + "  (";
            if (s.error) m += "did not start";
            else if (s.signal) m += *s.signal;
            else if (s.exitCode) m += "exit " + std::to_string(*s.exitCode);
            else m += "still running";
            m += ")\n";
        }
    m += "  cwd: " + r.cwd + "\n  duration: " + milliseconds(r.duration) + "\n";
    if (!r.stderrData.empty()) m += "  stderr:\n" + tail(r.stderrData);
    if (!r.stdoutData.empty()) m += "  stdout:\n" + tail(r.stdoutData);
    return m;
}

}  // namespace

std::string Result::text() const {
    std::string_view s = stdoutData;
    if (!s.empty() && s.back() == '\n') s.remove_suffix(1);
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> Result::lines() const {
    std::vector<std::string> out;
    std::string_view s = stdoutData;
    while (!s.empty()) {
        std::size_t nl = s.find('\n');
        std::string_view line = s.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        out.emplace_back(line);
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

nlohmann::json Result::json() const {
    try {
        return nlohmann::json::parse(stdoutData);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error("The output of " + command + " is not JSON: " + e.what(), "ERR_CHILDPROC_NOT_JSON", "SyntaxError");
    }
}

ScriptError::ScriptError(Result r) : ExecError(describe(r), r.problem ? r.problem->code : ""), result(std::move(r)) {
    exitCode = result.exitCode;
    signal = result.signal;
    killed = result.timedOut || result.aborted;
    cmd = result.command;
    stdoutData = result.stdoutData;
    stderrData = result.stderrData;
    if (result.problem) errnum = result.problem->errnum;
    for (const auto& s : result.stages)
        if (s.error) {
            code = s.error->code;
            errnum = s.error->errnum;
            syscall = s.error->syscall;
            path = s.error->path;
            break;
        }
}

}  // namespace childproc::script

// SPDX-License-Identifier: MIT
#include "childproc/options.hpp"

#include "childproc/error.hpp"

extern char** environ;

namespace childproc {

std::vector<Stdio> StdioOption::slots() const {
    if (!shorthand_) return slots_;
    switch (*shorthand_) {
    case StdioType::pipe:
    case StdioType::overlapped:
    case StdioType::ignore: return {*shorthand_, *shorthand_, *shorthand_};
    case StdioType::inherit: return {0, 1, 2};
    case StdioType::fd:
    case StdioType::ipc:
    case StdioType::stream: break;
    }
    throw Error("The argument 'stdio' is invalid: only 'pipe', 'overlapped', 'ignore' and 'inherit' are shorthands",
                "ERR_INVALID_ARG_VALUE", "TypeError");
}

Env processEnv() {
    Env env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq == std::string_view::npos) continue;
        env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    return env;
}

}  // namespace childproc

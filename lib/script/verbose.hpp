// SPDX-License-Identifier: MIT
#pragma once
// Verbose mode: each command echoed to stderr as a shell shows it, then how it ended.

#include <string>

#include "childproc/script.hpp"

namespace childproc::script::detail {

// Whether a command is echoed (its settings, else CHILDPROC_VERBOSE).
bool verbose(const Settings::Values& s);
void echoStart(const std::string& command);
void echoEnd(const Result& r);

}  // namespace childproc::script::detail

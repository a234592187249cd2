// SPDX-License-Identifier: MIT
#pragma once
// execvp's PATH search, but over the *child's* PATH, as libuv and Node do.

#include <string>

#include "launch/launcher.hpp"

namespace childproc::detail {

// The program to exec for spec.file: 0 and `out`, or -ENOENT / -EACCES.
int resolveProgram(const LaunchSpec& spec, std::string& out);

}  // namespace childproc::detail

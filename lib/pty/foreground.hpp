// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

namespace childproc::detail {

// argv[0] of the leader of the terminal's foreground process group, as node-pty
// reads it from /proc; nullopt when there is none or it is gone.
std::optional<std::string> foregroundProcess(int master);

}  // namespace childproc::detail

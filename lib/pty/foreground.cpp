// SPDX-License-Identifier: MIT
#include "pty/foreground.hpp"

#include <unistd.h>
#include <fstream>
#include <iterator>

namespace childproc::detail {

std::optional<std::string> foregroundProcess(int master) {
    const pid_t group = ::tcgetpgrp(master);
    if (group <= 0) return std::nullopt;
    std::ifstream in("/proc/" + std::to_string(group) + "/cmdline", std::ios::binary);
    std::string argv0;
    if (!in || !std::getline(in, argv0, '\0') || argv0.empty()) return std::nullopt;
    return argv0;
}

}  // namespace childproc::detail

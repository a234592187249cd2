// SPDX-License-Identifier: MIT
#pragma once

#include "launch/launcher.hpp"

namespace childproc::detail {

// Whether this kernel has pidfd_open (Linux 5.3+); probed once.
bool pidfdSupported();
Launcher& posixSpawnLauncher();

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// The backends behind the launcher seam, each in its own file; choose_backend.cpp
// picks one for each spawn.

#include "launch/launcher.hpp"

namespace childproc::detail {

Launcher& uvLauncher();          // uv_launcher.cpp: libuv's uv_spawn (fork + exec)
Launcher& posixSpawnLauncher();  // posix_spawn_launcher.cpp: glibc posix_spawn + pidfd (Linux 5.3+)
Launcher& vforkLauncher();       // vfork_launcher.cpp: killWithParent's vfork + prctl + pidfd (Linux)
bool pidfdSupported();           // pidfd_process.cpp: whether the last two can run here

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#pragma once
// spawn(); the loop it runs on is in loop.hpp.

#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "childproc/child_process.hpp"
#include "childproc/export.hpp"
#include "childproc/loop.hpp"
#include "childproc/options.hpp"

namespace childproc {

// Node's child_process.spawn(command[, args][, options]). Invalid arguments throw
// Error (ERR_INVALID_ARG_VALUE, ERR_UNKNOWN_SIGNAL, ...); a program that cannot
// start gives an 'error' event (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE) and other
// spawn failures (EPERM, ENOTDIR, E2BIG, ...) throw, as in Node.
// Node's spawn(command, options) is spawn(command, {}, options) here: a lone
// {"arg"} would otherwise also read as SpawnOptions{.cwd = "arg"}.
CHILDPROC_EXPORT ChildProcessPtr spawn(const std::string& file, const std::vector<std::string>& args = {},
                                       SpawnOptions options = {});

}  // namespace childproc

#pragma once
// spawn() and the loop it runs on.

#include <memory>
#include <string>
#include <vector>

#include <uv.h>

#include "childproc/child_process.hpp"
#include "childproc/options.hpp"

namespace childproc {

// Node's child_process.spawn(command[, args][, options]). Invalid arguments throw
// Error (ERR_INVALID_ARG_VALUE, ERR_UNKNOWN_SIGNAL, ...); a program that cannot
// start gives an 'error' event (ENOENT, EACCES, EAGAIN, EMFILE, ENFILE) and other
// spawn failures (EPERM, ENOTDIR, E2BIG, ...) throw, as in Node.
// Node's spawn(command, options) is spawn(command, {}, options) here: a lone
// {"arg"} would otherwise also read as SpawnOptions{.cwd = "arg"}.
ChildProcessPtr spawn(const std::string& file, const std::vector<std::string>& args = {}, SpawnOptions options = {});

// libuv's default loop, where everything runs unless options name another.
uv_loop_t* defaultLoop();

// Run the loop until no work is left (uv_run UV_RUN_DEFAULT). An exception thrown
// by one of our listeners stops the loop and is rethrown here.
void run(uv_loop_t* loop = nullptr);

}  // namespace childproc

// SPDX-License-Identifier: MIT
#pragma once
// Our stdin passed on to a child's stdin pipe, as a shell's pipe would: a
// terminal, a pipe, a socket or a file, with backpressure; EOF on ours ends the
// child's. It stops reading once the child's stdin is gone, so the loop can end.

#include <childproc/childproc.hpp>

namespace cli {

// Starts relaying fd 0 into the child's stdin pipe (if it has one) on the default
// loop, until EOF or the child's exit; the relay frees itself.
void relayStdin(childproc::ChildProcess& child);

}  // namespace cli

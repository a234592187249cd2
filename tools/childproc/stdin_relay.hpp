// SPDX-License-Identifier: MIT
#pragma once
// Our stdin passed on to a child's stdin pipe, as a shell's pipe would: a
// terminal, a pipe, a socket or a file, with backpressure; EOF on ours ends the
// child's. It stops reading once the child's stdin is gone, so the loop can end.

#include <functional>
#include <string>

#include <childproc/childproc.hpp>

namespace cli {

// Where the chunks of our stdin go.
struct StdinSink {
    std::function<bool(std::string)> write;  // false: wait for the sink's 'drain'
    std::function<void()> end;               // EOF on our stdin
};

// Starts relaying fd 0 into the child's stdin pipe (if it has one) on the default
// loop, until EOF or the child's exit; the relay frees itself.
void relayStdin(childproc::ChildProcess& child);
// The same into a terminal, as typed; EOF on a pipe or file becomes ^D.
void relayStdin(childproc::Pty& pty);

}  // namespace cli

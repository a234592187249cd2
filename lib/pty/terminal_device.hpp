// SPDX-License-Identifier: MIT
#pragma once
// A new pseudo-terminal pair, set up before any program sees it.

#include <string>

namespace childproc::detail {

class TerminalDevice {
public:
    // Opens the master (O_CLOEXEC|O_NOCTTY: never another child's, never our
    // controlling terminal) and the slave, with node-pty's termios and the window
    // size set on the slave. Throws a system error naming the call that failed.
    TerminalDevice(int cols, int rows, bool utf8);
    TerminalDevice(const TerminalDevice&) = delete;
    TerminalDevice& operator=(const TerminalDevice&) = delete;
    ~TerminalDevice();

    const std::string& path() const { return path_; }
    // The master, from now on the caller's to close.
    int releaseMaster();
    // Our copy of the slave goes once the program has opened its own, so that the
    // kernel's EIO on the master means the program's side is gone.
    void closeSlave();

private:
    int master_ = -1;
    int slave_ = -1;
    std::string path_;
};

// TIOCSWINSZ on the master; the slave's foreground group gets SIGWINCH. 0 or -errno.
int setWindowSize(int master, int cols, int rows);

}  // namespace childproc::detail

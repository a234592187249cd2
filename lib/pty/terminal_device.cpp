// SPDX-License-Identifier: MIT
#include "pty/terminal_device.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <cerrno>
#include <cstdlib>

#include "childproc/error.hpp"

namespace childproc::detail {

namespace {

[[noreturn]] void fail(const char* syscall) { throw systemError(-errno, syscall); }

// node-pty's defaults: a cooked terminal as a login shell finds it.
termios defaultTermios(bool utf8) {
    termios t{};
    t.c_iflag = ICRNL | IXON | IXANY | IMAXBEL | BRKINT;
    if (utf8) t.c_iflag |= IUTF8;  // erase removes a whole character
    t.c_oflag = OPOST | ONLCR;
    t.c_cflag = CREAD | CS8 | HUPCL;
    t.c_lflag = ICANON | ISIG | IEXTEN | ECHO | ECHOE | ECHOK | ECHOKE | ECHOCTL;
    t.c_cc[VEOF] = 4;
    t.c_cc[VEOL] = 0xff;
    t.c_cc[VEOL2] = 0xff;
    t.c_cc[VERASE] = 0x7f;
    t.c_cc[VWERASE] = 23;
    t.c_cc[VKILL] = 21;
    t.c_cc[VREPRINT] = 18;
    t.c_cc[VINTR] = 3;
    t.c_cc[VQUIT] = 0x1c;
    t.c_cc[VSUSP] = 26;
    t.c_cc[VSTART] = 17;
    t.c_cc[VSTOP] = 19;
    t.c_cc[VLNEXT] = 22;
    t.c_cc[VDISCARD] = 15;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, B38400);
    cfsetospeed(&t, B38400);
    return t;
}

}  // namespace

TerminalDevice::TerminalDevice(int cols, int rows, bool utf8) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0) fail("posix_openpt");
    char name[64];
    if (::grantpt(master_) != 0 || ::unlockpt(master_) != 0 || ::ptsname_r(master_, name, sizeof name) != 0) {
        const int e = errno;
        ::close(master_);
        errno = e;
        fail("unlockpt");
    }
    path_ = name;
    slave_ = ::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    const termios t = defaultTermios(utf8);
    const char* failed = slave_ < 0                                ? "open"
                         : ::tcsetattr(slave_, TCSANOW, &t) != 0   ? "tcsetattr"
                         : setWindowSize(master_, cols, rows) != 0 ? "ioctl"
                                                                   : nullptr;
    if (failed) {
        const int e = errno;
        if (slave_ >= 0) ::close(slave_);
        ::close(master_);
        errno = e;
        fail(failed);
    }
}

TerminalDevice::~TerminalDevice() {
    closeSlave();
    if (master_ >= 0) ::close(master_);
}

int TerminalDevice::releaseMaster() {
    const int fd = master_;
    master_ = -1;
    return fd;
}

void TerminalDevice::closeSlave() {
    if (slave_ >= 0) ::close(slave_);
    slave_ = -1;
}

int setWindowSize(int master, int cols, int rows) {
    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(cols);
    ws.ws_row = static_cast<unsigned short>(rows);
    return ::ioctl(master, TIOCSWINSZ, &ws) == 0 ? 0 : -errno;
}

}  // namespace childproc::detail

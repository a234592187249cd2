// SPDX-License-Identifier: MIT
#include "launch/child_fds.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>

#include "launch/fd_table.hpp"

namespace childproc::detail {

ChildFds::~ChildFds() {
    for (auto& [pipe, fd] : parentEnds_) ::close(fd);
    for (int fd : temporaries_) ::close(fd);
}

namespace {
void clearNonblock(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK)) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}
}  // namespace

int ChildFds::park(int fd) {
    const int c = ::fcntl(fd, F_DUPFD_CLOEXEC, slots_);
    if (c >= 0) temporaries_.push_back(c);
    return c;
}

int ChildFds::devNull() {
    if (devNull_ >= 0) return devNull_;
    const int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fd >= slots_) {
        temporaries_.push_back(fd);
        return devNull_ = fd;
    }
    devNull_ = park(fd);
    const int e = errno;
    ::close(fd);
    errno = e;
    return devNull_;
}

int ChildFds::prepare(const LaunchSpec& spec) {
    slots_ = static_cast<int>(spec.stdio.size());
    for (int i = 0; i < slots_; ++i) {
        const auto& s = spec.stdio[static_cast<std::size_t>(i)];
        if (spec.terminal && i <= 2) {
            // Opened by the new session leader, the terminal becomes its controlling one.
            if (i == 0) ops_.push_back({FdOp::open, -1, 0, spec.terminal->c_str()});
            else ops_.push_back({FdOp::dup, 0, i});
            continue;
        }
        int source = -1;
        switch (s.kind) {
        case StdioPlan::Kind::ignore:
            // fds 0-2 get /dev/null; a higher ignored slot is closed, even if ours
            // of that number lacks O_CLOEXEC (the fds past the slots are closed too).
            if (i >= 3) {
                ops_.push_back({FdOp::close, -1, i});
                continue;
            }
            source = devNull();
            break;
        case StdioPlan::Kind::inherit:
            // A child's stdio must block, whatever the parent set: libuv's child clears
            // O_NONBLOCK on fds 0-2, and the file description is the parent's too.
            if (i <= 2) clearNonblock(s.fd);
            source = park(s.fd);
            break;
        case StdioPlan::Kind::pipe: {
            int sv[2];
            if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
            parentEnds_.emplace_back(s.pipe, keepHigh(sv[0]));
            temporaries_.push_back(sv[1]);
            source = park(sv[1]);
            break;
        }
        }
        if (source < 0) return -errno;
        ops_.push_back({FdOp::dup, source, i});
    }
    return 0;
}

void ChildFds::openParentEnds() {
    for (auto& [pipe, fd] : parentEnds_) uv_pipe_open(pipe, fd);
    parentEnds_.clear();
}

}  // namespace childproc::detail

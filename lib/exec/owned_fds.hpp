// SPDX-License-Identifier: MIT
#pragma once
// The fds a parent holds only until its children have their copies (the pipes
// between a pipeline's stages, redirection files): closed when this goes.

#include <unistd.h>

#include <vector>

namespace childproc::detail {

class OwnedFds {
public:
    OwnedFds() = default;
    OwnedFds(const OwnedFds&) = delete;
    OwnedFds& operator=(const OwnedFds&) = delete;
    ~OwnedFds() {
        for (int fd : fds_) ::close(fd);
    }
    int keep(int fd) {
        fds_.push_back(fd);
        return fd;
    }

private:
    std::vector<int> fds_;
};

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#include "ipc/handle_copy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace childproc::detail {

namespace {
void closePipe(uv_pipe_t* pipe) {
    uv_close(reinterpret_cast<uv_handle_t*>(pipe), [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
}
}  // namespace

std::variant<std::unique_ptr<HandleCopy>, Error> HandleCopy::of(uv_loop_t* loop, const SendHandle& h) {
    uv_os_fd_t fd = -1;
    int r = uv_is_closing(h.handle) ? UV_EBADF : uv_fileno(h.handle, &fd);
    if (r != 0) {
        Error e("send EBADF: the handle to send is closed", "EBADF");
        e.errnum = UV_EBADF;
        e.syscall = "send";
        return e;
    }
    const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) return systemError(-errno, "dup");
    auto* pipe = new uv_pipe_t;
    uv_pipe_init(loop, pipe, 0);
    if ((r = uv_pipe_open(pipe, copy)) != 0) {
        ::close(copy);
        closePipe(pipe);
        return systemError(r, "uv_pipe_open");
    }
    return std::unique_ptr<HandleCopy>(new HandleCopy(pipe));
}

HandleCopy::~HandleCopy() { closePipe(pipe_); }  // closes the duplicate fd

}  // namespace childproc::detail

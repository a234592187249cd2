// SPDX-License-Identifier: MIT
#pragma once
// Reading and writing a terminal's master. Not a uv_stream: libuv ends a stream
// at POLLHUP after a short read, and a pty master reports POLLHUP as soon as the
// program's side is closed while its last output is still queued (most of 100 KB
// was lost that way here). This reads until read() itself says EIO, the master's
// end of file, so every byte the program wrote arrives.

#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

#include <uv.h>

namespace childproc::detail {

class MasterIo {
public:
    // Node's writable highWaterMark: write() returns false beyond it.
    static constexpr std::size_t kWriteHighWaterMark = 16 * 1024;

    struct Callbacks {
        std::function<void(std::string_view)> data;  // valid during the call
        std::function<void()> end;                   // EIO or 0: every slave fd is closed
        std::function<void(int err, const char* syscall)> error;
        std::function<void()> drain;   // the queue fell to zero after write() returned false
        std::function<void()> closed;  // after close(), from the loop
    };

    // Takes the fd (non-blocking from here on). 0 or a libuv error in `status`.
    MasterIo(uv_loop_t* loop, int fd, Callbacks callbacks, int& status);
    MasterIo(const MasterIo&) = delete;
    MasterIo& operator=(const MasterIo&) = delete;
    ~MasterIo();

    void startReading();
    void stopReading();
    // Queued whole, never dropped; false once kWriteHighWaterMark bytes wait.
    bool write(std::string data);
    void close();
    bool closing() const { return handle_ == nullptr; }
    int fd() const { return fd_; }

private:
    struct Handle;
    void onEvents(int status, int events);
    void readAll();
    void flush();
    void watch();

    uv_loop_t* loop_;
    int fd_;
    Handle* handle_ = nullptr;
    Callbacks cb_;
    std::deque<std::string> queue_;
    std::size_t queued_ = 0;
    std::size_t offset_ = 0;  // written of queue_.front()
    bool reading_ = false;
    bool ended_ = false;
    bool needDrain_ = false;
};

}  // namespace childproc::detail

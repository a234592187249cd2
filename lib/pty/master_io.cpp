// SPDX-License-Identifier: MIT
#include "pty/master_io.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <utility>

#include "core/guard.hpp"
#include "core/read_buffer.hpp"

namespace childproc::detail {

// The poll handle lives on the heap until libuv has closed it, so the MasterIo
// may go first; the fd is closed only after the handle, as libuv requires.
struct MasterIo::Handle {
    uv_poll_t poll{};
    MasterIo* owner = nullptr;
    int fd = -1;
};

namespace {
// Reads per poll event, so that one chatty terminal cannot starve the loop.
constexpr int kReadsPerEvent = 16;
}  // namespace

MasterIo::MasterIo(uv_loop_t* loop, int fd, Callbacks callbacks, int& status)
    : loop_(loop), fd_(fd), cb_(std::move(callbacks)) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    handle_ = new Handle;
    handle_->owner = this;
    handle_->fd = fd;
    handle_->poll.data = handle_;
    status = uv_poll_init(loop, &handle_->poll, fd);
    if (status != 0) {
        delete handle_;
        handle_ = nullptr;
        ::close(fd);
    }
}

MasterIo::~MasterIo() {
    if (!handle_) return;
    handle_->owner = nullptr;  // no callback reaches us from here on
    close();
}

void MasterIo::startReading() {
    if (reading_ || ended_ || closing()) return;
    reading_ = true;
    watch();
}

void MasterIo::stopReading() {
    if (!reading_) return;
    reading_ = false;
    if (!closing()) watch();
}

void MasterIo::watch() {
    const int events = (reading_ ? UV_READABLE : 0) | (queue_.empty() ? 0 : UV_WRITABLE);
    if (events == 0) {
        uv_poll_stop(&handle_->poll);
        return;
    }
    uv_poll_start(&handle_->poll, events, [](uv_poll_t* p, int status, int got) {
        auto* h = static_cast<Handle*>(p->data);
        if (h->owner) guarded(p->loop, [&] { h->owner->onEvents(status, got); });
    });
}

void MasterIo::onEvents(int status, int events) {
    if (status < 0) {
        stopReading();
        cb_.error(status, "poll");
        return;
    }
    // A hang-up alone comes with no event bits: read() then says EIO, after the
    // last queued byte.
    if (reading_) readAll();
    if (closing()) return;
    if (events & UV_WRITABLE) flush();
    else if (events == 0 && !reading_ && !queue_.empty()) {
        queue_.clear();  // hung up while we were paused: nobody will read these
        queued_ = offset_ = 0;
        watch();
    }
}

void MasterIo::readAll() {
    char* buf = loopReadBuffer(loop_);
    for (int i = 0; i < kReadsPerEvent && reading_ && !closing(); ++i) {
        const ssize_t n = ::read(fd_, buf, kLoopReadBufferSize);
        if (n > 0) {
            cb_.data(std::string_view(buf, static_cast<std::size_t>(n)));
            // Short: the terminal had no more just now. The next poll event says when it
            // has (or that it hung up), which saves the read() that would say EAGAIN.
            if (static_cast<std::size_t>(n) < kLoopReadBufferSize) return;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        const int err = n == 0 ? 0 : errno;
        reading_ = false;
        if (n == 0 || err == EIO) {
            ended_ = true;
            queue_.clear();  // the program's side is closed: what waits can never be read
            queued_ = offset_ = 0;
            watch();
            cb_.end();
            return;
        }
        watch();
        cb_.error(-err, "read");
        return;
    }
}

bool MasterIo::write(std::string data) {
    if (closing() || ended_) return false;
    queued_ += data.size();
    queue_.push_back(std::move(data));
    if (queue_.size() == 1) flush();
    if (queued_ < kWriteHighWaterMark) return true;
    needDrain_ = true;
    return false;
}

void MasterIo::flush() {
    while (!queue_.empty()) {
        const std::string& front = queue_.front();
        const ssize_t n = ::write(fd_, front.data() + offset_, front.size() - offset_);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        if (n < 0) {
            const int err = errno;
            queue_.clear();
            queued_ = offset_ = 0;
            watch();
            if (err != EIO) cb_.error(-err, "write");  // EIO: hung up, nobody reads any more
            return;
        }
        offset_ += static_cast<std::size_t>(n);
        queued_ -= static_cast<std::size_t>(n);
        if (offset_ == front.size()) {
            queue_.pop_front();
            offset_ = 0;
        }
    }
    watch();
    if (queue_.empty() && needDrain_) {
        needDrain_ = false;
        cb_.drain();
    }
}

void MasterIo::close() {
    if (!handle_) return;
    Handle* h = std::exchange(handle_, nullptr);
    reading_ = false;
    queue_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&h->poll), [](uv_handle_t* p) {
        auto* handle = static_cast<Handle*>(p->data);
        ::close(handle->fd);
        if (handle->owner) guarded(p->loop, [&] { handle->owner->cb_.closed(); });
        delete handle;
    });
}

}  // namespace childproc::detail

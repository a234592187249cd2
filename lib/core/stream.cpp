// SPDX-License-Identifier: MIT
#include "childproc/stream.hpp"

#include "core/guard.hpp"
#include "core/read_buffer.hpp"
#include "core/tick_queue.hpp"

namespace childproc {

struct Stream::WriteReq {
    uv_write_t req{};
    std::string data;
    WriteCallback cb;
    Stream* stream;
};

Stream::Stream(uv_loop_t* loop, detail::TickQueue& ticks, bool readable, bool writable, Kind kind)
    : ticks_(ticks), readable_(readable), writable_(writable) {
    if (kind == Kind::tcp) uv_tcp_init(loop, &h_.tcp);
    else uv_pipe_init(loop, &h_.pipe, 0);
    h_.stream.data = this;
}

Stream::~Stream() = default;

Subscription Stream::onData(std::function<void(std::string_view)> fn, Listen how) {
    Subscription s = data_.add(std::move(fn), how);
    if (mode_ == Mode::initial) resume();
    return s;
}

Subscription Stream::onEnd(std::function<void()> fn, Listen how) { return end_.add(std::move(fn), how); }
Subscription Stream::onDrain(std::function<void()> fn, Listen how) { return drain_.add(std::move(fn), how); }
Subscription Stream::onError(std::function<void(const Error&)> fn, Listen how) {
    return error_.add(std::move(fn), how);
}
Subscription Stream::onClose(std::function<void()> fn, Listen how) { return close_.add(std::move(fn), how); }

void Stream::startReading() {
    if (!readable_) return;
    readStart();
}

void Stream::readStart() {
    if (reading_ || ended_ || closing_ || !readable_) return;
    auto alloc = [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        *buf = uv_buf_init(detail::loopReadBuffer(h->loop), detail::kLoopReadBufferSize);
    };
    auto read = [](uv_stream_t* h, ssize_t nread, const uv_buf_t* buf) {
        auto* s = static_cast<Stream*>(h->data);
        detail::guarded(h->loop, [&] { s->onRead(nread, buf); });
    };
    if (uv_read_start(handle(), alloc, read) == 0) reading_ = true;
}

void Stream::readStop() {
    if (!reading_) return;
    uv_read_stop(handle());
    reading_ = false;
}

void Stream::onRead(ssize_t nread, const uv_buf_t* buf) {
    if (nread > 0) {
        bytesRead_ += static_cast<std::uint64_t>(nread);
        std::string_view chunk(buf->base, static_cast<std::size_t>(nread));
        if (diagProcess_) publish(diagnostics::Kind::read, chunk);
        if (mode_ == Mode::flowing && pending_.empty()) {
            detail::emitGuarded(h_.stream.loop, data_, chunk);
            return;
        }
        // Nobody consumes yet: keep the bytes, and stop reading at the high-water
        // mark so that backpressure reaches the child instead of our memory.
        pending_.append(chunk);
        if (pending_.size() >= kReadHighWaterMark && mode_ != Mode::flowing) readStop();
        if (mode_ == Mode::flowing) scheduleFlush();
        return;
    }
    if (nread == 0) return;  // EAGAIN
    readStop();
    if (nread == UV_EOF) {
        if (diagProcess_) publish(diagnostics::Kind::end, {});
        ended_ = true;
        maybeEnd();
        return;
    }
    emitError(systemError(static_cast<int>(nread), "read"));
    destroy();
}

void Stream::scheduleFlush() {
    if (flushQueued_) return;
    flushQueued_ = true;
    ticks_.post([this] {
        flushQueued_ = false;
        flushPending();
    });
}

void Stream::flushPending() {
    if (closing_ || mode_ != Mode::flowing) return;
    if (!pending_.empty()) {
        std::string chunk = std::move(pending_);
        pending_.clear();
        detail::emitGuarded(h_.stream.loop, data_, chunk);
        if (closing_ || mode_ != Mode::flowing) return;
    }
    if (ended_) maybeEnd();
    else readStart();
}

void Stream::maybeEnd() {
    if (endEmitted_ || !ended_ || !pending_.empty()) return;
    if (mode_ == Mode::paused) return;  // 'end' only once everything was consumed
    // Mode::initial with nothing buffered: Node's read(0) after EOF ends the stream
    // even with no data listener, so an end()ed socket that never read is closed.
    endEmitted_ = true;
    detail::emitGuarded(h_.stream.loop, end_);
    // allowHalfOpen is false for child stdio in Node: the end of reading ends the socket.
    destroy();
}

void Stream::pause() {
    mode_ = Mode::paused;
    readStop();
}

void Stream::resume() {
    mode_ = Mode::flowing;
    scheduleFlush();
}

void Stream::flushUnconsumed() {
    if (mode_ == Mode::initial && readable_ && !closing_) resume();
}

Stream& Stream::pipe(Stream& dest) {
    // The flags outlive whichever side closes first, so neither touches the other after.
    auto srcClosed = std::make_shared<bool>(false);
    auto destClosed = std::make_shared<bool>(false);
    onClose([srcClosed] { *srcClosed = true; });
    dest.onClose([destClosed, srcClosed, this] {
        *destClosed = true;
        if (!*srcClosed) resume();  // dest is gone: stop holding the source back
    });
    onData([this, &dest, destClosed](std::string_view chunk) {
        if (*destClosed) return;
        if (!dest.write(std::string(chunk))) pause();
    });
    dest.onDrain([this, srcClosed] {
        if (!*srcClosed) resume();
    });
    onEnd([&dest, destClosed] {
        if (!*destClosed) dest.end();
    });
    return dest;
}

// As Node's Writable: the callback hears of it; 'error' too, unless the stream is
// already destroyed (errorOrDestroy does nothing then).
void Stream::failWrite(WriteCallback cb, Error err) {
    ticks_.post([this, cb = std::move(cb), err, destroyed = closing_] {
        if (cb) cb(err);
        if (!destroyed) emitError(err);
    });
}

bool Stream::write(std::string data, WriteCallback cb) {
    if (closing_) {
        failWrite(std::move(cb), Error("Cannot call write after a stream was destroyed", "ERR_STREAM_DESTROYED"));
        return false;
    }
    if (!writable_ || writableEnded_) {
        failWrite(std::move(cb), Error("write after end", "ERR_STREAM_WRITE_AFTER_END"));
        return false;
    }
    if (diagProcess_ && !data.empty()) publish(diagnostics::Kind::write, data);
    if (!data.empty() && uv_stream_get_write_queue_size(handle()) == 0) {
        // Nothing queued in libuv: write now, as Node's writeGeneric does. A write
        // that completes here needs no request and no allocation.
        uv_buf_t now = uv_buf_init(data.data(), static_cast<unsigned>(data.size()));
        const int n = uv_try_write(handle(), &now, 1);
        if (n > 0) bytesWritten_ += static_cast<std::uint64_t>(n);
        if (n == static_cast<int>(data.size())) {
            // As in Node, the chunk counts as buffered until its callback, on the next tick.
            queued_ += data.size();
            ticks_.post([this, size = data.size(), cb = std::move(cb)] {
                queued_ -= size;
                if (cb) cb(std::nullopt);
                maybeDrain();
            });
            return belowHighWaterMark();
        }
        if (n > 0) data.erase(0, static_cast<std::size_t>(n));  // the rest goes the queued way
    }
    auto* req = new WriteReq{{}, std::move(data), std::move(cb), this};
    req->req.data = req;
    uv_buf_t buf = uv_buf_init(req->data.data(), static_cast<unsigned>(req->data.size()));
    queued_ += req->data.size();
    int r = uv_write(&req->req, handle(), &buf, 1, [](uv_write_t* w, int status) {
        auto* rq = static_cast<WriteReq*>(w->data);
        detail::guarded(w->handle->loop, [&] { rq->stream->finishWrite(rq, status); });
    });
    if (r < 0) {
        queued_ -= req->data.size();
        failWrite(std::move(req->cb), systemError(r, "write"));
        delete req;
        return false;
    }
    return belowHighWaterMark();
}

bool Stream::belowHighWaterMark() {
    const bool ok = queued_ < kWriteHighWaterMark;
    if (!ok) needDrain_ = true;
    return ok;
}

void Stream::maybeDrain() {
    if (!needDrain_ || queued_ != 0 || closing_) return;
    needDrain_ = false;
    detail::emitGuarded(h_.stream.loop, drain_);
}

void Stream::finishWrite(WriteReq* req, int status) {
    std::unique_ptr<WriteReq> owned(req);
    queued_ -= req->data.size();
    if (status < 0) {
        Error err = status == UV_ECANCELED
                        ? Error("Cannot call write after a stream was destroyed", "ERR_STREAM_DESTROYED")
                        : systemError(status, "write");
        if (req->cb) req->cb(err);
        if (status != UV_ECANCELED) {
            emitError(err);
            destroy();
        }
        return;
    }
    bytesWritten_ += req->data.size();
    if (req->cb) req->cb(std::nullopt);
    maybeDrain();
}

void Stream::end(std::string data) {
    write(std::move(data));
    end();
}

void Stream::end() {
    if (writableEnded_ || closing_ || !writable_) return;
    writableEnded_ = true;
    shutdownReq_.data = this;
    // The shutdown waits for queued writes, then sends EOF (SHUT_WR on the socketpair).
    int r = uv_shutdown(&shutdownReq_, handle(), [](uv_shutdown_t* req, int) {
        auto* s = static_cast<Stream*>(req->data);
        detail::guarded(req->handle->loop, [&] {
            if (!s->readable_) s->destroy();
        });
    });
    if (r < 0 && !readable_) destroy();
}

void Stream::releaseListeners() noexcept {
    data_.clear();
    end_.clear();
    drain_.clear();
    error_.clear();
    close_.clear();
}

void Stream::emitError(const Error& err) { detail::emitError(h_.stream.loop, error_, err); }

void Stream::publish(diagnostics::Kind kind, std::string_view data) const {
    diagnostics::publish(kind, [&](diagnostics::Event& e) {
        e.process = diagProcess_;
        e.fd = diagFd_;
        e.data = data;
        e.bytes = kind == diagnostics::Kind::closed ? bytesRead_ : data.size();
        if (kind == diagnostics::Kind::closed) e.written = bytesWritten_;
    });
}

void Stream::destroy() {
    if (closing_) return;
    closing_ = true;
    readStop();
    pending_.clear();
    uv_close(reinterpret_cast<uv_handle_t*>(&h_.stream), [](uv_handle_t* h) {
        auto* s = static_cast<Stream*>(h->data);
        s->closed_ = true;
        if (s->diagProcess_) s->publish(diagnostics::Kind::closed, {});
        detail::emitGuarded(h->loop, s->close_);
        s->releaseListeners();  // 'close' is the last event
        if (s->closeHook_) s->closeHook_();
    });
}

}  // namespace childproc

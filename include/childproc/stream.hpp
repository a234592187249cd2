// SPDX-License-Identifier: MIT
#pragma once
// Node's net.Socket as childproc uses it: a stdio pipe of a child (child.stdin,
// stdout, stderr and extra pipes), or a TCP connection from net::Server.
// Readable streams deliver data; writable streams take writes.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <uv.h>

#include "childproc/diagnostics.hpp"
#include "childproc/error.hpp"
#include "childproc/events.hpp"
#include "childproc/export.hpp"

namespace childproc {

namespace detail {
class TickQueue;
}

class CHILDPROC_EXPORT Stream {
public:
    using WriteCallback = std::function<void(const std::optional<Error>&)>;

    // Node's readable highWaterMark for sockets: what is buffered before reading
    // stops while nobody consumes.
    static constexpr std::size_t kReadHighWaterMark = 64 * 1024;
    // Node's writable highWaterMark: write() returns false beyond it.
    static constexpr std::size_t kWriteHighWaterMark = 16 * 1024;

    enum class Kind { pipe, tcp };

    Stream(uv_loop_t* loop, detail::TickQueue& ticks, bool readable, bool writable, Kind kind = Kind::pipe);
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream();

    // --- readable side ---
    // The bytes are valid during the call only. The first data listener starts the
    // flow (data buffered before it is delivered first), as Node's 'data' does.
    Subscription onData(std::function<void(std::string_view)> fn, Listen how = Listen::on);
    Subscription onEnd(std::function<void()> fn, Listen how = Listen::on);
    void pause();
    void resume();
    bool isPaused() const { return mode_ == Mode::paused; }
    // Feed this stream into `dest` with backpressure; dest.end() on our end.
    Stream& pipe(Stream& dest);

    // --- writable side ---
    // Copies nothing: the string is moved into the request. Returns false once
    // kWriteHighWaterMark bytes are queued; wait for 'drain' before writing more.
    bool write(std::string data, WriteCallback cb = {});
    void end();
    void end(std::string data);
    Subscription onDrain(std::function<void()> fn, Listen how = Listen::on);
    std::size_t writableLength() const { return queued_; }

    // --- both ---
    Subscription onError(std::function<void(const Error&)> fn, Listen how = Listen::on);
    Subscription onClose(std::function<void()> fn, Listen how = Listen::on);
    void destroy();

    bool readable() const { return readable_ && !closing_ && !ended_; }
    bool writable() const { return writable_ && !closing_ && !writableEnded_; }
    bool destroyed() const { return closing_; }
    bool closed() const { return closed_; }
    std::uint64_t bytesRead() const { return bytesRead_; }
    std::uint64_t bytesWritten() const { return bytesWritten_; }

    uv_stream_t* handle() { return &h_.stream; }
    uv_pipe_t* pipeHandle() { return &h_.pipe; }  // Kind::pipe
    uv_tcp_t* tcpHandle() { return &h_.tcp; }     // Kind::tcp

    // Used by ChildProcess: start reading once the child runs, count our close,
    // and drain a stream nobody consumed so 'close' can come (Node's flushStdio).
    void startReading();
    void setCloseHook(std::function<void()> fn) { closeHook_ = std::move(fn); }
    void flushUnconsumed();
    // Tells the diagnostics channel of this stream's bytes, as slot `fd` of child `process`.
    void setDiagnostics(std::uint64_t process, int fd) {
        diagProcess_ = process;
        diagFd_ = fd;
    }

private:
    enum class Mode { initial, flowing, paused };
    struct WriteReq;

    void readStart();
    void readStop();
    void onRead(ssize_t nread, const uv_buf_t* buf);
    void scheduleFlush();
    void flushPending();
    void maybeEnd();
    void emitError(const Error& err);
    void releaseListeners() noexcept;
    void finishWrite(WriteReq* req, int status);
    bool belowHighWaterMark();  // write()'s return value; false arms 'drain'
    void maybeDrain();
    void failWrite(WriteCallback cb, Error err);
    void publish(diagnostics::Kind kind, std::string_view data) const;

    union Handle {
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h_{};
    uv_shutdown_t shutdownReq_{};
    detail::TickQueue& ticks_;
    bool readable_;
    bool writable_;
    Mode mode_ = Mode::initial;
    bool reading_ = false;
    bool ended_ = false;  // EOF seen
    bool endEmitted_ = false;
    bool flushQueued_ = false;
    bool writableEnded_ = false;
    bool closing_ = false;
    bool closed_ = false;
    bool needDrain_ = false;
    std::string pending_;  // read but not yet consumed
    std::size_t queued_ = 0;
    std::uint64_t bytesRead_ = 0;
    std::uint64_t bytesWritten_ = 0;
    Listeners<std::string_view> data_;
    Listeners<> end_, drain_, close_;
    Listeners<const Error&> error_;
    std::function<void()> closeHook_;
    std::uint64_t diagProcess_ = 0;  // 0: not a child's stdio, nothing published
    int diagFd_ = -1;
};

}  // namespace childproc

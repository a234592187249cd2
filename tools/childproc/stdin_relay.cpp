// SPDX-License-Identifier: MIT
#include "stdin_relay.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

namespace cli {

using namespace childproc;

namespace {

class Relay {
public:
    explicit Relay(StdinSink sink) : sink_(std::move(sink)), loop_(defaultLoop()) {}
    // Listeners that go with the relay, so none runs after it is freed.
    void keep(Subscription s) { listening_.emplace_back(std::move(s)); }

    void start() {
        const uv_handle_type kind = uv_guess_handle(0);
        int fd = ::fcntl(0, F_DUPFD_CLOEXEC, 3);  // a copy: closing ours leaves fd 0 alone
        int err = fd < 0 ? -errno : 0;
        if (err == 0 && kind == UV_TTY) {
            ::close(std::exchange(fd, -1));  // libuv reopens the terminal itself
            err = uv_tty_init(loop_, &h_.tty, 0, 1);
        } else if (err == 0 && kind == UV_NAMED_PIPE) {
            if ((err = uv_pipe_init(loop_, &h_.pipe, 0)) == 0) err = uv_pipe_open(&h_.pipe, fd);
        } else if (err == 0 && kind == UV_TCP) {
            if ((err = uv_tcp_init(loop_, &h_.tcp)) == 0) err = uv_tcp_open(&h_.tcp, fd);
        } else if (err == 0 && kind == UV_FILE) {
            fileFd_ = fd;  // a file (or /dev/null): read with the loop's thread pool
            return readFile();
        } else {
            err = err ? err : UV_EINVAL;  // no stdin at all: the child sees EOF
        }
        if (err != 0) {
            if (fd >= 0) ::close(fd);
            return finish();
        }
        stream_ = true;
        h_.handle.data = this;
        resume();
    }

    void resume() {
        if (done_) return;
        if (fileFd_ >= 0) return readFile();
        if (!stream_ || reading_) return;
        reading_ = true;
        uv_read_start(
            &h_.stream, [](uv_handle_t*, size_t, uv_buf_t* buf) { *buf = uv_buf_init(buffer(), kChunk); },
            [](uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
                auto* self = static_cast<Relay*>(s->data);
                if (n > 0) self->pass(std::string(buf->base, static_cast<std::size_t>(n)));
                else if (n < 0) self->finish();
            });
    }

private:
    void readFile() {
        if (done_ || reading_) return;
        reading_ = true;
        req_.data = this;
        uv_buf_t buf = uv_buf_init(buffer(), kChunk);
        uv_fs_read(loop_, &req_, fileFd_, &buf, 1, -1, [](uv_fs_t* req) {
            auto* self = static_cast<Relay*>(req->data);
            const auto n = req->result;
            uv_fs_req_cleanup(req);
            self->reading_ = false;
            if (self->done_) {  // stopped while the read was in flight
                ::close(self->fileFd_);
                delete self;
            } else if (n > 0) {
                if (self->pass(std::string(buffer(), static_cast<std::size_t>(n)))) self->readFile();
            } else {
                self->finish();
            }
        });
    }

    // Writes a chunk; false (reading paused) until the sink drains.
    bool pass(std::string chunk) {
        if (done_) return false;
        if (sink_.write(std::move(chunk))) return true;
        if (stream_ && reading_) {
            uv_read_stop(&h_.stream);
            reading_ = false;
        }
        return false;
    }

    // EOF (or an error) on our stdin: the child's stdin ends too.
    void finish() {
        sink_.end();
        stop();
    }

public:
    // Nothing more to pass on: close what we opened; the relay frees itself.
    void stop() {
        if (done_) return;
        done_ = true;
        if (fileFd_ >= 0 && !reading_) ::close(std::exchange(fileFd_, -1));
        if (stream_) {
            uv_close(&h_.handle, [](uv_handle_t* h) { delete static_cast<Relay*>(h->data); });
        } else if (!reading_) {
            delete this;
        }
        // A file read in flight finds done_ set, and its callback ends here.
    }

private:
    static constexpr unsigned kChunk = 64 * 1024;
    static char* buffer() {
        static char b[kChunk];  // one relay per process; each chunk is copied into its write
        return b;
    }

    StdinSink sink_;
    uv_loop_t* loop_;
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tty_t tty;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h_{};
    uv_fs_t req_{};
    int fileFd_ = -1;
    bool stream_ = false;
    bool reading_ = false;
    bool done_ = false;
    std::vector<ScopedSubscription> listening_;
};

}  // namespace

void relayStdin(ChildProcess& child) {
    Stream* in = child.stdinPipe();
    if (!in) return;
    // EPIPE: the child stopped reading, as `yes | head` does. This one stays: a write
    // still in flight may fail after the relay is gone.
    in->onError([](const Error&) {});
    auto* relay = new Relay({[in](std::string chunk) { return in->write(std::move(chunk)); },
                             [in] {
                                 if (!in->destroyed() && in->writable()) in->end();
                             }});
    relay->keep(in->onDrain([relay] { relay->resume(); }));
    relay->keep(in->onClose([relay] { relay->stop(); }));
    // A child that exits without reading stdin must not leave us waiting on a terminal.
    relay->keep(child.onExit([relay](auto, auto) { relay->stop(); }));
    relay->start();
}

void relayStdin(Pty& pty) {
    auto lastByte = std::make_shared<char>('\n');
    auto* relay = new Relay({[&pty, lastByte](std::string chunk) {
                                 if (!chunk.empty()) *lastByte = chunk.back();
                                 return pty.write(std::move(chunk));
                             },
                             // EOF on a pipe is ^D, as typed: a second one ends a line left open.
                             [&pty, lastByte] { pty.write(*lastByte == '\n' ? "\x04" : "\x04\x04"); }});
    relay->keep(pty.onDrain([relay] { relay->resume(); }));
    relay->keep(pty.onExit([relay](const ExitStatus&) { relay->stop(); }));
    relay->start();
}

}  // namespace cli

// SPDX-License-Identifier: MIT
// Stream behaviour: write with callback, backpressure and drain, end(), pause and
// resume, pipe() between children, errors on a closed reader.

#include "support.hpp"

using namespace childproc;
using test::kHelper;

TEST(Streams, EchoRoundTrip) {
    std::string out;
    auto c = spawn(kHelper, {"echo"});
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    bool written = false;
    c->stdinPipe()->write("hello ", [&](const std::optional<Error>& e) { written = !e; });
    c->stdinPipe()->end("world");
    test::runLoop();
    EXPECT_TRUE(written);
    EXPECT_EQ(out, "hello world");
}

TEST(Streams, BackpressureAndDrain) {
    auto c = spawn(kHelper, {"count"});
    std::string out;
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    Stream& in = *c->stdinPipe();
    const std::string chunk(64 * 1024, 'x');
    int drains = 0;
    std::size_t sent = 0;
    const std::size_t total = 8 * 1024 * 1024;
    std::function<void()> pump = [&] {
        while (sent < total) {
            sent += chunk.size();
            if (!in.write(chunk)) return;  // wait for 'drain'
        }
        in.end();
    };
    in.onDrain([&] {
        ++drains;
        pump();
    });
    pump();
    EXPECT_GT(in.writableLength(), 0u);
    test::runLoop();
    EXPECT_EQ(out, std::to_string(total) + "\n");
    EXPECT_GT(drains, 0);
    EXPECT_EQ(in.bytesWritten(), total);
}

TEST(Streams, WriteReturnsFalseAboveHighWaterMark) {
    auto c = spawn(kHelper, {"sleep", "200", "count"});
    EXPECT_TRUE(c->stdinPipe()->write(std::string(100, 'a')));
    EXPECT_FALSE(c->stdinPipe()->write(std::string(Stream::kWriteHighWaterMark, 'a')));
    c->stdinPipe()->end();
    test::runLoop();
}

TEST(Streams, EndSendsEofToTheChild) {
    std::string out;
    auto c = spawn(kHelper, {"count"});
    c->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    c->stdinPipe()->end();
    test::runLoop();
    EXPECT_EQ(out, "0\n");
}

TEST(Streams, PauseStopsDataUntilResume) {
    auto c = spawn(kHelper, {"spew", "1", "1048576"});
    Stream& out = *c->stdoutPipe();
    std::size_t got = 0, atPause = 0;
    bool paused = false;
    struct Ctx {
        Stream* s;
        bool* paused;
    } ctx{&out, &paused};
    uv_timer_t timer;
    uv_timer_init(c->loop(), &timer);
    timer.data = &ctx;
    out.onData([&](std::string_view d) {
        EXPECT_FALSE(paused) << "data while paused";
        got += d.size();
        if (atPause == 0 && got >= 65536) {
            atPause = got;
            paused = true;
            out.pause();
            EXPECT_TRUE(out.isPaused());
            uv_timer_start(
                &timer,
                [](uv_timer_t* t) {
                    auto* x = static_cast<Ctx*>(t->data);
                    *x->paused = false;
                    x->s->resume();
                    uv_close(reinterpret_cast<uv_handle_t*>(t), nullptr);
                },
                100, 0);
        }
    });
    test::runLoop();
    EXPECT_EQ(got, 1048576u);
    EXPECT_GE(atPause, 65536u);
}

TEST(Streams, PipeFeedsOneChildIntoAnother) {
    // 16 MiB through a -> parent -> b with backpressure, then b counts it.
    auto a = spawn(kHelper, {"spew", "1", "16777216"});
    auto b = spawn(kHelper, {"count"});
    std::string out;
    b->stdoutPipe()->onData([&](std::string_view d) { out += d; });
    a->stdoutPipe()->pipe(*b->stdinPipe());
    test::runLoop();
    EXPECT_EQ(out, "16777216\n");
}

TEST(Streams, WriteToAChildThatClosedStdinIsEpipeNotSigpipe) {
    auto c = spawn(kHelper, {"closein", "sleep", "300"});
    std::optional<Error> err;
    c->stdinPipe()->onError([&](const Error& e) { err = e; });
    // More than a pipe holds: the write is still waiting when the child closes its end.
    c->stdinPipe()->write(std::string(1 << 20, 'z'));
    test::runLoop();
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->code, "EPIPE");
    EXPECT_EQ(c->exitCode(), 0);
}

TEST(Streams, WriteAfterExitIsErrStreamDestroyed) {
    auto c = spawn(kHelper, {"exit", "0"});
    std::optional<Error> err;
    c->onExit([&](auto, auto) { c->stdinPipe()->write("late", [&](const std::optional<Error>& e) { err = e; }); });
    test::runLoop();
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->code, "ERR_STREAM_DESTROYED");
}

TEST(Streams, EndEventAfterAllData) {
    auto c = spawn(kHelper, {"out", "100", "0123456789"});
    std::size_t got = 0, atEnd = 0;
    c->stdoutPipe()->onData([&](std::string_view d) { got += d.size(); });
    c->stdoutPipe()->onEnd([&] { atEnd = got; });
    test::runLoop();
    EXPECT_EQ(atEnd, 1000u);
}

TEST(Streams, BytesReadCounts) {
    auto c = spawn(kHelper, {"spew", "2", "300000"});
    c->stderrPipe()->onData([](std::string_view) {});
    std::uint64_t n = 0;
    c->stderrPipe()->onEnd([&] { n = c->stderrPipe()->bytesRead(); });
    test::runLoop();
    EXPECT_EQ(n, 300000u);
}

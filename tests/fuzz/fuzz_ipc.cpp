// SPDX-License-Identifier: MIT
// libFuzzer target for everything that parses bytes from an IPC peer: framing,
// the JSON codec, V8's serializer format ('advanced'), internal NODE_* messages and
// NODE_HANDLE, through the real Channel on a socketpair (in either serialization). Any crash, leak, sanitizer report or
// broken property fails the run.

#include <sys/socket.h>
#include <unistd.h>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/tick_queue.hpp"
#include "ipc/advanced_codec.hpp"
#include "ipc/channel.hpp"
#include "ipc/json_codec.hpp"
#include "ipc/json_lines_codec.hpp"
#include "ipc/v8_serializer.hpp"

using namespace childproc::detail;

namespace {

bool hasNonFinite(const nlohmann::json& j) {
    if (j.is_number_float()) return !std::isfinite(j.get<double>());
    if (j.is_structured())
        for (const auto& v : j)
            if (hasNonFinite(v)) return true;
    return false;
}

// Property: what we decode, we encode, and decoding that gives the same value back.
void roundTrip(const nlohmann::json& m) {
    if (hasNonFinite(m)) return;  // ±Infinity is sent as null, exactly as JSON.stringify does
    std::string bytes;
    encodeJson(m, bytes);
    std::string why;
    auto again = decodeJson(bytes, why);
    if (!again || *again != m) std::abort();
}

void framingAndCodec(const uint8_t* data, size_t size) {
    // The first byte chooses where the input is cut in two reads.
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const size_t cut = size ? data[0] % (size + 1) : 0;
    LineDecoder decoder;
    auto onLine = [](std::string_view line) {
        Decoded d = decodeLine(line);
        if (d.message) {
            d.message->internal();
            roundTrip(*d.message->json(childproc::unlimited));  // JSON lines come as JSON
        }
    };
    decoder.feed(all.substr(0, cut), onLine);
    decoder.feed(all.substr(cut), onLine);
}

// Property for 'advanced': a decoded value re-encodes to bytes that decode and
// re-encode to the very same bytes.
struct AdvancedSink : CodecSink {
    void onDecoded(std::string_view, Decoded d) override {
        if (!d.message) return;
        d.message->internal();
        d.message->json(1 << 20);  // the JSON view, bounded as a channel bounds it
        std::string once, twice;
        serializeV8(*d.message->value(), once);
        auto again = deserializeV8(once);
        if (!again.value) std::abort();
        serializeV8(*again.value, twice);
        if (once != twice) std::abort();
    }
    void onTooLarge(std::size_t, std::size_t) override {}
};

void advancedFraming(const uint8_t* data, size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const size_t cut = size ? data[0] % (size + 1) : 0;
    AdvancedCodec codec;
    codec.setMaxMessageSize(1 << 20);
    AdvancedSink sink;
    codec.feed(all.substr(0, cut), sink);
    codec.feed(all.substr(cut), sink);
    // The payload alone, without framing, too.
    AdvancedSink direct;
    Decoded d;
    auto v = deserializeV8(all);
    if (v.value) {
        d.message.emplace(std::make_shared<const childproc::Value>(std::move(*v.value)));
        direct.onDecoded(all, std::move(d));
    }
}

void throughAChannel(const uint8_t* data, size_t size) {
    static uv_loop_t loop;
    static bool ready = uv_loop_init(&loop) == 0;
    if (!ready) return;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return;
    {
        TickQueue ticks(&loop);
        bool closed = false;
        Channel::Hooks hooks;
        hooks.error = [](const childproc::Error&) {};
        hooks.closed = [&closed] { closed = true; };
        hooks.internal = [](const nlohmann::json&, std::shared_ptr<childproc::ReceivedHandle>) {};
        // Input that starts like a frame under 64 KiB ("\0\0") is fed to an 'advanced' channel.
        const bool frames = size >= 2 && data[0] == 0 && data[1] == 0;
        const auto mode = frames ? childproc::Serialization::advanced : childproc::Serialization::json;
        Channel channel(&loop, ticks, Channel::Side::parent, mode, hooks);
        channel.onMessage([](const nlohmann::json&, std::shared_ptr<childproc::ReceivedHandle>) {});
        uv_pipe_open(channel.pipe(), sv[0]);
        channel.start();
        // The peer writes the input and goes away (EOF), as a dying child would.
        size_t off = 0;
        while (off < size) {
            ssize_t w = ::write(sv[1], data + off, size - off);
            if (w <= 0) break;
            off += static_cast<size_t>(w);
            uv_run(&loop, UV_RUN_NOWAIT);
        }
        ::shutdown(sv[1], SHUT_WR);
        while (!closed) uv_run(&loop, UV_RUN_ONCE);
        bool ticksClosed = false;
        ticks.close([&ticksClosed] { ticksClosed = true; });
        while (!ticksClosed) uv_run(&loop, UV_RUN_ONCE);
    }
    char drain[4096];
    while (::read(sv[1], drain, sizeof drain) > 0) {
    }
    ::close(sv[1]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    framingAndCodec(data, size);
    advancedFraming(data, size);
    throughAChannel(data, size);
    return 0;
}

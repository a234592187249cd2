// SPDX-License-Identifier: MIT
// The IPC hot path's JSON codec (lib/ipc/json_codec) against nlohmann's dump and
// parse, the peer it replaces, and a memcpy of the same bytes (the floor).
//   bench_json MODE KIND COUNT   prints MB/s of JSON text
//   MODE: floor | encode | encode-nlohmann | decode | decode-nlohmann
//   KIND: small (a 60-byte message) | big (a 64 KiB text message, escapes and UTF-8 in it)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <nlohmann/json.hpp>

#include "ipc/json_codec.hpp"

using nlohmann::json;

namespace {

json message(const std::string& kind) {
    if (kind == "small") return {{"cmd", "ping"}, {"seq", 12345}, {"ok", true}, {"tags", {"a", "b"}}};
    std::string text;
    while (text.size() < 65536 - 64) text += "line of text, \"quoted\", caf\xC3\xA9\tand more\n";
    return {{"cmd", "data"}, {"seq", 1}, {"text", text}};
}

// Keeps a result alive so the compiler cannot drop the work.
volatile std::size_t sink;

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: bench_json MODE KIND COUNT\n");
        return 2;
    }
    const std::string mode = argv[1];
    const json value = message(argv[2]);
    const long count = std::atol(argv[3]);
    const std::string text = value.dump();
    std::string out;
    std::string why;
    std::string copy(text.size(), '\0');
    const auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < count; ++i) {
        if (mode == "floor") {
            std::memcpy(copy.data(), text.data(), text.size());
            sink = sink + static_cast<unsigned char>(copy[i % copy.size()]);
        } else if (mode == "encode") {
            out.clear();
            childproc::detail::encodeJson(value, out);
            sink = out.size();
        } else if (mode == "encode-nlohmann") {
            sink = value.dump().size();
        } else if (mode == "decode") {
            sink = childproc::detail::decodeJson(text, why)->size();
        } else if (mode == "decode-nlohmann") {
            sink = json::parse(text).size();
        } else {
            std::fprintf(stderr, "bench_json: unknown mode '%s'\n", mode.c_str());
            return 2;
        }
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%.1f\n", static_cast<double>(text.size()) * static_cast<double>(count) / s / 1e6);
}

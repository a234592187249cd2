// SPDX-License-Identifier: MIT
#include "ipc/json_lines_codec.hpp"

#include <algorithm>

#include "ipc/json_codec.hpp"

namespace childproc::detail {

std::string encodeMessage(const nlohmann::json& message) {
    std::string out;
    encodeJson(message, out);
    out += '\n';
    return out;
}

Decoded decodeLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF is fine, as in Node
    Decoded d;
    std::string why;
    auto parsed = decodeJson(line, why);
    if (!parsed) {
        std::string shown(line.substr(0, 80));
        d.error = Error(
            "IPC message is not valid JSON (" + std::to_string(line.size()) + " bytes, " + why +
                "): " + (line.empty() ? std::string("an empty line") : "'" + shown + (line.size() > 80 ? "…'" : "'")),
            "ERR_IPC_BAD_MESSAGE", "SyntaxError");
    } else {
        d.message.emplace(std::move(*parsed));
    }
    return d;
}

void JsonLinesCodec::encode(const nlohmann::json& message, std::string& out) const {
    encodeJson(message, out);
    out += '\n';
}

void JsonLinesCodec::encodeHandle(const SendHandle& handle, const nlohmann::json& message, std::string& out) const {
    // Node's envelope, its keys in Node's order; the message is not copied into it.
    out += "{\"cmd\":\"NODE_HANDLE\",\"type\":";
    encodeJson(handle.type, out);
    out += ",\"msg\":";
    encodeJson(message, out);
    if (!handle.dgramType.empty()) {
        out += ",\"dgramType\":";
        encodeJson(handle.dgramType, out);
    }
    out += "}\n";
}

void JsonLinesCodec::feed(std::string_view bytes, CodecSink& sink) {
    decoder_.feed(
        bytes, [&sink](std::string_view line) { sink.onDecoded(line, decodeLine(line)); },
        [this, &sink](std::size_t seen) { sink.onTooLarge(seen, decoder_.maxLine()); });
}

std::uint64_t JsonLinesCodec::messageAtEndOf(std::string_view bytes) const {
    if (bytes.empty()) return decoder_.lines();
    const auto newlines = static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
    return decoder_.lines() + newlines - (bytes.back() == '\n' ? 1 : 0);
}

}  // namespace childproc::detail

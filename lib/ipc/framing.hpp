// SPDX-License-Identifier: MIT
#pragma once
// Node's 'json' serialization on the wire: one message is JSON.stringify(msg)
// followed by "\n". The receiver splits on "\n"; a partial line waits for the
// next read. UTF-8 needs no special care: 0x0A never occurs inside a multi-byte
// character, so a character split across reads is simply joined with the rest.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "childproc/error.hpp"

namespace childproc::detail {

// The bytes of one message. Strings that are not valid UTF-8 have each invalid
// byte replaced by U+FFFD, as a JS string cannot hold them either.
std::string encodeMessage(const nlohmann::json& message);

class LineDecoder {
public:
    // Calls onLine(std::string_view) for each complete line in order.
    template <class F>
    void feed(std::string_view bytes, F&& onLine) {
        while (!bytes.empty()) {
            const auto nl = bytes.find('\n');
            if (nl == std::string_view::npos) {
                partial_.append(bytes);
                return;
            }
            if (partial_.empty()) {
                onLine(bytes.substr(0, nl));
            } else {
                partial_.append(bytes.substr(0, nl));
                std::string line = std::move(partial_);
                partial_.clear();
                onLine(std::string_view(line));
            }
            bytes.remove_prefix(nl + 1);
        }
    }
    // Node's channel.buffering: part of a message has arrived.
    bool buffering() const { return !partial_.empty(); }
    std::size_t buffered() const { return partial_.size(); }

private:
    std::string partial_;
};

// One line as a message, or the error that a malformed line is (Node would crash
// on it; we report ERR_IPC_BAD_MESSAGE and go on with the next line).
struct Decoded {
    std::optional<nlohmann::json> message;
    std::optional<Error> error;
};
Decoded decodeLine(std::string_view line);

// Node's isInternal(): an object whose string `cmd` starts with "NODE_" (and is longer).
bool isInternal(const nlohmann::json& message);

}  // namespace childproc::detail

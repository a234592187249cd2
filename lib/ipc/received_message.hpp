// SPDX-License-Identifier: MIT
#pragma once
// A message as it came off the channel, in the form its codec made: JSON from a
// JSON line, a Value from 'advanced'. The other form is made on first use and kept,
// so that nobody pays for a form no listener asked for: the JSON view of an 8 MiB
// Uint8Array has eight million keys.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "childproc/value.hpp"

namespace childproc::detail {

class ReceivedMessage {
public:
    explicit ReceivedMessage(nlohmann::json json) : json_(std::move(json)) {}
    explicit ReceivedMessage(std::shared_ptr<const Value> value) : value_(std::move(value)) {}

    // The JSON view; null when it would be longer than `maxTextBytes` as JSON text
    // (then it is never tried again).
    const nlohmann::json* json(std::size_t maxTextBytes);
    // The message whole (a JSON message as a Value).
    const std::shared_ptr<const Value>& value();

    // Node's isInternal(), read on the form that came.
    bool internal() const;
    // A string property ("" when absent or not a string): an envelope's cmd, type, key.
    std::string text(const char* key) const;
    // A NODE_HANDLE envelope's `msg`, in the same form: moved out of JSON, shared
    // (not copied) from a Value.
    ReceivedMessage member(const char* key) &&;

private:
    ReceivedMessage() = default;
    std::optional<nlohmann::json> json_;
    std::shared_ptr<const Value> value_;
    bool jsonTooLarge_ = false;
};

}  // namespace childproc::detail

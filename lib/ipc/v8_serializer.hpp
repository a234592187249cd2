// SPDX-License-Identifier: MIT
#pragma once
// V8's ValueSerializer wire format (version 15, Node 20's V8), as Node's
// 'advanced' serialization uses it: Node's ChildProcessSerializer writes
// ArrayBufferViews as host objects (a 0 tag, the view's type index, its bytes).

#include <optional>
#include <string>
#include <string_view>

#include "childproc/value.hpp"

namespace childproc::detail {

// Appends the header and `value` to `out`. Bytes already in `out` (the frame's
// length) count for V8's alignment of two-byte strings, as in Node's buffer.
// Throws ERR_INVALID_ARG_VALUE for a Cycle that points above the message.
void serializeV8(const Value& value, std::string& out);

struct V8Decoded {
    std::optional<Value> value;
    std::string error;  // why not, when there is no value
};

// One serialized value (a frame's payload, after the length). Hostile input gets
// an error, never a crash or an allocation beyond what the bytes can describe.
V8Decoded deserializeV8(std::string_view payload);

}  // namespace childproc::detail

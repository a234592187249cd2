// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "childproc/exec.hpp"

namespace childproc::detail {

// Node's StringDecoder('utf8'): each maximal invalid subsequence becomes U+FFFD,
// and a sequence cut at the end of one chunk waits for the next.
class Utf8Decoder {
public:
    // Appends chunk's decoded text to out.
    void decode(std::string_view chunk, std::string& out);
    // The end of input: an unfinished sequence becomes one U+FFFD.
    void end(std::string& out);

private:
    std::size_t completePending(std::string_view chunk, std::string& out);
    std::string pending_;  // at most 3 bytes of a valid, unfinished sequence
};

// How many bytes at the start of s are valid, complete UTF-8.
std::size_t validUtf8Prefix(std::string_view s);

// The captured bytes as `encoding` asks: decoded (utf8), or untouched (buffer, or
// utf8 that is valid already: no copy).
std::string applyEncoding(std::string bytes, Encoding encoding);

// The first `units` UTF-16 code units of valid UTF-8 text, as JavaScript's
// String.prototype.slice cuts: half a surrogate pair becomes U+FFFD on output.
std::string_view::size_type utf16Prefix(std::string_view text, std::size_t units, bool& halfPair);

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
#include "exec/encoding.hpp"

#include "core/utf8.hpp"

namespace childproc::detail {

std::string decodeUtf8Lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        if (*p < 0x80) {
            out += static_cast<char>(*p++);
            continue;
        }
        std::size_t bad = 0;
        if (std::size_t n = utf8Sequence(p, end, bad)) {
            out.append(reinterpret_cast<const char*>(p), n);
            p += n;
        } else {
            out += kReplacementChar;  // one U+FFFD for the maximal invalid subpart, then resync
            p += bad;
        }
    }
    return out;
}

std::string applyEncoding(std::string bytes, Encoding encoding) {
    if (encoding == Encoding::buffer) return bytes;
    // Fast path: most output is valid UTF-8 and is returned as is.
    std::string decoded = decodeUtf8Lossy(bytes);
    return decoded == bytes ? bytes : decoded;
}

}  // namespace childproc::detail

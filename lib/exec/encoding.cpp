// SPDX-License-Identifier: MIT
#include "exec/encoding.hpp"

#include "core/utf8.hpp"

namespace childproc::detail {

namespace {
bool isLeadByte(unsigned char b) { return b >= 0xC2 && b <= 0xF4; }
}  // namespace

// Feeds the held bytes one more byte at a time; returns how many of chunk's bytes it used.
std::size_t Utf8Decoder::completePending(std::string_view chunk, std::string& out) {
    std::size_t used = 0;
    while (!pending_.empty() && used < chunk.size()) {
        pending_ += chunk[used];
        const auto* p = reinterpret_cast<const unsigned char*>(pending_.data());
        std::size_t bad = 0;
        if (utf8Sequence(p, p + pending_.size(), bad) != 0) {
            out += pending_;
            pending_.clear();
            return used + 1;
        }
        if (bad != pending_.size()) {  // the new byte broke it: it starts afresh
            out += kReplacementChar;
            pending_.clear();
            return used;
        }
        ++used;
    }
    return used;
}

void Utf8Decoder::decode(std::string_view chunk, std::string& out) {
    chunk.remove_prefix(completePending(chunk, out));
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    const auto* end = p + chunk.size();
    while (p < end) {
        if (*p < 0x80) {
            out += static_cast<char>(*p++);
            continue;
        }
        std::size_t bad = 0;
        if (std::size_t n = utf8Sequence(p, end, bad)) {
            out.append(reinterpret_cast<const char*>(p), n);
            p += n;
        } else if (p + bad == end && isLeadByte(*p)) {
            pending_.assign(reinterpret_cast<const char*>(p), bad);
            return;
        } else {
            out += kReplacementChar;  // one U+FFFD for the maximal invalid subpart, then resync
            p += bad;
        }
    }
}

void Utf8Decoder::end(std::string& out) {
    if (pending_.empty()) return;
    out += kReplacementChar;
    pending_.clear();
}

std::string decodeUtf8Lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    Utf8Decoder d;
    d.decode(s, out);
    d.end(out);
    return out;
}

std::string applyEncoding(std::string bytes, Encoding encoding) {
    if (encoding == Encoding::buffer) return bytes;
    // Fast path: most output is valid UTF-8 and is returned as is.
    std::string decoded = decodeUtf8Lossy(bytes);
    return decoded == bytes ? bytes : decoded;
}

std::string_view::size_type utf16Prefix(std::string_view text, std::size_t units, bool& halfPair) {
    halfPair = false;
    std::size_t i = 0;
    while (i < text.size() && units > 0) {
        const auto b = static_cast<unsigned char>(text[i]);
        const std::size_t len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        if (len == 4) {  // outside the BMP: two UTF-16 units
            if (units == 1) {
                halfPair = true;
                return i;
            }
            --units;
        }
        --units;
        i += len;
    }
    return i;
}

}  // namespace childproc::detail

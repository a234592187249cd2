// SPDX-License-Identifier: MIT
#include "exec/encoding.hpp"

#include <cstdint>
#include <cstring>

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
    while (!chunk.empty()) {
        const std::size_t ok = validUtf8Prefix(chunk);
        out.append(chunk.substr(0, ok));
        chunk.remove_prefix(ok);
        if (chunk.empty()) return;
        const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
        std::size_t bad = 0;
        utf8Sequence(p, p + chunk.size(), bad);
        if (bad == chunk.size() && isLeadByte(*p)) {  // cut by the chunk's end: wait for the rest
            pending_.assign(chunk);
            return;
        }
        out += kReplacementChar;  // one U+FFFD for the maximal invalid subpart, then resync
        chunk.remove_prefix(bad);
    }
}

void Utf8Decoder::end(std::string& out) {
    if (pending_.empty()) return;
    out += kReplacementChar;
    pending_.clear();
}

std::size_t validUtf8Prefix(std::string_view s) {
    const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
    const auto* p = begin;
    const auto* end = begin + s.size();
    while (p < end) {
        if (*p < 0x80) {
            ++p;
            std::uint64_t word;  // most output is ASCII: eight bytes at a time
            while (end - p >= 8 && (std::memcpy(&word, p, 8), (word & 0x8080808080808080ULL) == 0)) p += 8;
            continue;
        }
        std::size_t bad = 0;
        const std::size_t n = utf8Sequence(p, end, bad);
        if (n == 0) break;
        p += n;
    }
    return static_cast<std::size_t>(p - begin);
}

std::string applyEncoding(std::string bytes, Encoding encoding) {
    if (encoding == Encoding::buffer) return bytes;
    // Validated in place: only output with an invalid byte is copied, from there on.
    const std::size_t ok = validUtf8Prefix(bytes);
    if (ok == bytes.size()) return bytes;
    std::string out;
    out.reserve(bytes.size() + 16);
    out.append(bytes, 0, ok);
    Utf8Decoder d;
    d.decode(std::string_view(bytes).substr(ok), out);
    d.end(out);
    return out;
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

#include "exec/encoding.hpp"

namespace childproc::detail {

namespace {
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
}  // namespace


std::string decodeUtf8Lossy(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            out += static_cast<char>(b);
            ++i;
            continue;
        }
        // The WHATWG decoder's table: length, and the range of the second byte.
        std::size_t need = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) need = 1;
        else if (b == 0xE0) { need = 2; lo = 0xA0; }
        else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) need = 2;
        else if (b == 0xED) { need = 2; hi = 0x9F; }
        else if (b == 0xF0) { need = 3; lo = 0x90; }
        else if (b >= 0xF1 && b <= 0xF3) need = 3;
        else if (b == 0xF4) { need = 3; hi = 0x8F; }
        if (need == 0) {
            out += kReplacement;
            ++i;
            continue;
        }
        std::size_t j = 1;
        for (; j <= need && i + j < n; ++j) {
            const auto c = static_cast<unsigned char>(s[i + j]);
            const unsigned char l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
            if (c < l || c > h) break;
        }
        if (j == need + 1) {
            out.append(s.substr(i, need + 1));
            i += need + 1;
        } else {
            out += kReplacement;  // one U+FFFD for the maximal valid prefix, then resync
            i += j;
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

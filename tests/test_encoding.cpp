// SPDX-License-Identifier: MIT
// The 'utf8' encoding as Node's StringDecoder: fed in chunks cut anywhere, it gives
// what decoding the whole gives; valid output is returned without a copy.

#include <gtest/gtest.h>

#include "exec/encoding.hpp"

using namespace childproc::detail;

TEST(Utf8Decoder, ChunksCutAnywhereDecodeAsTheWhole) {
    // ASCII, 2-, 3- and 4-byte sequences, a lone continuation, a truncated sequence,
    // an overlong form, a surrogate, and an unfinished sequence at the very end.
    const std::string input =
        "plain \xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \x80 \xE2\x82 x \xC0\xAF \xED\xA0\x80 end \xF0\x9D";
    const std::string whole = applyEncoding(input, childproc::Encoding::utf8);
    EXPECT_EQ(whole,
              "plain \xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \xEF\xBF\xBD \xEF\xBF\xBD x \xEF\xBF\xBD\xEF\xBF\xBD "
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD end \xEF\xBF\xBD");
    for (std::size_t a = 0; a <= input.size(); ++a)
        for (std::size_t b = a; b <= input.size(); ++b) {
            Utf8Decoder d;
            std::string out;
            d.decode(std::string_view(input).substr(0, a), out);
            d.decode(std::string_view(input).substr(a, b - a), out);
            d.decode(std::string_view(input).substr(b), out);
            d.end(out);
            ASSERT_EQ(out, whole) << "cut at " << a << " and " << b;
        }
}

TEST(Utf8Decoder, ValidOutputIsReturnedAsIs) {
    std::string big(1 << 20, 'a');
    big += "\xE2\x82\xAC";
    const char* before = big.data();
    const std::string out = applyEncoding(std::move(big), childproc::Encoding::utf8);
    EXPECT_EQ(out.data(), before);  // moved through, not copied
    EXPECT_EQ(validUtf8Prefix("ab\xE2\x82"), 2u);
}

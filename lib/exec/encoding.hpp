// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "childproc/exec.hpp"

namespace childproc::detail {

// Node's UTF-8 decoding: each maximal invalid subsequence becomes U+FFFD.
std::string decodeUtf8Lossy(std::string_view bytes);

// The captured bytes as `encoding` asks: decoded (utf8) or untouched (buffer).
std::string applyEncoding(std::string bytes, Encoding encoding);

}  // namespace childproc::detail

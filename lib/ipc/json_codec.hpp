// SPDX-License-Identifier: MIT
#pragma once
// JSON text ⇄ nlohmann::json for the IPC hot path. nlohmann's own lexer and
// serializer look at one byte at a time; here runs of plain string bytes are
// copied in bulk: a 64 KiB text message encodes ~4× and decodes ~2.4× as fast as
// with nlohmann's dump and parse (bench/json_bench.cpp, in bench/run.sh's second
// table). Semantics follow what a Node peer produces and accepts:
//   - output is JSON.stringify's: raw UTF-8, control characters escaped
//     (\b \f \n \r \t, else \u00xx), '"' and '\\' escaped, nothing else;
//   - invalid UTF-8 in our strings is sent as U+FFFD (a JS string cannot hold it);
//   - input that JSON.parse would accept is accepted; a lone surrogate escape
//     ("\ud800", which Node sends for a lone surrogate) becomes U+FFFD, and
//     invalid UTF-8 bytes become U+FFFD, as Node's StringDecoder makes them;
//   - duplicate keys: the last one wins, as in JS.

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace childproc::detail {

void encodeJson(const nlohmann::json& value, std::string& out);

// nullopt and a reason when `text` is not one JSON value (surrounding whitespace allowed).
std::optional<nlohmann::json> decodeJson(std::string_view text, std::string& why);

// Nesting deeper than this is refused rather than risking the stack (V8 refuses
// deep nesting too, with a RangeError).
inline constexpr int kMaxJsonDepth = 2048;

}  // namespace childproc::detail

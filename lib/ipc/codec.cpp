// SPDX-License-Identifier: MIT
// Which serializations are spoken, and the codec for each.

#include "ipc/codec.hpp"

#include "ipc/advanced_codec.hpp"
#include "ipc/json_lines_codec.hpp"

namespace childproc::detail {

std::unique_ptr<Codec> makeCodec(Serialization s) {
    requireSupported(s);
    if (s == Serialization::advanced) return std::make_unique<AdvancedCodec>();
    return std::make_unique<JsonLinesCodec>();
}

void requireSupported(Serialization s) {
    if (s != Serialization::json && s != Serialization::advanced)
        throw Error("The property 'options.serialization' must be one of: 'json', 'advanced'", "ERR_INVALID_ARG_VALUE",
                    "TypeError");
}

std::optional<Serialization> spokenSerialization(std::string_view mode) {
    if (mode == "json") return Serialization::json;
    if (mode == "advanced") return Serialization::advanced;
    return std::nullopt;
}

const char* serializationName(Serialization s) { return s == Serialization::json ? "json" : "advanced"; }

bool isInternal(const nlohmann::json& m) {
    if (!m.is_object()) return false;
    auto it = m.find("cmd");
    if (it == m.end() || !it->is_string()) return false;
    const auto& cmd = it->get_ref<const std::string&>();
    return cmd.size() > 5 && cmd.compare(0, 5, "NODE_") == 0;
}

bool isInternal(const Value& m) {
    const Value& cmd = m["cmd"];  // undefined unless m is an object with one
    return cmd.is<std::string>() && cmd.as<std::string>().size() > 5 &&
           cmd.as<std::string>().compare(0, 5, "NODE_") == 0;
}

}  // namespace childproc::detail

// SPDX-License-Identifier: MIT
// Which serializations are spoken, and the codec for each.

#include "ipc/codec.hpp"

#include "ipc/json_lines_codec.hpp"

namespace childproc::detail {

std::unique_ptr<Codec> makeCodec(Serialization s) {
    requireSupported(s);
    return std::make_unique<JsonLinesCodec>();
}

void requireSupported(Serialization s) {
    if (s != Serialization::json)
        throw Error("The property 'options.serialization' 'advanced' is not supported yet: use 'json'",
                    "ERR_INVALID_ARG_VALUE", "TypeError");
}

std::optional<Serialization> spokenSerialization(std::string_view mode) {
    if (mode == "json") return Serialization::json;
    return std::nullopt;  // 'advanced' (V8's serializer) is not spoken here yet
}

const char* serializationName(Serialization s) { return s == Serialization::json ? "json" : "advanced"; }

bool isInternal(const nlohmann::json& m) {
    if (!m.is_object()) return false;
    auto it = m.find("cmd");
    if (it == m.end() || !it->is_string()) return false;
    const auto& cmd = it->get_ref<const std::string&>();
    return cmd.size() > 5 && cmd.compare(0, 5, "NODE_") == 0;
}

}  // namespace childproc::detail

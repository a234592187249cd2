// SPDX-License-Identifier: MIT
#include "ipc/framing.hpp"

#include "ipc/json_codec.hpp"

namespace childproc::detail {

std::string encodeMessage(const nlohmann::json& message) {
    std::string out;
    encodeJson(message, out);
    out += '\n';
    return out;
}

Decoded decodeLine(std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF is fine, as in Node
    Decoded d;
    std::string why;
    auto parsed = decodeJson(line, why);
    if (!parsed) {
        std::string shown(line.substr(0, 80));
        d.error = Error("IPC message is not valid JSON (" + std::to_string(line.size()) + " bytes, " + why + "): " +
                            (line.empty() ? std::string("an empty line") : "'" + shown + (line.size() > 80 ? "…'" : "'")),
                        "ERR_IPC_BAD_MESSAGE", "SyntaxError");
    } else {
        d.message = std::move(*parsed);
    }
    return d;
}

bool isInternal(const nlohmann::json& m) {
    if (!m.is_object()) return false;
    auto it = m.find("cmd");
    if (it == m.end() || !it->is_string()) return false;
    const auto& cmd = it->get_ref<const std::string&>();
    return cmd.size() > 5 && cmd.compare(0, 5, "NODE_") == 0;
}

}  // namespace childproc::detail

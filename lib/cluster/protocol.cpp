// SPDX-License-Identifier: MIT
#include "cluster/protocol.hpp"

#include <map>

namespace childproc::detail::cluster {

namespace {
// Per process, as in Node: the primary shares one counter among all its workers.
std::int64_t seq = 0;
std::map<std::int64_t, Handler>& callbacks() {
    static std::map<std::int64_t, Handler> m;
    return m;
}
}  // namespace

bool sendHelper(bool connected, const RawSend& send, nlohmann::json message, const SendHandle* handle, Handler reply,
                SendCallback written) {
    if (!connected) return false;
    nlohmann::json envelope = {{"cmd", "NODE_CLUSTER"}};
    for (auto& [k, v] : message.items()) envelope[k] = std::move(v);
    envelope["seq"] = seq;
    if (reply) callbacks()[seq] = std::move(reply);
    ++seq;
    return send(envelope, handle, std::move(written));
}

void dispatch(const nlohmann::json& message, std::shared_ptr<ReceivedHandle> handle, const Handler& onmessage) {
    if (stringField(message, "cmd") != "NODE_CLUSTER") return;
    if (auto ack = message.find("ack"); ack != message.end() && ack->is_number_integer()) {
        auto& cbs = callbacks();
        if (auto it = cbs.find(ack->get<std::int64_t>()); it != cbs.end()) {
            Handler fn = std::move(it->second);
            cbs.erase(it);
            return fn(message, std::move(handle));
        }
    }
    if (onmessage) onmessage(message, std::move(handle));
}

std::string stringField(const nlohmann::json& m, const char* key) {
    auto it = m.find(key);
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int intField(const nlohmann::json& m, const char* key, int fallback) {
    auto it = m.find(key);
    return it != m.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

}  // namespace childproc::detail::cluster

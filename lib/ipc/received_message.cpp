// SPDX-License-Identifier: MIT
#include "ipc/received_message.hpp"

#include "ipc/codec.hpp"
#include "ipc/json_view.hpp"

namespace childproc::detail {

const nlohmann::json* ReceivedMessage::json(std::size_t maxTextBytes) {
    if (!json_ && !jsonTooLarge_) {
        json_ = jsonView(*value_, maxTextBytes);
        jsonTooLarge_ = !json_;
    }
    return json_ ? &*json_ : nullptr;
}

const std::shared_ptr<const Value>& ReceivedMessage::value() {
    if (!value_) value_ = std::make_shared<const Value>(Value::fromJson(*json_));
    return value_;
}

bool ReceivedMessage::internal() const { return value_ ? isInternal(*value_) : isInternal(*json_); }

std::string ReceivedMessage::text(const char* key) const {
    if (value_) {
        const Value& v = (*value_)[key];
        return v.is<std::string>() ? v.as<std::string>() : std::string();
    }
    auto it = json_->find(key);  // end() unless an object
    return it != json_->end() && it->is_string() ? it->get<std::string>() : std::string();
}

ReceivedMessage ReceivedMessage::member(const char* key) && {
    ReceivedMessage m;
    if (value_) {
        m.value_ = std::shared_ptr<const Value>(value_, &(*value_)[key]);  // aliases the envelope
    } else {
        auto it = json_->find(key);  // end() unless an object
        m.json_ = it != json_->end() ? std::move(*it) : nlohmann::json();
    }
    return m;
}

}  // namespace childproc::detail

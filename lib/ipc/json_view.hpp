// SPDX-License-Identifier: MIT
#pragma once
// A bounded Value::toJson(), for the JSON view the channel makes of an 'advanced'
// message for its JSON listeners.

#include <cstddef>
#include <optional>

#include <nlohmann/json.hpp>

#include "childproc/value.hpp"

namespace childproc::detail {

// JSON.stringify's view of `value`, or nothing when its JSON text would be longer
// than `maxTextBytes` (the channel's maxMessageSize: the cap a JSON message of that
// text would meet). Gives up as soon as the budget is spent.
std::optional<nlohmann::json> jsonView(const Value& value, std::size_t maxTextBytes);

}  // namespace childproc::detail

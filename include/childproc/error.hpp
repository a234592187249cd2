// SPDX-License-Identifier: MIT
#pragma once
// Errors shaped like Node's: a JS class name, a string code, the negative errno,
// the failing syscall and, for spawn failures, the path and arguments; for
// network errors the address and port.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "childproc/export.hpp"

namespace childproc {

class CHILDPROC_EXPORT Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, std::string errorCode = {}, std::string className = "Error")
        : std::runtime_error(message), name(std::move(className)), code(std::move(errorCode)) {}

    std::string name;  // JS class: "Error", "TypeError", "RangeError", "AbortError"
    std::string code;  // "ENOENT", "ERR_INVALID_ARG_VALUE", "ABORT_ERR", ...
    int errnum = 0;    // Node's err.errno: the negative errno; 0 when not a system error
    std::string syscall;
    std::optional<std::string> path;
    std::optional<std::vector<std::string>> spawnargs;
    // Network errors (Node's ExceptionWithHostPort): the address and port involved.
    std::optional<std::string> address;
    std::optional<int> port;

    std::string message() const { return what(); }
};

// Node's ErrnoException: message "<syscall> <CODE>", e.g. "spawn ls ENOENT".
CHILDPROC_EXPORT Error systemError(int uvErr, std::string syscall);

// The libuv error name for a negative errno ("ENOENT"), as Node's err.code.
CHILDPROC_EXPORT std::string errorName(int uvErr);

}  // namespace childproc

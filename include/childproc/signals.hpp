// SPDX-License-Identifier: MIT
#pragma once
// Signals by name or number, validated as Node validates killSignal and kill().

#include <csignal>
#include <optional>
#include <string>
#include <string_view>

#include "childproc/export.hpp"

namespace childproc {

// "SIGTERM" for 15; nullopt for a number that is not a signal.
CHILDPROC_EXPORT std::optional<std::string> signalName(int number);
// 15 for "SIGTERM"; nullopt for an unknown name.
CHILDPROC_EXPORT std::optional<int> signalNumber(std::string_view name);

// A signal that is known to exist. Constructing one from an unknown name or
// number throws Error{code = "ERR_UNKNOWN_SIGNAL"}, as Node does. 0 is allowed
// (kill(0) probes whether the process exists).
class CHILDPROC_EXPORT Signal {
public:
    Signal(int number);             // NOLINT(google-explicit-constructor): mirrors Node's loose typing
    Signal(std::string_view name);  // NOLINT(google-explicit-constructor)
    Signal(const char* name) : Signal(std::string_view(name)) {}  // NOLINT(google-explicit-constructor)

    int number() const { return number_; }
    std::string name() const;  // "SIGTERM", or "0"

    friend bool operator==(const Signal&, const Signal&) = default;

private:
    int number_;
};

}  // namespace childproc

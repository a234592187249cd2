// SPDX-License-Identifier: MIT
#include "childproc/signals.hpp"

#include <array>
#include <utility>

#include "childproc/error.hpp"

namespace childproc {

namespace {
// Node's os.constants.signals on Linux. Aliases (SIGIOT, SIGPOLL) come after the
// canonical name so that number → name gives what Node reports on exit.
constexpr std::array<std::pair<std::string_view, int>, 33> kSignals{{
    {"SIGHUP", SIGHUP},     {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT},     {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP},   {"SIGABRT", SIGABRT},     {"SIGIOT", SIGIOT},       {"SIGBUS", SIGBUS},
    {"SIGFPE", SIGFPE},     {"SIGKILL", SIGKILL},     {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV},
    {"SIGUSR2", SIGUSR2},   {"SIGPIPE", SIGPIPE},     {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM},
    {"SIGCHLD", SIGCHLD},   {"SIGSTKFLT", SIGSTKFLT}, {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP},
    {"SIGTSTP", SIGTSTP},   {"SIGTTIN", SIGTTIN},     {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},
    {"SIGXCPU", SIGXCPU},   {"SIGXFSZ", SIGXFSZ},     {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF},
    {"SIGWINCH", SIGWINCH}, {"SIGIO", SIGIO},         {"SIGPOLL", SIGPOLL},     {"SIGPWR", SIGPWR},
    {"SIGSYS", SIGSYS},
}};

[[noreturn]] void unknownSignal(const std::string& shown) {
    throw Error("Unknown signal: " + shown, "ERR_UNKNOWN_SIGNAL", "TypeError");
}
}  // namespace

std::optional<std::string> signalName(int number) {
    for (const auto& [name, num] : kSignals)
        if (num == number) return std::string(name);
    return std::nullopt;
}

std::optional<int> signalNumber(std::string_view name) {
    for (const auto& [n, num] : kSignals)
        if (n == name) return num;
    return std::nullopt;
}

Signal::Signal(int number) : number_(number) {
    if (number != 0 && !signalName(number)) unknownSignal(std::to_string(number));
}

Signal::Signal(std::string_view name) : number_(0) {
    auto n = signalNumber(name);
    if (!n) unknownSignal(std::string(name));
    number_ = *n;
}

std::string Signal::name() const { return number_ == 0 ? "0" : *signalName(number_); }

}  // namespace childproc
